package detect_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/slogaudit"
)

// TestAllocDetector pins the detector's own allocations to zero: a record no
// rule counts, and one a rule counts without opening an episode, allocate
// exactly as much through the middleware as without it.
func TestAllocDetector(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	big := detect.Threshold{Count: detect.MaxCount, Window: 3600 * sec}
	d, err := detect.New(&detect.Options{LoginFailAccount: big, LoginFailAddress: big,
		CredentialStuffing: detect.Threshold{Off: true}, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	h := slogaudit.NewHandler(io.Discard, nil)
	plain, watched := slog.New(h), slog.New(d.Middleware()(h))
	ctx := slogaudit.ContextWithAttrs(context.Background(),
		slog.String(slogaudit.KeyRequestID, "8bdc1a77fb744594ad67a59004a4a42b"),
		slog.String(slogaudit.KeyClientAddress, "203.0.113.10"))
	for _, c := range []struct {
		name string
		f    func(l *slog.Logger)
	}{
		{"uncounted", func(l *slog.Logger) {
			l.LogAttrs(ctx, slog.LevelInfo, "model.event", slog.String("event_type", "model.access"),
				slog.String("model", "invoice"), slog.String("object_id", "inv-1"))
		}},
		{"counted", func(l *slog.Logger) { authaudit.New(l).LoginFailed(ctx, "maya", authaudit.ReasonBadPassword) }},
	} {
		base := testing.AllocsPerRun(200, func() { c.f(plain) })
		got := testing.AllocsPerRun(200, func() { c.f(watched) })
		if got != base {
			t.Errorf("%s: %v allocations through the detector, %v without", c.name, got, base)
		}
	}
	if d.Stats().Matched == 0 {
		t.Fatal("nothing counted")
	}
}
