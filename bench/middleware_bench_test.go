package bench

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	sloghttp "github.com/samber/slog-http"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// discardWriter is the cheapest ResponseWriter that still behaves like one;
// every middleware is measured with it so the difference to bare is theirs.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "ok")
})

func benchServe(b *testing.B, h http.Handler) {
	mux := http.NewServeMux()
	mux.Handle("GET /api/{account}/balance", h)
	r := httptest.NewRequest(http.MethodGet, "/api/acct-9/balance", nil)
	r.RemoteAddr = "203.0.113.10:51234"
	r.Header.Set("User-Agent", "bench/1.0")
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		mux.ServeHTTP(w, r)
	}
}

func auditLogger() *slog.Logger {
	return slog.New(slogaudit.NewHandler(io.Discard, &slogaudit.Options{ServiceName: "bench"}))
}

func mustAudit(b *testing.B, opts *httpaudit.Options) func(http.Handler) http.Handler {
	m, err := httpaudit.New(auditLogger(), opts)
	if err != nil {
		b.Fatal(err)
	}
	return m.Wrap
}

// BenchmarkMiddleware serves one request per iteration. otelhttp runs with an
// SDK tracer provider that samples every span (no exporter): the work a traced
// service does per request, minus the export.
func BenchmarkMiddleware(b *testing.B) {
	b.Run("bare", func(b *testing.B) { benchServe(b, okHandler) })
	b.Run("httpaudit-default", func(b *testing.B) {
		benchServe(b, mustAudit(b, nil)(okHandler))
	})
	b.Run("httpaudit-all", func(b *testing.B) {
		benchServe(b, mustAudit(b, &httpaudit.Options{LogOKResponses: true})(okHandler))
	})
	b.Run("otelhttp", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
		benchServe(b, otelhttp.NewHandler(okHandler, "balance", otelhttp.WithTracerProvider(tp)))
	})
	b.Run("slog-http", func(b *testing.B) {
		l := slog.New(slog.NewJSONHandler(io.Discard, nil))
		benchServe(b, sloghttp.New(l)(okHandler))
	})
}
