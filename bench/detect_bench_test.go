package bench

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/slogaudit"
)

// BenchmarkDetect is the whole logging call through the audit handler
// (io.Discard), without and with a detector (every built-in rule) in front
// of it, for a record no rule counts (model.access) and one a rule counts
// (auth.login.failed, below every threshold). Sub-benchmarks alternate, so
// `-count=10` gives interleaved rounds; the ratio detect/plain of the
// medians is the detector's cost. flood counts a failed login from a new
// address every time: the eviction path under address rotation. Measuring
// instructions per call (README Performance), run one sub-benchmark at a
// time (-test.bench 'BenchmarkDetect$/^counted$/^detect$'): a pattern that
// matches both records sums their calls.
func BenchmarkDetect(b *testing.B) {
	ctx := slogaudit.ContextWithAttrs(context.Background(),
		slog.String(slogaudit.KeyRequestID, requestID),
		slog.String(slogaudit.KeyClientAddress, clientIP))
	uncounted := func(l *slog.Logger) {
		l.LogAttrs(ctx, slog.LevelInfo, "model.event",
			slog.String("event_type", "model.access"),
			slog.String("otel.scope.name", "github.com/secaudit/auditkit/modelaudit"),
			slog.String("model", "invoice"),
			slog.String("object_id", "inv-1"),
			slog.String("crud_action", "access"),
			slog.String("user.id", userID))
	}
	counted := func(l *slog.Logger) { logAudit(ctx, l) }
	// logAudit's record has no user.name: make it a failed login the
	// address rules count.
	for _, c := range []struct {
		name string
		log  func(*slog.Logger)
	}{{"uncounted", uncounted}, {"counted", counted}} {
		b.Run(c.name+"/plain", func(b *testing.B) { benchLog(b, nil, c.log) })
		b.Run(c.name+"/detect", func(b *testing.B) { benchLog(b, newDetector(b), c.log) })
	}
	b.Run("flood/detect", func(b *testing.B) {
		d := newDetector(b)
		l := slog.New(d.Middleware()(auditHandler()))
		ctxs := make([]context.Context, 1<<16)
		for i := range ctxs {
			ctxs[i] = slogaudit.ContextWithAttrs(context.Background(),
				slog.String(slogaudit.KeyClientAddress, "10.0."+strconv.Itoa(i>>8)+"."+strconv.Itoa(i&255)))
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			logAudit(ctxs[i&(len(ctxs)-1)], l)
			i++
		}
	})
}

func auditHandler() slog.Handler {
	return slogaudit.NewHandler(io.Discard, &slogaudit.Options{ServiceName: "bench"})
}

// newDetector has every built-in rule with thresholds no benchmark reaches,
// so the cost measured is counting, not writing detections.
func newDetector(b *testing.B) *detect.Detector {
	never := detect.Threshold{Count: detect.MaxCount, Window: time.Hour}
	d, err := detect.New(&detect.Options{LoginFailAccount: never, LoginFailAddress: never, ProbeVolume: never, AuthzProbing: never})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = d.Close() })
	return d
}

func benchLog(b *testing.B, d *detect.Detector, log func(*slog.Logger)) {
	h := auditHandler()
	if d != nil {
		h = d.Middleware()(h)
	}
	l := slog.New(h)
	b.ReportAllocs()
	for b.Loop() {
		log(l)
	}
}
