package detect_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/slogaudit"
)

type nop struct{}

func (nop) Enabled(context.Context, slog.Level) bool  { return true }
func (nop) Handle(context.Context, slog.Record) error { return nil }
func (h nop) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h nop) WithGroup(string) slog.Handler           { return h }

// BenchmarkObserve is the detector's own cost per record, in front of a
// handler that does nothing (bench/ measures the whole logging call).
func BenchmarkObserve(b *testing.B) {
	never := detect.Threshold{Count: detect.MaxCount, Window: time.Hour}
	d, err := detect.New(&detect.Options{LoginFailAccount: never, LoginFailAddress: never, ProbeVolume: never, AuthzProbing: never, SweepInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	ctx := slogaudit.ContextWithAttrs(context.Background(),
		slog.String(slogaudit.KeyRequestID, "8bdc1a77fb744594ad67a59004a4a42b"),
		slog.String(slogaudit.KeyClientAddress, "203.0.113.10"))
	for _, c := range []struct {
		name string
		et   string
	}{{"uncounted", "model.access"}, {"counted", "auth.login.failed"}} {
		for _, mw := range []bool{false, true} {
			name := c.name + "/plain"
			var h slog.Handler = nop{}
			if mw {
				name, h = c.name+"/detect", d.Middleware()(h)
			}
			b.Run(name, func(b *testing.B) {
				l := slog.New(h)
				b.ReportAllocs()
				for b.Loop() {
					l.LogAttrs(ctx, slog.LevelWarn, c.et,
						slog.String("event_type", c.et),
						slog.String("user.id", "42"),
						slog.String("outcome", "failure"),
						slog.Int("http.response.status_code", 401),
						slog.Duration("duration_ns", time.Millisecond))
				}
			})
		}
	}
}
