package httpaudit_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// flushErrWriter reports a failed flush through FlushError, as net/http's
// writer does.
type flushErrWriter struct {
	*httptest.ResponseRecorder
	err error
}

func (f flushErrWriter) FlushError() error { return f.err }

func TestFlushErrorReachesHandler(t *testing.T) {
	m, _ := newMW(t, nil)
	gone := errors.New("connection gone")
	for _, tc := range []struct {
		w    http.ResponseWriter
		want error
	}{
		{flushErrWriter{httptest.NewRecorder(), gone}, gone},
		{flushErrWriter{httptest.NewRecorder(), nil}, nil},
		{httptest.NewRecorder(), nil}, // Flush only: nothing to report
	} {
		var got error
		m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = http.NewResponseController(w).Flush()
		})).ServeHTTP(tc.w, httptest.NewRequest("GET", "/", nil))
		if got != tc.want {
			t.Errorf("%T: Flush through the wrapper = %v, want %v", tc.w, got, tc.want)
		}
	}
}

// On a real connection, a streaming loop that flushes through
// http.NewResponseController learns that the client went away.
func TestFlushErrorAfterClientDisconnect(t *testing.T) {
	m, _ := newMW(t, nil)
	closed := make(chan struct{})
	res := make(chan error, 1)
	srv := httptest.NewServer(m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		w.WriteHeader(200)
		if err := rc.Flush(); err != nil {
			res <- fmt.Errorf("first flush: %w", err)
			return
		}
		<-closed
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		var err error
		// Bounded: the kernel buffers a few MiB at most before the reset
		// from the closed socket turns writes into errors.
		for i := 0; i < 4096 && err == nil; i++ {
			w.Write(chunk) // ignored, as streaming loops often do
			err = rc.Flush()
		}
		res <- err
	})))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := bufio.NewReader(conn).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	close(closed)
	if err := <-res; err == nil {
		t.Error("the flush loop never saw an error after the client went away")
	}
}
