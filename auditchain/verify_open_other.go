//go:build !unix

package auditchain

// openNonblock is 0 where FIFOs do not block an open the same way.
const openNonblock = 0
