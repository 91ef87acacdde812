//go:build unix

package auditsink

import (
	"os"
	"syscall"
)

// writeOnce makes exactly one write(2) call (retried only on EINTR, when
// nothing was written). os.File.Write would loop after a short write, and a
// second call can land after another process's line.
func writeOnce(f *os.File, p []byte) (n int, err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	werr := rc.Write(func(fd uintptr) bool {
		for {
			n, err = syscall.Write(int(fd), p)
			if err != syscall.EINTR {
				break
			}
		}
		return true
	})
	if n < 0 {
		n = 0
	}
	if err == nil && werr != nil {
		err = werr
	}
	if err == nil && n < len(p) {
		// A regular file takes less than asked only when it runs out of
		// room (disk, quota, size limit); retrying would split the line.
		err = syscall.ENOSPC
	}
	return n, err
}
