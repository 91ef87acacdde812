package httpaudit_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// hashOf is session.id for the raw token under key: the first 16 bytes of
// HMAC-SHA256 in hex, computed here independently of the package.
func hashOf(key []byte, raw string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(raw))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// The request that creates a session (a login) attaches it with
// SetSession: records logged after the call and the response event carry
// the new session's id, records logged before it the old one, and the next
// request, which presents the new cookie, carries the same id (issue 10,
// case 11).
func TestSetSessionJoinsLogin(t *testing.T) {
	key := []byte("0123456789abcdef")
	var logger *slog.Logger
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "before", slogaudit.KeyEventType, "test.before")
		if !httpaudit.SetSession(r.Context(), "new-token") {
			t.Error("SetSession = false inside an audited request")
		}
		logger.InfoContext(r.Context(), "auth.login.success", slogaudit.KeyEventType, "auth.login.success")
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "new-token", Path: "/"})
		w.WriteHeader(http.StatusUnauthorized) // audited without LogOKResponses
	})
	mux.HandleFunc("GET /next", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
	srv, buf, l := auditServer(t, &httpaudit.Options{SessionCookie: "sid", SessionKey: key}, mux)
	logger = l

	req, err := http.NewRequest("POST", srv.URL+"/login", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: "sid", Value: "old-token"}) // a pre-login session, rotated
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, http.StatusForbidden, get(t, srv, "/next", resp.Cookies()...))

	lines := buf.attrs(t)
	require.Len(t, lines, 4)
	ids := map[any]any{}
	for _, a := range lines {
		ids[a[slogaudit.KeyEventType]] = a[slogaudit.KeySessionID]
	}
	old, fresh := hashOf(key, "old-token"), hashOf(key, "new-token")
	assert.Equal(t, map[any]any{
		"test.before":              old,
		"auth.login.success":       fresh,
		httpaudit.EventClientError: fresh, // the login's response and /next's
	}, ids)
	assert.Equal(t, fresh, lines[2][slogaudit.KeySessionID])
	assert.Equal(t, fresh, lines[3][slogaudit.KeySessionID])
	assert.NotContains(t, buf.String(), "new-token")
	assert.NotContains(t, buf.String(), "old-token")
}

// SetSession reports false outside an audited request and when the
// middleware can derive no session id; a key alone (no cookie) suffices.
func TestSetSessionReport(t *testing.T) {
	assert.False(t, httpaudit.SetSession(context.Background(), "x"))
	//lint:ignore SA1012 a nil ctx is tolerated, as by slogaudit.SetUser
	assert.False(t, httpaudit.SetSession(nil, "x"))
	key := []byte("0123456789abcdef")
	for _, tc := range []struct {
		name string
		opts httpaudit.Options
		ok   bool
		want any // session.id on the response event; nil: absent
	}{
		{"no session configured", httpaudit.Options{}, false, nil},
		{"key without cookie", httpaudit.Options{SessionKey: key}, true, hashOf(key, "tok")},
		{"cookie and key", httpaudit.Options{SessionCookie: "sid", SessionKey: key}, true, hashOf(key, "tok")},
		// Server-side sessions: raw is the id as the hook returns it, and
		// session.id its keyed hash.
		{"SessionID hook and key", httpaudit.Options{SessionID: func(*http.Request) string { return "" }, SessionKey: key}, true, hashOf(key, "tok")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got bool
			srv, buf, _ := auditServer(t, &tc.opts, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = httpaudit.SetSession(r.Context(), "tok")
				w.WriteHeader(http.StatusNotFound)
			}))
			get(t, srv, "/")
			assert.Equal(t, tc.ok, got)
			a := buf.attrs(t)
			require.Len(t, a, 1)
			assert.Equal(t, tc.want, a[0][slogaudit.KeySessionID])
		})
	}
}

