//go:build !linux

package otelcol

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
