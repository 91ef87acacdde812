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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/redact"
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

// Durable declares that a nil error from Write means the line is stored (in
// memory), as fail-closed mode requires (slogaudit.Durable).
func (s *syncBuffer) Durable() bool { return true }

func (s *syncBuffer) lines(t testing.TB) []map[string]any {
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
			httpaudit.KeyHTTPMethod:    "POST",
			httpaudit.KeyURLPath:       "/login",
			httpaudit.KeyHTTPRoute:     "/login",
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
	// A captured username field follows IncludeUsernames like user.name:
	// off by default, so it is dropped (see TestBodyUsernameGating).
	body, _ := resp[httpaudit.KeyRequestBody].(map[string]any)
	if _, ok := body["username"]; ok || body["password"] != "[REDACTED]" {
		t.Errorf("request.body %v", body)
	}
	if s := buf.b.String(); strings.Contains(s, "raw-session-token") || strings.Contains(s, "hunter2") || strings.Contains(s, "next=") || strings.Contains(s, "maya") {
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
	if _, ok := a[httpaudit.KeyHTTPRoute]; ok {
		t.Errorf("http.route = %v", a[httpaudit.KeyHTTPRoute])
	}
	if a[httpaudit.KeyURLPath] != "/x" || !hex32.MatchString(a[slogaudit.KeyRequestID].(string)) {
		t.Errorf("attributes %v", a)
	}
}

// Through the slogaudit handler, with a value rule that matches every
// string: the values the middleware produced (request id, addresses, the
// session pseudonym) are written as they are, in a record logged inside the
// request and in the response event, while url.path and
// http.request.method, which the client chose, pass the value rules like any
// attribute. A JWT in the path is masked.
func TestScopeRedaction(t *testing.T) {
	for _, tc := range []struct {
		name     string
		patterns []string
		path     string
		masked   []string // keys whose value must be [REDACTED]
	}{
		{"everything matches", []string{`.`}, "/x/plain", []string{httpaudit.KeyURLPath, httpaudit.KeyHTTPMethod}},
		{"JWT detector", nil, "/reset/" + testJWT, []string{httpaudit.KeyURLPath}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			red, err := redact.New(redact.Options{ValuePatterns: tc.patterns, Detectors: []string{redact.DetectorJWT}})
			require.NoError(t, err)
			buf := &syncBuffer{}
			logger := slog.New(slogaudit.NewHandler(buf, &slogaudit.Options{Redactor: red}))
			m, err := httpaudit.New(logger, &httpaudit.Options{SessionCookie: "sid", SessionKey: []byte("0123456789abcdef")})
			require.NoError(t, err)
			srv := httptest.NewServer(m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				logger.WarnContext(r.Context(), "inside", slogaudit.KeyEventType, "test.inside")
				w.WriteHeader(http.StatusForbidden)
			})))
			defer srv.Close()
			require.Equal(t, http.StatusForbidden, get(t, srv, tc.path, &http.Cookie{Name: "sid", Value: "raw-cookie"}))
			lines := buf.attrs(t)
			require.Len(t, lines, 2)
			for _, a := range lines {
				et := a[slogaudit.KeyEventType]
				assert.Regexp(t, hex32, a[slogaudit.KeyRequestID], et)
				assert.Regexp(t, hex32, a[slogaudit.KeySessionID], et)
				assert.Equal(t, "127.0.0.1", a[slogaudit.KeyClientAddress], et)
				assert.Equal(t, "127.0.0.1", a[slogaudit.KeyPeerAddress], et)
				for _, k := range tc.masked {
					assert.Equal(t, redact.Marker, a[k], "%v: %s", et, k)
				}
			}
			assert.NotContains(t, buf.String(), "raw-cookie")
			assert.NotContains(t, buf.String(), "eyJ")
		})
	}
}

// Captured username-like body fields follow the handler's
// IncludeUsernames exactly like user.name (issue 10, case 9): dropped by
// default, because people type passwords into them, and kept when the
// operator opts in. httpaudit keeps no list of its own.
func TestBodyUsernameGating(t *testing.T) {
	for _, include := range []bool{false, true} {
		buf := &syncBuffer{}
		logger := slog.New(slogaudit.NewHandler(buf, &slogaudit.Options{IncludeUsernames: include}))
		m, err := httpaudit.New(logger, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"username", "email", "password", "remember"}})
		require.NoError(t, err)
		srv := httptest.NewServer(m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
		})))
		resp, err := srv.Client().Post(srv.URL+"/login", "application/json",
			strings.NewReader(`{"username":"Al1ce-Sup3rSecret!","email":"a@example.com","password":"hunter2","remember":true}`))
		require.NoError(t, err)
		resp.Body.Close()
		srv.Close()
		a := buf.attrs(t)
		require.Len(t, a, 1)
		body, _ := a[0][httpaudit.KeyRequestBody].(map[string]any)
		assert.Equal(t, true, body["remember"])
		assert.Equal(t, redact.Marker, body["password"])
		if include {
			assert.Equal(t, "Al1ce-Sup3rSecret!", body["username"])
			assert.Equal(t, "a@example.com", body["email"])
		} else {
			assert.NotContains(t, body, "username")
			assert.NotContains(t, body, "email")
			assert.NotContains(t, buf.String(), "Sup3rSecret")
		}
	}
}
