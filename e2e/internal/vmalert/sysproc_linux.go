package vmalert

import "syscall"

// sysProcAttr has the kernel kill vmalert when the test binary dies without
// running its cleanups (a go test -timeout panic, a SIGKILL).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