// SetSession(ctx, "") ends the session for the rest of the request; nested
// middlewares all take the session; concurrent calls are safe (run with
// -race) and the last one wins.
func TestSetSessionClearNestedConcurrent(t *testing.T) {
	key := []byte("0123456789abcdef")
	var logger *slog.Logger
	inner, err := httpaudit.New(slog.New(slog.DiscardHandler), &httpaudit.Options{SessionKey: key})
	require.NoError(t, err)
	srv, buf, l := auditServer(t, &httpaudit.Options{SessionCookie: "sid", SessionKey: key},
		inner.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					httpaudit.SetSession(r.Context(), fmt.Sprint("t", i))
					logger.InfoContext(r.Context(), "racing", slogaudit.KeyEventType, "test.race")
				}()
			}
			wg.Wait()
			httpaudit.SetSession(r.Context(), "")
			logger.InfoContext(r.Context(), "after logout", slogaudit.KeyEventType, "test.cleared")
			httpaudit.SetSession(r.Context(), "final")
			w.WriteHeader(http.StatusNotFound)
		})))
	logger = l
	get(t, srv, "/", &http.Cookie{Name: "sid", Value: "old"})
	lines := buf.attrs(t)
	require.Len(t, lines, 10) // 8 racing, cleared, the outer response event
	for _, a := range lines[:8] {
		assert.Regexp(t, `^[0-9a-f]{32}$`, a[slogaudit.KeySessionID])
	}
	_, has := lines[8][slogaudit.KeySessionID]
	assert.False(t, has, "session.id after SetSession(ctx, \"\"): %v", lines[8][slogaudit.KeySessionID])
	// The outer middleware's response event has the inner request's last
	// session: the inner middleware's state was set, and the outer's too.
	assert.Equal(t, hashOf(key, "final"), lines[9][slogaudit.KeySessionID])
}

// TestSessionHookSecret: the SessionID hook's ids, and SetSession's with
// the hook, are never written as they are, with no SessionKey either: a
// session id is a bearer credential, and the value rules missed many
// spellings of one (red team 2, B4: base64 of a JWT, "s%3A<JWT>",
// "Bearer%20<JWT>", tokens with spaces, 32-hex random tokens). session.id
// is then the keyed hash with a random key of the process: 32 hex, stable
// within the process (the hook's and SetSession's agree), different for
// different ids.
func TestSessionHookSecret(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	secrets := []string{
		jwt,
		"Bearer " + jwt,
		"Bearer 3f9a1c0d8e7b6a5f4e3d2c1b0a998877",
		"Basic dXNlcjpwYXNzd29yZA==",
		base64.StdEncoding.EncodeToString([]byte(jwt)),
		base64.RawURLEncoding.EncodeToString([]byte(jwt)),
		"eyJhbGciOiJIUzI1NiJ9 . eyJzdWIiOiIxIn0 . sig",
		"s%3A" + jwt,
		"Bearer%20" + jwt,
		"ghp_ A1b2A1b2A1b2A1b2A1b2A1b2A1b2A1b2A1b2",
		"Zm9vYmFyYmF6cXV4cXV1eA",
		"3f9a1c0d8e7b6a5f4e3d2c1b0a998877",
		"srv-session-42",
	}
	for _, red := range []*redact.Redactor{nil, redact.None()} {
		seen := map[string]string{}
		for _, v := range secrets {
			var buf bytes.Buffer
			m, err := httpaudit.New(slog.New(slog.NewJSONHandler(&buf, nil)), &httpaudit.Options{
				Redactor:  red,
				SessionID: func(r *http.Request) string { return r.Header.Get("X-Session") },
			})
			require.NoError(t, err)
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("X-Session", v)
			serve(m, http.NotFoundHandler(), req)
			serve(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				httpaudit.SetSession(r.Context(), v)
				w.WriteHeader(http.StatusUnauthorized)
			}), httptest.NewRequest("GET", "/login", nil))
			var ids []string
			for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
				var e map[string]any
				require.NoError(t, json.Unmarshal(line, &e))
				id, _ := e[slogaudit.KeySessionID].(string)
				ids = append(ids, id)
			}
			require.Len(t, ids, 2, buf.String())
			for _, id := range ids {
				if !hex32.MatchString(id) || id == v {
					t.Errorf("session id %q written as %q, want its 32-hex keyed hash", v, id)
				}
			}
			if ids[0] != ids[1] {
				t.Errorf("%q: hook gives %s, SetSession %s: want one id", v, ids[0], ids[1])
			}
			if other, dup := seen[ids[0]]; dup {
				t.Errorf("%q and %q share session.id %s", v, other, ids[0])
			}
			seen[ids[0]] = v
			for _, part := range []string{"dozjg", "eyJ", "3f9a1c0d", "Zm9v", "A1b2", "srv-"} {
				if strings.Contains(buf.String(), part) {
					t.Errorf("%q: output contains %q: %s", v, part, buf.String())
				}
			}
		}
	}
}
