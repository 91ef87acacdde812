package authaudit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// line is the part of a slogaudit JSON line these tests look at.
type line struct {
	SeverityText   string         `json:"severity_text"`
	SeverityNumber int            `json:"severity_number"`
	Body           string         `json:"body"`
	EventName      string         `json:"event_name"`
	Scope          map[string]any `json:"instrumentation_scope"`
	Attributes     map[string]any `json:"attributes"`
}

func parseLines(t *testing.T, b []byte) []line {
	t.Helper()
	var out []line
	for _, s := range strings.SplitAfter(string(b), "\n") {
		if s == "" {
			continue
		}
		if !strings.HasSuffix(s, "\n") {
			t.Fatalf("unterminated line %q", s)
		}
		var l line
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatalf("line %q: %v", s, err)
		}
		out = append(out, l)
	}
	return out
}

func auditLogger(buf *bytes.Buffer, opts *slogaudit.Options) *authaudit.Logger {
	return authaudit.New(slog.New(slogaudit.NewHandler(buf, opts)))
}

// jsonValue is v as encoding/json decodes it into an any.
func jsonValue(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEndToEnd runs every helper through slogaudit's handler with default
// options and checks the line: OWASP severity, body, event_name, scope, and
// the attributes after the handler's defaults (user.name dropped, the token
// id redacted).
func TestEndToEnd(t *testing.T) {
	severity := map[slog.Level]struct {
		text string
		num  int
	}{
		slog.LevelInfo:      {"INFO", 9},
		slog.LevelWarn:      {"WARN", 13},
		slog.LevelError + 1: {"CRITICAL", 18},
	}
	for _, tc := range helperCases() {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.method(context.Background(), auditLogger(&buf, nil))
			lines := parseLines(t, buf.Bytes())
			if len(lines) != 1 {
				t.Fatalf("%d lines, want 1", len(lines))
			}
			l := lines[0]
			sev := severity[tc.level]
			if l.SeverityText != sev.text || l.SeverityNumber != sev.num {
				t.Errorf("severity %s/%d, want %s/%d", l.SeverityText, l.SeverityNumber, sev.text, sev.num)
			}
			if l.Body != tc.body || l.EventName != tc.typ {
				t.Errorf("body %q event_name %q, want %q %q", l.Body, l.EventName, tc.body, tc.typ)
			}
			if l.Scope["name"] != scopeName {
				t.Errorf("instrumentation_scope %v, want name %s", l.Scope, scopeName)
			}
			want := maps.Clone(tc.attrs)
			delete(want, "user.name") // dropped unless IncludeUsernames
			if _, ok := want["audit.token.id"]; ok {
				want["audit.token.id"] = redact.Marker
			}
			want["event_type"] = tc.typ
			want["owasp.event"] = tc.owasp
			want["schema_version"] = "1.0"
			if got, want := l.Attributes, jsonValue(t, want); !reflect.DeepEqual(got, want) {
				t.Errorf("attributes\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestEndToEndUsernames(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.Background()
	auditLogger(&buf, nil).LoginFailed(ctx, "maya", authaudit.ReasonBadPassword)
	auditLogger(&buf, &slogaudit.Options{IncludeUsernames: true}).LoginFailed(ctx, "maya", authaudit.ReasonBadPassword)
	key := []byte("test-key")
	r, err := redact.New(redact.Options{HMACKey: key})
	if err != nil {
		t.Fatal(err)
	}
	auditLogger(&buf, &slogaudit.Options{Redactor: r}).LoginFailed(ctx, "maya", authaudit.ReasonBadPassword)

	lines := parseLines(t, buf.Bytes())
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	if v, ok := lines[0].Attributes["user.name"]; ok {
		t.Errorf("default options: user.name = %v, want it dropped", v)
	}
	if v := lines[1].Attributes["user.name"]; v != "maya" {
		t.Errorf("IncludeUsernames: user.name = %v, want maya", v)
	}
	if v, _ := lines[2].Attributes["user.name"].(string); !strings.HasPrefix(v, redact.HashPrefix) || strings.Contains(v, "maya") {
		t.Errorf("HMAC key: user.name = %q, want a pseudonym", v)
	}
	if strings.Count(buf.String(), "maya") != 1 {
		t.Errorf("the username appears %d times, want only in the IncludeUsernames line", strings.Count(buf.String(), "maya"))
	}
}

// TestEndToEndTokenPseudonym: with an HMAC key the token id becomes a stable
// pseudonym, so a reuse can be matched with the revocation without the id
// being logged.
func TestEndToEndTokenPseudonym(t *testing.T) {
	r, err := redact.New(redact.Options{HMACKey: []byte("test-key")})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	lg := auditLogger(&buf, &slogaudit.Options{Redactor: r})
	ctx := context.Background()
	lg.TokenRevoked(ctx, "42", "jti-7f1")
	lg.TokenReused(ctx, "42", "jti-7f1")
	lg.TokenReused(ctx, "42", "jti-other")
	if strings.Contains(buf.String(), "jti-") {
		t.Fatalf("token id logged in clear: %s", buf.String())
	}
	lines := parseLines(t, buf.Bytes())
	revoked, reused, other := lines[0].Attributes["audit.token.id"], lines[1].Attributes["audit.token.id"], lines[2].Attributes["audit.token.id"]
	if s, _ := revoked.(string); !strings.HasPrefix(s, redact.HashPrefix) || revoked != reused || reused == other {
		t.Fatalf("pseudonyms revoked=%v reused=%v other=%v: want equal for the same id, different otherwise", revoked, reused, other)
	}
}

// TestEndToEndScopeUser: LoginSucceeded's SetUser reaches records logged
// later in the request with the same scope, through the handler.
func TestEndToEndScopeUser(t *testing.T) {
	var buf bytes.Buffer
	h := slogaudit.NewHandler(&buf, nil)
	ctx := slogaudit.ContextWithAttrs(context.Background())
	authaudit.New(slog.New(h)).LoginSucceeded(ctx, "42")
	slog.New(h).InfoContext(ctx, "later", slogaudit.KeyEventType, "app.event")
	lines := parseLines(t, buf.Bytes())
	if len(lines) != 2 || lines[1].Attributes["user.id"] != "42" {
		t.Fatalf("later record attributes %v, want user.id 42", lines[len(lines)-1].Attributes)
	}
}

func TestEndToEndAddSource(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slogaudit.NewHandler(&buf, &slogaudit.Options{AddSource: true, Now: func() time.Time { return time.Unix(0, 0) }}))
	setDefault(t, l)
	_, file, line0, _ := runtime.Caller(0)
	authaudit.AccessDenied(context.Background(), "42", "/admin")
	authaudit.New(l).TokenReused(context.Background(), "42", "t")
	lines := parseLines(t, buf.Bytes())
	for i, l := range lines {
		if l.Attributes["code.file.path"] != file || l.Attributes["code.line.number"] != float64(line0+1+i) {
			t.Errorf("line %d: source %v:%v, want %s:%d", i, l.Attributes["code.file.path"], l.Attributes["code.line.number"], file, line0+1+i)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
}
