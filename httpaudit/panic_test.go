package httpaudit_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/secaudit/auditkit/httpaudit"
)

// panicEnabled is a log handler whose Enabled panics.
type panicEnabled struct{ slog.Handler }

func (panicEnabled) Enabled(context.Context, slog.Level) bool { panic("enabled exploded") }

// Nothing in the audit may panic out of the request or replace the
// application's own panic value.
func TestAuditPanicNeverEscapes(t *testing.T) {
	boomRand := func() float64 { panic("rand exploded") }
	setups := map[string]func() *httpaudit.Middleware{
		"Enabled": func() *httpaudit.Middleware {
			m, _ := httpaudit.New(slog.New(panicEnabled{slog.DiscardHandler}), nil)
			return m
		},
		"Rand": func() *httpaudit.Middleware {
			m, _ := httpaudit.New(slog.New(slog.DiscardHandler), &httpaudit.Options{LogOKResponses: true, SampleRate: 0.5, Rand: boomRand})
			return m
		},
		"Route": func() *httpaudit.Middleware {
			m, _ := httpaudit.New(slog.New(slog.DiscardHandler), &httpaudit.Options{Route: func(*http.Request) string { panic("route exploded") }})
			return m
		},
	}
	original := errors.New("ORIGINAL")
	for name, setup := range setups {
		m := setup()
		for _, tc := range []struct {
			h    http.HandlerFunc
			want any
		}{
			{func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }, nil},
			{func(w http.ResponseWriter, r *http.Request) {}, nil},
			{func(w http.ResponseWriter, r *http.Request) { panic(original) }, original},
			{func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }, http.ErrAbortHandler},
		} {
			got := func() (p any) {
				defer func() { p = recover() }()
				m.Wrap(tc.h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
				return nil
			}()
			if got != tc.want {
				t.Errorf("%s: ServeHTTP panicked with %v, want %v", name, got, tc.want)
			}
		}
	}
}
