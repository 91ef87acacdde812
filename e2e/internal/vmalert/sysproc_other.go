//go:build !linux

package vmalert

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
