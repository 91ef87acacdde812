package buffer

import "sync"

const (
	initialSize = 1 << 10
	maxPooled   = 64 << 10
)

// Buffer is a byte slice that is returned to the pool with Free.
type Buffer []byte

var pool = sync.Pool{New: func() any {
	b := make([]byte, 0, initialSize)
	return (*Buffer)(&b)
}}

// New returns an empty buffer from the pool.
func New() *Buffer { return pool.Get().(*Buffer) }

// Free empties b and returns it to the pool unless it grew beyond 64 KiB.
func (b *Buffer) Free() {
	if cap(*b) <= maxPooled {
		*b = (*b)[:0]
		pool.Put(b)
	}
}

// Reset empties b, keeping its capacity.
func (b *Buffer) Reset() { *b = (*b)[:0] }

// Len is the number of bytes written.
func (b *Buffer) Len() int { return len(*b) }

// Write appends p; it never fails.
func (b *Buffer) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}

// WriteString appends s; it never fails.
func (b *Buffer) WriteString(s string) (int, error) {
	*b = append(*b, s...)
	return len(s), nil
}

// WriteByte appends c; it never fails.
func (b *Buffer) WriteByte(c byte) error {
	*b = append(*b, c)
	return nil
}
