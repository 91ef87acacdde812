package httpaudit_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// session.id is a redact.Pseudonym, so it survives redact's adapters in
// front of handlers other than slogaudit's, although "session.id" is a
// sensitive key, on the response event and on records logged in the
// request (scope).
func TestSessionIDSurvivesRedactAdapters(t *testing.T) {
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for name, mk := range map[string]func(*bytes.Buffer) slog.Handler{
		"Middleware": func(b *bytes.Buffer) slog.Handler {
			return redact.Default().Middleware()(slog.NewJSONHandler(b, nil))
		},
		"ReplaceAttr": func(b *bytes.Buffer) slog.Handler {
			return slog.NewJSONHandler(b, &slog.HandlerOptions{ReplaceAttr: redact.Default().ReplaceAttr})
		},
	} {
		var buf bytes.Buffer
		m, err := httpaudit.New(slog.New(mk(&buf)), &httpaudit.Options{SessionCookie: "sid", SessionKey: []byte("0123456789abcdef")})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(&http.Cookie{Name: "sid", Value: "raw-cookie"})
		serve(m, http.NotFoundHandler(), req)
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("%s: %v: %s", name, err, buf.Bytes())
		}
		if id, _ := line[slogaudit.KeySessionID].(string); !hex32.MatchString(id) {
			t.Errorf("%s: session.id %v", name, line[slogaudit.KeySessionID])
		}
		if bytes.Contains(buf.Bytes(), []byte("raw-cookie")) {
			t.Errorf("%s: cookie logged", name)
		}
	}
}

// The request scope carries the same pseudonym: a record logged inside the
// request through slogaudit, behind redact's Middleware, has the event's id.
func TestSessionIDScopeBehindMiddleware(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(redact.Default().Middleware()(slogaudit.NewHandler(&buf, nil)))
	m, err := httpaudit.New(l, &httpaudit.Options{SessionCookie: "sid", SessionKey: []byte("0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "sid", Value: "raw-cookie"})
	serve(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.WarnContext(r.Context(), "auth.login.failed", slogaudit.KeyEventType, "auth.login.failed")
		w.WriteHeader(401)
	}), req)
	dec := json.NewDecoder(&buf)
	var ids []any
	for dec.More() {
		var line struct {
			Attributes map[string]any `json:"attributes"`
		}
		if err := dec.Decode(&line); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, line.Attributes[slogaudit.KeySessionID])
	}
	if len(ids) != 2 || ids[0] != ids[1] || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(ids[0].(string)) {
		t.Errorf("session.id in the inner record and the event: %v", ids)
	}
}
