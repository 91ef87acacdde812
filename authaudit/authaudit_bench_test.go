package authaudit_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// nopHandler is enabled and does nothing: it isolates the helper's own cost.
type nopHandler struct{ level slog.Level }

func (h nopHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (nopHandler) Handle(context.Context, slog.Record) error      { return nil }
func (h nopHandler) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h nopHandler) WithGroup(string) slog.Handler                { return h }

func BenchmarkLoginFailed(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		h    slog.Handler
	}{
		{"disabled", nopHandler{level: slog.LevelError}},
		{"nop", nopHandler{}},
		{"slogaudit", slogaudit.NewHandler(io.Discard, nil)},
		{"slog.JSON", slog.NewJSONHandler(io.Discard, nil)},
	} {
		lg := authaudit.New(slog.New(bc.h))
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					lg.LoginFailed(ctx, "maya", authaudit.ReasonBadPassword, slog.String("app.tenant", "t1"))
				}
			})
		})
	}
}

func BenchmarkAccessDenied(b *testing.B) {
	ctx := slogaudit.ContextWithAttrs(context.Background(), slog.String(slogaudit.KeyRequestID, "8bdc1a77fb744594ad67a59004a4a42b"))
	lg := authaudit.New(slog.New(slogaudit.NewHandler(io.Discard, nil)))
	b.ReportAllocs()
	for b.Loop() {
		lg.AccessDenied(ctx, "42", "/admin/{page}")
	}
}
