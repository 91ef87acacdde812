package httpaudit_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/httpaudit"
)

type baseWriter struct{ h http.Header }

func (w *baseWriter) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}
func (w *baseWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *baseWriter) WriteHeader(int)             {}

type flusher struct{ baseWriter }

func (*flusher) Flush() {}

type hijacker struct{ baseWriter }

func (*hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) { return nil, nil, http.ErrNotSupported }

type readerFrom struct{ baseWriter }

func (*readerFrom) ReadFrom(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }

type pusher struct{ baseWriter }

func (*pusher) Push(string, *http.PushOptions) error { return nil }

type closeNotifier struct{ baseWriter }

func (*closeNotifier) CloseNotify() <-chan bool { return nil }

type everything struct {
	baseWriter
	flusher
	hijacker
	readerFrom
	pusher
}

func (e *everything) Header() http.Header                          { return e.baseWriter.Header() }
func (e *everything) Write(b []byte) (int, error)                  { return e.baseWriter.Write(b) }
func (e *everything) WriteHeader(c int)                            { e.baseWriter.WriteHeader(c) }
func (e *everything) Flush()                                       { e.flusher.Flush() }
func (e *everything) Hijack() (net.Conn, *bufio.ReadWriter, error) { return e.hijacker.Hijack() }
func (e *everything) ReadFrom(r io.Reader) (int64, error)          { return e.readerFrom.ReadFrom(r) }
func (e *everything) Push(t string, o *http.PushOptions) error     { return e.pusher.Push(t, o) }

func interfaces(w http.ResponseWriter) [6]bool {
	_, f := w.(http.Flusher)
	_, h := w.(http.Hijacker)
	_, r := w.(io.ReaderFrom)
	_, p := w.(http.Pusher)
	//lint:ignore SA1019 mirrored for old handlers, not used
	_, c := w.(http.CloseNotifier)
	_, u := w.(interface{ Unwrap() http.ResponseWriter })
	return [6]bool{f, h, r, p, c, u}
}

func TestWriterKeepsInterfaces(t *testing.T) {
	m, _ := newMW(t, nil)
	for _, orig := range []http.ResponseWriter{&baseWriter{}, &flusher{}, &hijacker{}, &readerFrom{}, &pusher{}, &closeNotifier{}, &everything{}, httptest.NewRecorder()} {
		var seen http.ResponseWriter
		m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = w })).
			ServeHTTP(orig, httptest.NewRequest("GET", "/", nil))
		want := interfaces(orig)
		want[5] = true // Unwrap is added
		if got := interfaces(seen); got != want {
			t.Errorf("%T: wrapped has [Flusher Hijacker ReaderFrom Pusher CloseNotifier Unwrap] = %v, want %v", orig, got, want)
		}
		if u := seen.(interface{ Unwrap() http.ResponseWriter }).Unwrap(); u != orig {
			t.Errorf("%T: Unwrap returned %T", orig, u)
		}
	}
}

// On a real connection, http.NewResponseController reaches the server's
// writer through Unwrap: deadlines are supported and Flush streams.
func TestResponseControllerThroughWrapper(t *testing.T) {
	m, rec := newMW(t, &httpaudit.Options{LogOKResponses: true})
	proceed := make(chan struct{})
	srv := httptest.NewServer(m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		if err := rc.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetReadDeadline: %v", err)
		}
		if err := rc.EnableFullDuplex(); err != nil {
			t.Errorf("EnableFullDuplex: %v", err)
		}
		io.WriteString(w, "first\n")
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		<-proceed // the client must see "first" before the handler returns
		io.WriteString(w, "second\n")
	})))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); line != "first\n" || err != nil {
		t.Fatalf("first line %q, %v", line, err)
	}
	close(proceed)
	if rest, _ := io.ReadAll(br); string(rest) != "second\n" {
		t.Fatalf("rest %q", rest)
	}
	resp.Body.Close()
	srv.Close() // waits for the handler, so the event is written
	if n := rec.only(t).Attrs[httpaudit.KeyHTTPResponseBodySize].Int64(); n != 13 {
		t.Errorf("body size %d", n)
	}
}

func TestWriterStatusAndSize(t *testing.T) {
	for _, tc := range []struct {
		name   string
		h      http.HandlerFunc
		status int64
		size   int64
	}{
		{"nothing written", func(w http.ResponseWriter, r *http.Request) {}, 200, 0},
		{"write implies 200", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello")) }, 200, 5},
		{"empty write implies 200", func(w http.ResponseWriter, r *http.Request) { w.Write(nil); w.WriteHeader(500) }, 200, 0},
		{"1xx ignored", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusContinue)
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte("ok"))
		}, 201, 2},
		{"first status wins", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404); w.WriteHeader(500) }, 404, 0},
		{"WriteString counted", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "abc")
			io.WriteString(w, "de")
		}, 200, 5},
		{"ReadFrom counted", func(w http.ResponseWriter, r *http.Request) {
			w.(io.ReaderFrom).ReadFrom(strings.NewReader(strings.Repeat("x", 100000)))
		}, 200, 100000},
		{"io.Copy counted", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(202)
			io.Copy(w, io.LimitReader(strings.NewReader(strings.Repeat("y", 70000)), 70000))
		}, 202, 70000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, rec := newMW(t, &httpaudit.Options{LogOKResponses: true})
			srv := httptest.NewServer(m.Wrap(tc.h))
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			srv.Close()
			ev := rec.only(t)
			if got := ev.Attrs[httpaudit.KeyHTTPStatusCode].Int64(); got != tc.status || int64(resp.StatusCode) != tc.status {
				t.Errorf("status: event %d, client %d, want %d", got, resp.StatusCode, tc.status)
			}
			if got := ev.Attrs[httpaudit.KeyHTTPResponseBodySize].Int64(); got != tc.size || int64(len(body)) != tc.size {
				t.Errorf("size: event %d, client %d, want %d", got, len(body), tc.size)
			}
		})
	}
}

func TestHijackRecords101(t *testing.T) {
	m, rec := newMW(t, &httpaudit.Options{LogOKResponses: true})
	done := make(chan struct{}) // Close does not wait for hijacked connections
	audited := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		audited.ServeHTTP(w, r)
	}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("response %v, %v", resp, err)
	}
	<-done
	if got := rec.only(t).Attrs[httpaudit.KeyHTTPStatusCode].Int64(); got != 101 {
		t.Errorf("status %d, want 101", got)
	}
}
