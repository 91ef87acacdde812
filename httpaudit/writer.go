package httpaudit

//go:generate go run gen_writer.go

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// rw wraps the ResponseWriter to record the status and the body size. It
// lives inside the per-request state, and the value handed to the handler is
// a pointer to it converted to one of the generated combination types
// (writer_gen.go), so wrapping allocates nothing.
//
// The combination type has exactly the optional interfaces of the original
// (Flusher, Hijacker, ReaderFrom, Pusher, CloseNotifier), so type assertions
// behave as without the middleware, plus Unwrap, through which
// http.NewResponseController reaches the deadlines and EnableFullDuplex of
// the original. It also has WriteString, which only spares a copy: it is
// equivalent to Write; and with Flusher, FlushError, which
// http.NewResponseController's Flush prefers to Flush, so that the error of
// a flush to a client that went away still reaches the handler.
//
// httpsnoop.Wrap does the same but costs, per request, two allocations for
// the wrapper, one per hook and one or two per method call, several times
// the cost of the rest of the middleware.
type rw struct {
	w        http.ResponseWriter
	status   int   // first final status; 0 until one is sent
	written  int64 // body bytes from Write, WriteString and ReadFrom
	hijacked bool
}

// wrap returns w.w with the meter hooked in.
func (w *rw) wrap() http.ResponseWriter {
	k := 0
	if _, ok := w.w.(http.Flusher); ok {
		k |= 1
	}
	if _, ok := w.w.(http.Hijacker); ok {
		k |= 2
	}
	if _, ok := w.w.(io.ReaderFrom); ok {
		k |= 4
	}
	if _, ok := w.w.(http.Pusher); ok {
		k |= 8
	}
	//lint:ignore SA1019 mirrored for old handlers, not used
	if _, ok := w.w.(http.CloseNotifier); ok {
		k |= 16
	}
	return combos[k](w)
}

func (w *rw) Header() http.Header { return w.w.Header() }

func (w *rw) WriteHeader(code int) {
	w.w.WriteHeader(code)
	// 1xx are informational and may repeat; 101 is final (net/http treats
	// it so: the connection switches protocols).
	if w.status == 0 && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
}

func (w *rw) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.sent(int64(n))
	return n, err
}

func (w *rw) WriteString(s string) (int, error) {
	n, err := io.WriteString(w.w, s)
	w.sent(int64(n))
	return n, err
}

func (w *rw) flush() {
	// Flushing sends the header: net/http fixes the status at 200 then.
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.w.(http.Flusher).Flush()
}

// flushError is flush reporting the error of the original's FlushError, so
// that a streaming loop using http.NewResponseController notices a client
// that went away. An original without FlushError cannot report one.
func (w *rw) flushError() error {
	if fe, ok := w.w.(interface{ FlushError() error }); ok {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		return fe.FlushError()
	}
	w.flush()
	return nil
}

func (w *rw) hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := w.w.(http.Hijacker).Hijack()
	if err == nil {
		w.hijacked = true
		if w.status == 0 {
			w.status = http.StatusSwitchingProtocols
		}
	}
	return c, brw, err
}

func (w *rw) readFrom(src io.Reader) (int64, error) {
	n, err := w.w.(io.ReaderFrom).ReadFrom(src)
	w.sent(n)
	return n, err
}

func (w *rw) push(target string, opts *http.PushOptions) error {
	return w.w.(http.Pusher).Push(target, opts)
}

func (w *rw) closeNotify() <-chan bool {
	//lint:ignore SA1019 mirrored for old handlers, not used
	return w.w.(http.CloseNotifier).CloseNotify()
}

// sent counts body bytes; the first write implies status 200.
func (w *rw) sent(n int64) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.written += n
}
