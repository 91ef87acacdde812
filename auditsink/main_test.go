package auditsink

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The test binary doubles as the child process of the multi-process and
// crash tests: helperEnv selects what the child does.
const helperEnv = "AUDITSINK_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "append":
		os.Exit(childAppend())
	case "crash":
		os.Exit(childCrash())
	case "fsize":
		os.Exit(childFileSizeLimit())
	}
	goleak.VerifyTestMain(m)
}

// recorder keeps every line written to it.
type recorder struct {
	mu    sync.Mutex
	lines [][]byte
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, bytes.Clone(p))
	return len(p), nil
}

func (r *recorder) snapshot() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.lines...)
}

// hangWriter blocks every Write until release is closed; entered receives
// one value per Write that started.
type hangWriter struct {
	recorder
	entered chan struct{}
	release chan struct{}
}

func newHangWriter() *hangWriter {
	return &hangWriter{entered: make(chan struct{}, 1000), release: make(chan struct{})}
}

func (h *hangWriter) Write(p []byte) (int, error) {
	h.entered <- struct{}{}
	<-h.release
	return h.recorder.Write(p)
}

// slowWriter sleeps before each Write.
type slowWriter struct {
	recorder
	d time.Duration
}

func (s *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(s.d)
	return s.recorder.Write(p)
}

// panicWriter panics on every Write.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("disk on fire") }

// fullDisk accepts free bytes, writes the part of a line that fits and then
// fails with ENOSPC, like write(2) on a full file system, until more space is
// added.
type fullDisk struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	free  int
	calls int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if len(p) <= d.free {
		d.free -= len(p)
		return d.buf.Write(p)
	}
	n := d.free
	d.buf.Write(p[:n])
	d.free = 0
	return n, fmt.Errorf("write audit.log: %w", syscall.ENOSPC)
}

func (d *fullDisk) addSpace(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.free += n
}

func (d *fullDisk) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.String()
}

func (d *fullDisk) writes() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

// fakeClock is a settable clock for rate limits and probes.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// line returns a JSON line of exactly n bytes (n >= 16), newline included.
func line(id, n int) []byte {
	head := `{"id":` + strconv.Itoa(id) + `,"pad":"`
	pad := n - len(head) - len(`"}`+"\n")
	return []byte(head + string(bytes.Repeat([]byte{'x'}, pad)) + `"}` + "\n")
}

func closeAsync(t *testing.T, a *Async) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

var errENOSPC = syscall.ENOSPC

func writeFileT(t *testing.T, data string) string {
	t.Helper()
	path := t.TempDir() + "/audit.log"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
