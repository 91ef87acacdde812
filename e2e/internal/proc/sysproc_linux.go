package proc

import "syscall"

// SysProcAttr has the kernel kill the child when the test binary dies
// without running its cleanups (a go test -timeout panic, a SIGKILL).
func SysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
