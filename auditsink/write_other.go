//go:build !unix

package auditsink

import "os"

// writeOnce writes p with the platform's append semantics.
func writeOnce(f *os.File, p []byte) (int, error) { return f.Write(p) }
