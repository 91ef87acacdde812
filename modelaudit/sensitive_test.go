package modelaudit_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/modelaudit"
)

// TestSensitive: events on a sensitive model are OWASP DATA events at WARN;
// other models, and the unbound Logger, stay plain INFO events.
func TestSensitive(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		call  func(ml *modelaudit.Logger)
		owasp string
	}{
		{"Created", func(ml *modelaudit.Logger) { ml.Created(ctx, "patient", 1) }, "sensitive_create"},
		{"Accessed", func(ml *modelaudit.Logger) { ml.Accessed(ctx, "patient", 1) }, "sensitive_read"},
		{"Updated", func(ml *modelaudit.Logger) { ml.Updated(ctx, "patient", 1, []string{"name"}) }, "sensitive_update"},
		{"Deleted", func(ml *modelaudit.Logger) { ml.Deleted(ctx, "patient", 1) }, "sensitive_delete"},
		{"other model", func(ml *modelaudit.Logger) { ml.Accessed(ctx, "invoice", 1) }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &recorder{}
			base := modelaudit.New(slog.New(h))
			c.call(base.Sensitive("card").Sensitive("patient")) // Sensitive adds up
			c.call(base)                                        // the base Logger is unchanged
			recs := h.Records()
			if len(recs) != 2 {
				t.Fatalf("%d records", len(recs))
			}
			m, _ := attrMap(recs[0])
			wantLevel := slog.LevelWarn
			if c.owasp == "" {
				wantLevel = slog.LevelInfo
			}
			if recs[0].Level != wantLevel || (c.owasp != "" && m["owasp.event"] != c.owasp) || (c.owasp == "" && m["owasp.event"] != nil) {
				t.Errorf("sensitive logger: level %v, owasp.event %v", recs[0].Level, m["owasp.event"])
			}
			if m2, _ := attrMap(recs[1]); recs[1].Level != slog.LevelInfo || m2["owasp.event"] != nil {
				t.Errorf("base logger: level %v, %v", recs[1].Level, m2)
			}
		})
	}
	var nilLogger *modelaudit.Logger
	if nilLogger.Sensitive("x") == nil {
		t.Fatal("Sensitive on a nil Logger")
	}
}
