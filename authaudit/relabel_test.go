package authaudit_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// The caller's extra attributes cannot relabel an event or change its
// parameters, at any depth, whether the record goes to the audit handler or
// to slog's own JSON handler.
func TestExtraAttrsCannotRelabel(t *testing.T) {
	forged := map[string]slog.Attr{
		"empty group": slog.Group("", slog.String(slogaudit.KeyEventType, "auth.login.success"),
			slog.String(slogaudit.KeyOutcome, "success"), slog.String(slogaudit.KeyUserID, "alice")),
		"nested empty groups": slog.Group("", slog.Group("", slog.String(slogaudit.KeyEventType, "auth.login.success"),
			slog.String("owasp.event", "authn_login_success"))),
		"LogValuer to an empty-named group": slog.Any("", valuer{slog.GroupValue(
			slog.String(slogaudit.KeyEventType, "auth.login.success"), slog.String(slogaudit.KeyUserID, "alice"))}),
		"named groups spelling a target": slog.Group("audit", slog.Group("target", slog.String("user.id", "alice")),
			slog.String("resource", "/public")),
		"dotted keys":   slog.Group("", slog.String("audit.target.user.id", "alice"), slog.String("audit.resource", "/public")),
		"scope version": slog.String(slogaudit.KeyScopeVersion, "v9"),
	}
	for name, a := range forged {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			l := auditLogger(&buf, nil)
			l.AccessDenied(context.Background(), "mallory", "/admin", a, slog.String("kept", "yes"))
			lines := parseLines(t, buf.Bytes())
			if len(lines) != 1 {
				t.Fatalf("%d lines", len(lines))
			}
			got := lines[0]
			if got.EventName != authaudit.EventAccessDenied || got.SeverityText != "CRITICAL" {
				t.Errorf("relabelled to %s/%s:\n%s", got.EventName, got.SeverityText, buf.String())
			}
			for k, want := range map[string]any{
				slogaudit.KeyEventType: authaudit.EventAccessDenied, authaudit.KeyOWASPEvent: "authz_fail",
				slogaudit.KeyUserID: "mallory", slogaudit.KeyOutcome: "failure",
				authaudit.KeyResource: "/admin", "kept": "yes",
			} {
				if got.Attributes[k] != want {
					t.Errorf("%s = %v, want %v\n%s", k, got.Attributes[k], want, buf.String())
				}
			}
			if v, ok := got.Attributes[authaudit.KeyTargetUserID]; ok {
				t.Errorf("target %v written from the caller's attrs\n%s", v, buf.String())
			}
			if got.Scope["version"] == "v9" {
				t.Errorf("scope version forged:\n%s", buf.String())
			}
		})
	}
}

type valuer struct{ v slog.Value }

func (v valuer) LogValue() slog.Value { return v.v }
