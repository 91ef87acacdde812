package slogaudit

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/redact"
)

// wantAllocs fails unless f allocates exactly n times per run. The race
// detector adds allocations, so it skips there; `make test` runs the
// allocation pins again without -race (go test -run Alloc).
func wantAllocs(t *testing.T, n float64, f func()) {
	t.Helper()
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	if got := testing.AllocsPerRun(200, f); got != n {
		t.Errorf("allocs = %v, want %v", got, n)
	}
}

// TestHandleAllocs pins the allocation budget: Handle allocates nothing for a
// record of 8 plain attributes (one group), with redaction off and with the
// default redactor, also through With attributes, a group and a request
// scope.
func TestHandleAllocs(t *testing.T) {
	r := benchRecord()
	scoped := ContextWithAttrs(context.Background(), slog.String(KeyRequestID, "8bdc1a77fb744594ad67a59004a4a42b"),
		slog.String(KeyClientAddress, "203.0.113.10"), slog.String(keyHTTPRoute, "/api/{account}/transfer"))
	SetUser(scoped, User{ID: "42", Name: "maya"})
	for _, tc := range []struct {
		name string
		r    *redact.Redactor
	}{{"redact.None", redact.None()}, {"redact.Default", redact.Default()}} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHandler(io.Discard, &Options{Redactor: tc.r})
			wantAllocs(t, 0, func() { _ = h.Handle(context.Background(), r) })
			hw := h.WithAttrs([]slog.Attr{slog.String("service.tier", "gold"), slog.Int("shard", 3)}).WithGroup("app")
			wantAllocs(t, 0, func() { _ = hw.Handle(scoped, r) })
		})
	}
}

// TestLoggerAllocs pins the whole slog front end with our handler: slog's
// own cost for attributes beyond its inline five is all that remains.
func TestLoggerAllocs(t *testing.T) {
	l := slog.New(NewHandler(io.Discard, nil))
	ctx := context.Background()
	wantAllocs(t, 0, func() {
		l.LogAttrs(ctx, slog.LevelInfo, "auth.login.failed",
			slog.String(KeyEventType, "auth.login.failed"),
			slog.String("outcome", "failure"),
			slog.Int("attempt", 3),
		)
	})
}
