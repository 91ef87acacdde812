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
