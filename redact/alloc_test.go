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

var sinkBool bool

func TestEnterAllocs(t *testing.T) {
	r := Default()
	allow, _ := New(Options{Allowlist: []string{"credit_card_last4"}})
	wantAllocs(t, 0, func() {
		p := r.Enter(Path{}, "http")
		p = r.Enter(p, "request.method")
		sinkBool = p.Sensitive() || r.Enter(p, "userSSN_Ünïcode").Sensitive()
		sinkBool = allow.Enter(p, "payment.credit_card_last4").Sensitive()
		sinkBool = r.Enter(p, "DB_PASS").Sensitive() || r.Enter(p, "paſſword").Sensitive()
	})
}

func TestIsSensitiveKeyAllocs(t *testing.T) {
	r := Default()
	wantAllocs(t, 0, func() {
		sinkBool = r.IsSensitiveKey("user_agent.original") || r.IsSensitiveKey("X-Api-Key")
	})
}

func TestMatchValueAllocs(t *testing.T) {
	none := Default()
	all, _ := New(Options{Detectors: DetectorNames()})
	s := "GET /api/v1/users/42?page=2 from 203.0.113.10 Bearer abcdefghijklmn 4111111111111111"
	wantAllocs(t, 0, func() {
		sinkBool = none.MatchValue(s) || all.MatchValue(s) || all.MatchValue("plain")
	})
}

func TestAppendMaskAllocs(t *testing.T) {
	r, _ := New(Options{HMACKey: []byte("k")})
	buf := make([]byte, 0, 128)
	r.AppendMask(buf, "warm the pool")
	wantAllocs(t, 0, func() {
		buf = r.AppendMask(buf[:0], "hunter2")
		buf = Default().AppendMask(buf[:0], "hunter2")
	})
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
