package httpaudit

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// fullWriter has every optional interface and records what reached it.
type fullWriter struct {
	h                         http.Header
	code                      int
	body                      strings.Builder
	flushed, hijacked, pushed bool
	notified                  bool
}

func (f *fullWriter) Header() http.Header         { return f.h }
func (f *fullWriter) WriteHeader(c int)           { f.code = c }
func (f *fullWriter) Write(b []byte) (int, error) { return f.body.Write(b) }
func (f *fullWriter) Flush()                      { f.flushed = true }
func (f *fullWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	f.hijacked = true
	return nil, nil, nil
}
func (f *fullWriter) ReadFrom(r io.Reader) (int64, error)  { return io.Copy(&f.body, r) }
func (f *fullWriter) Push(string, *http.PushOptions) error { f.pushed = true; return nil }
func (f *fullWriter) CloseNotify() <-chan bool             { f.notified = true; return nil }

// Every method of every generated type reaches the original and the meter.
func TestWriterCombosDelegate(t *testing.T) {
	for k, conv := range combos {
		orig := &fullWriter{h: http.Header{}}
		m := &rw{w: orig}
		w := conv(m)
		w.Header().Set("X", "1")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte("ab"))
		w.(io.StringWriter).WriteString("cd")
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		if r, ok := w.(io.ReaderFrom); ok {
			r.ReadFrom(strings.NewReader("ef"))
		}
		if p, ok := w.(http.Pusher); ok {
			p.Push("/x", nil)
		}
		//lint:ignore SA1019 mirrored for old handlers, not used
		if c, ok := w.(http.CloseNotifier); ok {
			c.CloseNotify()
		}
		if h, ok := w.(http.Hijacker); ok {
			h.Hijack()
		}
		want := "abcd"
		if k&4 != 0 {
			want += "ef"
		}
		if orig.h.Get("X") != "1" || orig.code != http.StatusAccepted || orig.body.String() != want ||
			orig.flushed != (k&1 != 0) || orig.hijacked != (k&2 != 0) || orig.pushed != (k&8 != 0) || orig.notified != (k&16 != 0) {
			t.Errorf("%T: original saw %+v", w, orig)
		}
		if m.status != http.StatusAccepted || m.written != int64(len(want)) || m.hijacked != (k&2 != 0) {
			t.Errorf("%T: meter %+v", w, m)
		}
		if w.(interface{ Unwrap() http.ResponseWriter }).Unwrap() != orig {
			t.Errorf("%T: Unwrap", w)
		}
	}
}

// Flushing sends the header, so a later WriteHeader cannot change the
// status; a successful Hijack with nothing sent means 101.
func TestWriterFlushAndHijackStatus(t *testing.T) {
	m := &rw{w: &fullWriter{h: http.Header{}}}
	m.flush()
	m.WriteHeader(500)
	if m.status != 200 {
		t.Errorf("status after Flush then 500: %d", m.status)
	}
	m = &rw{w: &fullWriter{h: http.Header{}}}
	m.hijack()
	if m.status != 101 || !m.hijacked {
		t.Errorf("after Hijack: %+v", m)
	}
}

// fullFlushErr adds FlushError to fullWriter, as net/http's writer has it.
type fullFlushErr struct {
	fullWriter
	err error
}

func (f *fullFlushErr) FlushError() error { f.flushed = true; return f.err }

// Exactly the Flusher combinations have FlushError; it returns the
// original's error, or flushes and returns nil when the original has none,
// and either way fixes the status at 200.
func TestWriterFlushError(t *testing.T) {
	gone := io.ErrClosedPipe
	for k, conv := range combos {
		for _, orig := range []http.ResponseWriter{&fullWriter{h: http.Header{}}, &fullFlushErr{fullWriter{h: http.Header{}}, gone}} {
			m := &rw{w: orig}
			fe, ok := conv(m).(interface{ FlushError() error })
			if ok != (k&1 != 0) {
				t.Fatalf("%T: has FlushError %v", conv(m), ok)
			}
			if !ok {
				continue
			}
			err := fe.FlushError()
			want := error(nil)
			if _, has := orig.(*fullFlushErr); has {
				want = gone
			}
			var flushed bool
			switch o := orig.(type) {
			case *fullWriter:
				flushed = o.flushed
			case *fullFlushErr:
				flushed = o.flushed
			}
			if err != want || !flushed || m.status != http.StatusOK {
				t.Errorf("%T over %T: err %v, flushed %v, status %d", conv(m), orig, err, flushed, m.status)
			}
		}
	}
}
