package redact

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

func BenchmarkMiddleware(b *testing.B) {
	for _, c := range []struct {
		name  string
		attrs []any
	}{
		{"clean", []any{"user.id", "42", "http.request.method", "POST", "duration_ns", 1830}},
		{"sensitive", []any{"user.id", "42", "password", "pw", slog.Group("db", "token", "t")}},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := slog.New(Default().Middleware()(slog.NewJSONHandler(io.Discard, nil)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				l.Info("event", c.attrs...)
			}
		})
	}
	b.Run("handle-only", func(b *testing.B) {
		h := Default().Middleware()(nopHandler{})
		rec := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
		rec.AddAttrs(slog.String("user.id", "42"), slog.String("password", "p"), slog.Int("n", 1))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = h.Handle(context.Background(), rec)
		}
	})
}
