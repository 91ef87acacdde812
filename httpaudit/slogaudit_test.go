package httpaudit_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// syncBuffer collects the handler's lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// End to end through the slogaudit handler: the response event and a record
// logged inside the request (as authaudit does) share the request scope, the
// session id is the keyed hash and not [REDACTED], and the scope name is
// this package's.
func TestThroughSlogauditHandler(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slogaudit.NewHandler(&buf, &slogaudit.Options{
		ServiceName: "bank",
		Now:         func() time.Time { return time.Unix(1, 0) },
	}))
	key := []byte("0123456789abcdef")
	m, err := httpaudit.New(logger, &httpaudit.Options{
		TrustedProxies: []string{"10.0.0.0/8"},
		SessionCookie:  "sessionid",
		SessionKey:     key,
		CaptureBodies:  true,
		BodyFields:     []string{"username", "password"},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		slogaudit.SetUser(r.Context(), slogaudit.User{ID: "42", Name: "maya"})
		logger.WarnContext(r.Context(), "auth.login.failed", slogaudit.KeyEventType, "auth.login.failed")
		w.WriteHeader(http.StatusUnauthorized)
	})
	req := httptest.NewRequest("POST", "/login?next=/home", strings.NewReader(`{"username":"maya","password":"hunter2"}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "10.0.0.3:4000"
	req.Header.Set("X-Forwarded-For", "203.0.113.10")
	req.AddCookie(&http.Cookie{Name: "sessionid", Value: "raw-session-token"})
	m.Wrap(mux).ServeHTTP(httptest.NewRecorder(), req)

	lines := buf.lines(t)
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	inner, resp := lines[0]["attributes"].(map[string]any), lines[1]["attributes"].(map[string]any)
	for _, a := range []map[string]any{inner, resp} {
		for k, want := range map[string]any{
			slogaudit.KeyClientAddress: "203.0.113.10",
			slogaudit.KeyPeerAddress:   "10.0.0.3",
			slogaudit.KeyHTTPMethod:    "POST",
			slogaudit.KeyURLPath:       "/login",
			slogaudit.KeyHTTPRoute:     "/login",
			slogaudit.KeyUserID:        "42",
		} {
			if a[k] != want {
				t.Errorf("%v: %s = %v, want %v", a[slogaudit.KeyEventType], k, a[k], want)
			}
		}
		if sid, _ := a[slogaudit.KeySessionID].(string); !hex32.MatchString(sid) {
			t.Errorf("%v: session.id %v", a[slogaudit.KeyEventType], a[slogaudit.KeySessionID])
		}
		if _, ok := a[slogaudit.KeyUserName]; ok {
			t.Errorf("user.name written without IncludeUsernames")
		}
	}
	if inner[slogaudit.KeyRequestID] != resp[slogaudit.KeyRequestID] || !hex32.MatchString(resp[slogaudit.KeyRequestID].(string)) {
		t.Errorf("request ids %v / %v", inner[slogaudit.KeyRequestID], resp[slogaudit.KeyRequestID])
	}
	if inner[slogaudit.KeySessionID] != resp[slogaudit.KeySessionID] {
		t.Errorf("session ids differ")
	}
	if got, want := resp[slogaudit.KeyEventType], httpaudit.EventClientError; got != want || lines[1]["event_name"] != want {
		t.Errorf("event %v", got)
	}
	if scope := lines[1]["instrumentation_scope"].(map[string]any); scope["name"] != httpaudit.ScopeName {
		t.Errorf("scope %v", scope)
	}
	if _, ok := resp[slogaudit.KeyScopeName]; ok {
		t.Error("otel.scope.name left in attributes")
	}
	body, _ := resp[slogaudit.KeyRequestBody].(map[string]any)
	if body["username"] != "maya" || body["password"] != "[REDACTED]" {
		t.Errorf("request.body %v", body)
	}
	if s := buf.b.String(); strings.Contains(s, "raw-session-token") || strings.Contains(s, "hunter2") || strings.Contains(s, "next=") {
		t.Errorf("secret in output: %s", s)
	}
}

// A record logged inside a request before routing, or through a copy the
// mux never saw, simply has no http.route.
func TestScopeRouteOmittedWhenUnknown(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slogaudit.NewHandler(&buf, nil))
	m, _ := httpaudit.New(logger, nil)
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "inside")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	a := buf.lines(t)[0]["attributes"].(map[string]any)
	if _, ok := a[slogaudit.KeyHTTPRoute]; ok {
		t.Errorf("http.route = %v", a[slogaudit.KeyHTTPRoute])
	}
	if a[slogaudit.KeyURLPath] != "/x" || !hex32.MatchString(a[slogaudit.KeyRequestID].(string)) {
		t.Errorf("attributes %v", a)
	}
}
