//go:build !unix

package auditchain

import "os"

// lock is a no-op where flock(2) is missing: one writer per chained file is
// then the operator's job.
func lock(string) (*os.File, error) { return nil, nil }
