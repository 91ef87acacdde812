package httpaudit_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// TestUserPerRequest (red team, found in grpcaudit): under a scope that
// spans requests (http.Server.ConnContext's, per connection), the request's
// scope shared the connection's user cell, so the user request 1 set was
// request 2's too on a kept-alive connection. Each request now has its own
// user; the connection's attributes still reach its records.
func TestUserPerRequest(t *testing.T) {
	buf := &syncBuffer{}
	m, err := httpaudit.New(slog.New(slogaudit.NewHandler(buf, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			slogaudit.SetUser(r.Context(), slogaudit.User{ID: "alice"})
		}
		w.WriteHeader(http.StatusForbidden)
	})))
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return slogaudit.ContextWithAttrs(ctx, slog.String("tls.peer", "gw"))
	}
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	get(t, srv, "/login")
	get(t, srv, "/other")
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1 kept alive", n)
	}
	a := buf.attrs(t)
	if len(a) != 2 {
		t.Fatalf("lines: %s", buf)
	}
	if a[0]["user.id"] != "alice" || a[1]["user.id"] != nil {
		t.Errorf("request 1 user.id %v, request 2 user.id %v (want alice, none)", a[0]["user.id"], a[1]["user.id"])
	}
	for _, x := range a {
		if x["tls.peer"] != "gw" {
			t.Errorf("connection attribute missing: %v", x)
		}
	}
}

// TestAuthBeforeAuditDoesNotLeak (red team 2, B1): an authentication
// middleware placed before the audit middleware calls SetUser on the
// server's or the connection's scope (BaseContext, ConnContext). The request
// scope used to start as that scope's user, so every later request, on the
// connection or on the whole server, was attributed to the user of the first.
// Now the request's user starts empty: the misplaced SetUser reaches no
// request (not even its own) and, once the scope is known to span requests,
// reports false.
func TestAuthBeforeAuditDoesNotLeak(t *testing.T) {
	for _, mode := range []string{"ConnContext", "BaseContext"} {
		t.Run(mode, func(t *testing.T) {
			buf := &syncBuffer{}
			m, err := httpaudit.New(slog.New(slogaudit.NewHandler(buf, nil)), nil)
			if err != nil {
				t.Fatal(err)
			}
			inner := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }))
			var setUser []bool
			auth := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-Token") == "alice-token" {
					setUser = append(setUser, slogaudit.SetUser(r.Context(), slogaudit.User{ID: "alice"}))
				}
				inner.ServeHTTP(w, r)
			})
			srv := httptest.NewUnstartedServer(auth)
			if mode == "ConnContext" {
				srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
					return slogaudit.ContextWithAttrs(ctx, slog.String("tls.peer", "gw"))
				}
			} else {
				srv.Config.BaseContext = func(net.Listener) context.Context {
					return slogaudit.ContextWithAttrs(context.Background(), slog.String("service", "api"))
				}
			}
			srv.Start()
			defer srv.Close()
			get := func(c *http.Client, path string, token bool) {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
				if token {
					req.Header.Set("X-Token", "alice-token")
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			c := srv.Client()
			get(c, "/a", true)
			// Anonymous: the same connection, or (BaseContext) another client's.
			other := c
			if mode == "BaseContext" {
				other = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			}
			get(other, "/b", false)
			get(c, "/c", true)
			a := buf.attrs(t)
			if len(a) != 3 {
				t.Fatalf("%d events, want 3", len(a))
			}
			for i, e := range a {
				if e["user.id"] != nil {
					t.Errorf("request %d attributed to %v by auth code outside the audit middleware", i+1, e["user.id"])
				}
			}
			// The first SetUser ran before any request was begun over the
			// scope; the second knows it spans requests.
			if len(setUser) != 2 || setUser[1] {
				t.Errorf("SetUser before the audit middleware reported %v, want [_ false]", setUser)
			}
		})
	}
}

// TestBaseFromEndedRequest (red team 2, B1 edge): a base context kept from a
// finished request (context.WithoutCancel(r.Context())) is still that
// request's scope; requests begun over it after the audit middleware ended
// it have users of their own.
func TestBaseFromEndedRequest(t *testing.T) {
	buf := &syncBuffer{}
	m, err := httpaudit.New(slog.New(slogaudit.NewHandler(buf, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var base context.Context
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/init" {
			slogaudit.SetUser(r.Context(), slogaudit.User{ID: "alice"})
			base = context.WithoutCancel(r.Context())
		}
		if r.URL.Path == "/job" && r.Header.Get("X-User") != "" {
			slogaudit.SetUser(r.Context(), slogaudit.User{ID: r.Header.Get("X-User")})
		}
		w.WriteHeader(http.StatusForbidden)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/init", nil))
	job := func(user string) {
		r := httptest.NewRequest(http.MethodGet, "/job", nil).WithContext(base)
		if user != "" {
			r.Header.Set("X-User", user)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	job("")
	job("bob")
	job("")
	a := buf.attrs(t)
	if len(a) != 4 {
		t.Fatalf("%d events, want 4", len(a))
	}
	want := []any{"alice", nil, "bob", nil}
	for i, e := range a {
		if e["user.id"] != want[i] {
			t.Errorf("event %d: user.id %v, want %v", i, e["user.id"], want[i])
		}
	}
}
