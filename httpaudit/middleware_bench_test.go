package httpaudit_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// benchWriter is a reusable ResponseWriter, so the numbers are the
// middleware's and not a recorder's.
type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(int)             {}

// walkHandler is enabled and resolves every attribute, as a real handler
// must, but writes nothing: the cost measured is the middleware's.
type walkHandler struct{}

func (walkHandler) Enabled(context.Context, slog.Level) bool { return true }
func (walkHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool { a.Value.Resolve(); return true })
	return nil
}
func (h walkHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h walkHandler) WithGroup(string) slog.Handler      { return h }

var okBody = []byte("ok")

func okHandler(w http.ResponseWriter, r *http.Request) {
	w.Header()
	w.WriteHeader(http.StatusOK)
	w.Write(okBody)
}

// benchCases are the scenarios of BenchmarkMiddleware and the allocation pins.
func benchCases(tb testing.TB) []struct {
	name string
	h    http.Handler
} {
	mw := func(o *httpaudit.Options) http.Handler {
		m, err := httpaudit.New(slog.New(walkHandler{}), o)
		if err != nil {
			tb.Fatal(err)
		}
		return m.Wrap(http.HandlerFunc(okHandler))
	}
	return []struct {
		name string
		h    http.Handler
	}{
		{"bare", http.HandlerFunc(okHandler)},
		{"default", mw(nil)},
		{"all", mw(&httpaudit.Options{LogOKResponses: true})},
	}
}

func benchRequest() *http.Request {
	r := httptest.NewRequest("GET", "/api/users/42?x=1", nil)
	r.Header.Set("User-Agent", "bench/1.0")
	return r
}

// BenchmarkMiddleware compares a bare handler with the middleware in its
// default setting (2xx not logged) and with every request logged.
func BenchmarkMiddleware(b *testing.B) {
	for _, bc := range benchCases(b) {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := &benchWriter{h: http.Header{}}
				r := benchRequest()
				for pb.Next() {
					bc.h.ServeHTTP(w, r)
				}
			})
		})
	}
}

// TestAllocs pins the allocations per request, so a change that adds one is
// noticed. Skipped under -race (make alloc runs it without).
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	want := map[string]float64{"bare": 0, "default": 6, "all": 9}
	for _, bc := range benchCases(t) {
		w := &benchWriter{h: http.Header{}}
		r := benchRequest()
		got := testing.AllocsPerRun(200, func() { bc.h.ServeHTTP(w, r) })
		t.Logf("%s: %v allocs/request", bc.name, got)
		if got > want[bc.name] {
			t.Errorf("%s: %v allocs per request, want at most %v", bc.name, got, want[bc.name])
		}
	}
}

// BenchmarkMiddlewareSlogaudit logs every request through the slogaudit
// handler to io.Discard: the whole cost of one audited request.
func BenchmarkMiddlewareSlogaudit(b *testing.B) {
	m, err := httpaudit.New(slog.New(slogaudit.NewHandler(io.Discard, nil)), &httpaudit.Options{LogOKResponses: true})
	if err != nil {
		b.Fatal(err)
	}
	h := m.Wrap(http.HandlerFunc(okHandler))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &benchWriter{h: http.Header{}}
		r := benchRequest()
		for pb.Next() {
			h.ServeHTTP(w, r)
		}
	})
}
