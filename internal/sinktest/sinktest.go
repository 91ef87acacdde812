// Package sinktest has the fakes that auditsink's and auditchain's tests
// share: a disk that fills up, a settable clock, and file helpers.
package sinktest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FullDisk accepts Free bytes, writes the part of a line that fits and then
// fails with ENOSPC, like write(2) on a full file system, until more space
// is added. Set Free before sharing it between goroutines.
type FullDisk struct {
	Free  int
	mu    sync.Mutex
	buf   bytes.Buffer
	calls int
}

// Write takes what fits.
func (d *FullDisk) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if len(p) <= d.Free {
		d.Free -= len(p)
		return d.buf.Write(p)
	}
	n := d.Free
	d.buf.Write(p[:n])
	d.Free = 0
	return n, fmt.Errorf("write audit.log: %w", syscall.ENOSPC)
}

// AddSpace frees n more bytes.
func (d *FullDisk) AddSpace(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Free += n
}

// String returns what was written.
func (d *FullDisk) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.String()
}

// Writes counts the calls to Write.
func (d *FullDisk) Writes() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

// Clock is a settable clock for rate limits, probes and checkpoints.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock at a fixed date.
func NewClock() *Clock {
	return &Clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// WriteFile writes data to a new audit.log in a temporary directory and
// returns its path.
func WriteFile(t testing.TB, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Close closes a writer that drains within a context (an Async), failing
// the test after 10 seconds.
func Close(t testing.TB, w interface{ Close(context.Context) error }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// Buffer is a bytes.Buffer safe for concurrent use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
