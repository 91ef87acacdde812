package auditsink

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/secaudit/auditkit/slogaudit"
	"go.uber.org/goleak"
)

// The test binary doubles as the child process of the multi-process and
// crash tests: helperEnv selects what the child does.
const helperEnv = "AUDITSINK_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "append":
		os.Exit(childAppend())
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

// line returns a JSON line of exactly n bytes (n >= 16), newline included.
func line(id, n int) []byte {
	head := `{"id":` + strconv.Itoa(id) + `,"pad":"`
	pad := n - len(head) - len(`"}`+"\n")
	return []byte(head + string(bytes.Repeat([]byte{'x'}, pad)) + `"}` + "\n")
}

// encoder returns the default encoder with onError and now (nil: defaults).
func encoder(onError func(error), now func() time.Time) *slogaudit.Encoder {
	return slogaudit.NewEncoder(&slogaudit.Options{OnError: onError, Now: now})
}
