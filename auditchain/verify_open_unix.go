//go:build unix

package auditchain

import "syscall"

// openNonblock keeps the open of a FIFO from blocking until a writer comes;
// openRegular then refuses it.
const openNonblock = syscall.O_NONBLOCK
