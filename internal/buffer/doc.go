// Package buffer provides a pool of byte slices for building log lines.
//
// It follows log/slog's internal/buffer: pointers are pooled (so Put does not
// allocate), buffers start at 1 KiB and oversized ones are not kept, so one huge
// record cannot pin memory for the life of the process (golang.org/issue/23199).
package buffer
