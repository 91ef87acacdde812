//go:build !linux

package proc

import "syscall"

// SysProcAttr is nil here: only Linux kills a child on its parent's death.
func SysProcAttr() *syscall.SysProcAttr { return nil }
