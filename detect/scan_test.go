package detect_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// TestEventTypeLastWins pins what the one pass over a record (scan) must
// keep when event_type comes more than once: the last string one decides,
// as in the written line, and the attributes before it still count, even
// those an earlier event type's rules would not read.
func TestEventTypeLastWins(t *testing.T) {
	for _, c := range []struct {
		name  string
		attrs []slog.Attr
		want  map[string]uint64
	}{
		{"uncounted then counted", []slog.Attr{
			slog.String(slogaudit.KeyEventType, "model.access"),
			slog.String(slogaudit.KeyUserID, "u1"),
			slog.String(slogaudit.KeyClientAddress, "192.0.2.1"),
			slog.String(slogaudit.KeyEventType, authaudit.EventLoginFailed),
		}, map[string]uint64{detect.RuleLoginFailAccount: 1, detect.RuleLoginFailAddress: 1}},
		{"other rules then counted", []slog.Attr{
			slog.String(slogaudit.KeyEventType, httpaudit.EventClientError),
			slog.String(slogaudit.KeyUserName, "maya"),
			slog.String(slogaudit.KeyClientAddress, "192.0.2.1"),
			slog.String(slogaudit.KeyEventType, authaudit.EventLoginFailed),
		}, map[string]uint64{detect.RuleLoginFailAccount: 1, detect.RuleLoginFailAddress: 1, detect.RuleCredentialStuffing: 1}},
		{"counted then uncounted", []slog.Attr{
			slog.String(slogaudit.KeyEventType, authaudit.EventLoginFailed),
			slog.String(slogaudit.KeyUserID, "u1"),
			slog.String(slogaudit.KeyClientAddress, "192.0.2.1"),
			slog.String(slogaudit.KeyEventType, "model.access"),
		}, map[string]uint64{}},
		{"not a string last", []slog.Attr{
			slog.String(slogaudit.KeyEventType, authaudit.EventLoginFailed),
			slog.String(slogaudit.KeyUserID, "u1"),
			slog.Int(slogaudit.KeyEventType, 7),
		}, map[string]uint64{detect.RuleLoginFailAccount: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := detect.New(&detect.Options{SweepInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			l := slog.New(d.Middleware()(slogaudit.NewHandler(io.Discard, nil)))
			l.LogAttrs(context.Background(), slog.LevelWarn, "x", c.attrs...)
			for _, r := range d.Stats().Rules {
				if r.Matched != c.want[r.Name] {
					t.Errorf("%s counted %d, want %d", r.Name, r.Matched, c.want[r.Name])
				}
			}
		})
	}
}
