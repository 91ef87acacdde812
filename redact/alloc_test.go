package redact

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// wantAllocs fails unless f allocates exactly n times per run. The race
// detector adds allocations, so it skips there; `make test` runs these
// without -race.
func wantAllocs(t *testing.T, n float64, f func()) {
	t.Helper()
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	if got := testing.AllocsPerRun(100, f); got != n {
		t.Errorf("allocs = %v, want %v", got, n)
	}
}

type nopHandler struct{}

func (nopHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (nopHandler) Handle(context.Context, slog.Record) error { return nil }
func (h nopHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h nopHandler) WithGroup(string) slog.Handler           { return h }

func TestMiddlewareAllocs(t *testing.T) {
	h := Default().Middleware()(nopHandler{})
	rec := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
	rec.AddAttrs(slog.String("user", "u"), slog.String("password", "p"), slog.Int("n", 1),
		slog.Group("db", slog.String("host", "h"), slog.String("token", "t")))
	ctx := context.Background()
	// The redacted group is copied; everything else stays in the record.
	wantAllocs(t, 1, func() { _ = h.Handle(ctx, rec) })
}
