package httpaudit_test

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// recorder is a slog.Handler that keeps every record in memory, with its
// attributes resolved, so tests assert on exactly what the middleware logged.
type recorder struct {
	mu    sync.Mutex
	min   slog.Level
	recs  []record
	fail  error // returned by Handle
	panik bool  // Handle panics
}

// Durable declares that Handle's error tells the truth (slogaudit.Durable),
// as fail-closed mode requires.
func (r *recorder) Durable() bool { return true }

type record struct {
	Level slog.Level
	Msg   string
	Attrs map[string]slog.Value
	Keys  []string // in order
	Ctx   context.Context
}

func (r record) str(key string) string {
	v, ok := r.Attrs[key]
	if !ok {
		return ""
	}
	return v.String()
}

func (r record) has(key string) bool { _, ok := r.Attrs[key]; return ok }

func (h *recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= h.min }

func (h *recorder) Handle(ctx context.Context, r slog.Record) error {
	if h.panik {
		panic("audit sink exploded")
	}
	rec := record{Level: r.Level, Msg: r.Message, Attrs: map[string]slog.Value{}, Ctx: ctx}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.Resolve()
		rec.Keys = append(rec.Keys, a.Key)
		return true
	})
	h.mu.Lock()
	h.recs = append(h.recs, rec)
	h.mu.Unlock()
	return h.fail
}

func (h *recorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recorder) WithGroup(string) slog.Handler      { return h }

func (h *recorder) records() []record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]record(nil), h.recs...)
}

// only returns the single record logged, failing the test otherwise.
func (h *recorder) only(t *testing.T) record {
	t.Helper()
	recs := h.records()
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1: %+v", len(recs), recs)
	}
	return recs[0]
}

func (h *recorder) none(t *testing.T) {
	t.Helper()
	if recs := h.records(); len(recs) != 0 {
		t.Fatalf("got %d records, want none: %+v", len(recs), recs)
	}
}

// newMW builds a middleware logging to a fresh recorder.
func newMW(t *testing.T, opts *httpaudit.Options) (*httpaudit.Middleware, *recorder) {
	t.Helper()
	rec := &recorder{min: slog.LevelDebug}
	m, err := httpaudit.New(slog.New(rec), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m, rec
}

// serve runs one request through m.Wrap(h) with httptest.
func serve(m *httpaudit.Middleware, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	m.Wrap(h).ServeHTTP(w, req)
	return w
}

func status(code int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) })
}

func newDiscardLogger() *log.Logger { return log.New(io.Discard, "", 0) }

// auditServer starts a loopback HTTP server running h behind a Middleware
// built from opts, which logs through the slogaudit handler (default
// options, so the default redactor) into the returned buffer. It also
// returns the logger, for records logged inside handlers.
func auditServer(t testing.TB, opts *httpaudit.Options, h http.Handler) (*httptest.Server, *syncBuffer, *slog.Logger) {
	t.Helper()
	buf := &syncBuffer{}
	logger := slog.New(slogaudit.NewHandler(buf, nil))
	m, err := httpaudit.New(logger, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(m.Wrap(h))
	t.Cleanup(srv.Close)
	return srv, buf, logger
}

// get sends a GET for path (with its raw query) to srv with the given
// cookies and returns the status.
func get(t testing.TB, srv *httptest.Server, path string, cookies ...*http.Cookie) int {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// attrs returns the attributes of each line in buf.
func (s *syncBuffer) attrs(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range s.lines(t) {
		a, _ := l["attributes"].(map[string]any)
		out = append(out, a)
	}
	return out
}

// String returns everything written so far.
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
