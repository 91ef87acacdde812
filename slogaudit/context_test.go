package slogaudit

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func TestSetUserWithoutScope(t *testing.T) {
	ctx := context.Background()
	if SetUser(ctx, User{ID: "1"}) {
		t.Fatal("SetUser reported true without a scope")
	}
	if _, ok := UserFromContext(ctx); ok {
		t.Fatal("UserFromContext found a user without a scope")
	}
	//lint:ignore SA1012 a nil ctx must not panic
	if requestScopeFrom(nil) != nil {
		t.Fatal("nil ctx has a scope")
	}
}

func TestChildScopeSharesUserAndInheritsAttrs(t *testing.T) {
	parent := ContextWithAttrs(context.Background(), slog.String("a", "1"))
	child := ContextWithAttrs(parent, slog.String("b", "2"))
	sibling := ContextWithAttrs(parent, slog.String("c", "3"))

	if !SetUser(child, User{ID: "42", Name: "maya"}) {
		t.Fatal("SetUser on child failed")
	}
	for name, ctx := range map[string]context.Context{"parent": parent, "child": child, "sibling": sibling} {
		u, ok := UserFromContext(ctx)
		if !ok || u.ID != "42" || u.Name != "maya" {
			t.Errorf("%s: user = %+v, %v", name, u, ok)
		}
	}
	keys := func(ctx context.Context) (ks []string) {
		for _, a := range requestScopeFrom(ctx).attrs {
			ks = append(ks, a.Key)
		}
		return ks
	}
	if got := keys(child); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("child attrs = %v", got)
	}
	// The sibling must not see the child's attribute even though both appended
	// to the parent's slice.
	if got := keys(sibling); len(got) != 2 || got[1] != "c" {
		t.Errorf("sibling attrs = %v", got)
	}
	if got := keys(parent); len(got) != 1 {
		t.Errorf("parent attrs changed: %v", got)
	}
}

func TestSetUserConcurrent(t *testing.T) {
	ctx := ContextWithAttrs(context.Background())
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			SetUser(ctx, User{ID: string(rune('a' + i))})
			UserFromContext(ctx)
		}()
	}
	wg.Wait()
	if _, ok := UserFromContext(ctx); !ok {
		t.Fatal("no user after concurrent SetUser")
	}
}

func TestAllocContextWithAttrs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	ctx := context.Background()
	a, b := slog.String("a", "1"), slog.String("b", "2")
	got := testing.AllocsPerRun(100, func() {
		c := ContextWithAttrs(ctx, a, b)
		SetUser(c, User{ID: "1"})
	})
	// One for the scope (attrs and user cell inline), one for context.WithValue,
	// one for the stored User.
	if got > 3 {
		t.Fatalf("ContextWithAttrs + SetUser allocated %v times, want <= 3", got)
	}
}

// TestBeginRequest: a request begun under a scope that spans requests (a
// connection's) inherits its attributes but never its user: the request's
// user starts empty and SetUser inside stays inside (red team: the user
// leaked across gRPC calls on one connection; then, through the seed, a user
// set on the connection by auth code outside the audit middleware reached
// every later request). A request begun inside a live request (nested
// middlewares) shares that request's user.
func TestBeginRequest(t *testing.T) {
	conn := ContextWithAttrs(context.Background(), slog.String("tls.peer", "gw"))
	r1 := BeginRequest(conn, slog.String("request_id", "1"))
	if !SetUser(r1, User{ID: "alice"}) {
		t.Error("SetUser on a begun request reported false")
	}
	r2 := BeginRequest(conn, slog.String("request_id", "2"))
	if u, ok := UserFromContext(r2); ok {
		t.Errorf("request 2 has request 1's user %v", u)
	}
	if _, ok := UserFromContext(conn); ok {
		t.Error("the connection scope got a request's user")
	}
	if v, _ := ScopeValue(r2, "tls.peer"); v.String() != "gw" {
		t.Errorf("tls.peer %v", v)
	}
	if v, _ := ScopeValue(r2, "request_id"); v.String() != "2" {
		t.Errorf("request_id %v", v)
	}

	// The connection has been a request's parent: it spans requests, so
	// SetUser on it (auth code outside the audit middleware) is refused,
	// on it and on its ContextWithAttrs children, and seeds nothing.
	if SetUser(conn, User{ID: "svc"}) {
		t.Error("SetUser on a scope that spans requests reported true")
	}
	if SetUser(ContextWithAttrs(conn, slog.String("k", "v")), User{ID: "svc"}) {
		t.Error("SetUser on a child of a spanning scope reported true")
	}
	r3 := BeginRequest(conn)
	if u, ok := UserFromContext(r3); ok {
		t.Errorf("request 3 starts as %v, want no user", u)
	}
	SetUser(r3, User{ID: "bob"})
	if u, ok := UserFromContext(conn); ok {
		t.Errorf("connection user %v", u)
	}

	// Nested: a request begun inside r3, and a child scope of it, share r3's user.
	inner := ContextWithAttrs(BeginRequest(r3, slog.String("k", "v")))
	SetUser(inner, User{ID: "carol"})
	if u, _ := UserFromContext(r3); u.ID != "carol" {
		t.Errorf("outer request user %v, want the inner one's", u)
	}

	// No scope at all: a root, like ContextWithAttrs.
	root := BeginRequest(context.Background(), slog.String("a", "b"))
	if !SetUser(root, User{ID: "x"}) {
		t.Error("SetUser on a begun request")
	}
}

// TestBeginRequestSeedsNothing: a user set on a scope that spans requests
// before its first request is begun (auth before audit, first request on a
// connection) is not that request's user, is dropped from the scope, and
// reaches no later request (red team 2, B1).
func TestBeginRequestSeedsNothing(t *testing.T) {
	conn := ContextWithAttrs(context.Background())
	if !SetUser(conn, User{ID: "alice"}) {
		t.Fatal("SetUser on a scope not yet known to span requests")
	}
	r1 := BeginRequest(conn)
	if u, ok := UserFromContext(r1); ok {
		t.Errorf("request 1 starts as %v", u)
	}
	if u, ok := UserFromContext(conn); ok {
		t.Errorf("the spanning scope still holds %v", u)
	}
	r2 := BeginRequest(conn)
	if u, ok := UserFromContext(r2); ok {
		t.Errorf("request 2 starts as %v", u)
	}
	// A record logged with the connection's context carries no user either.
	var buf bytes.Buffer
	slog.New(NewHandler(&buf, nil)).InfoContext(conn, "x", KeyEventType, "t")
	if strings.Contains(buf.String(), "user.id") {
		t.Errorf("record under the spanning scope carries a user: %s", buf.String())
	}
}

// TestBeginRequestAfterEnd: a context kept past its request
// (context.WithoutCancel(r.Context()) made into a base for later work) is
// still that request's scope; requests begun over it before EndRequest are
// nested in it and share its user, those begun after have their own (red
// team 2, B1 edge).
func TestBeginRequestAfterEnd(t *testing.T) {
	first := BeginRequest(context.Background())
	SetUser(first, User{ID: "alice"})
	base := context.WithoutCancel(first)
	if u, _ := UserFromContext(BeginRequest(base)); u.ID != "alice" {
		t.Errorf("nested in a live request: user %v, want alice", u)
	}
	EndRequest(first)
	r1 := BeginRequest(base)
	r2 := BeginRequest(base)
	if u, ok := UserFromContext(r1); ok {
		t.Errorf("request over an ended one starts as %v", u)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); SetUser(r1, User{ID: "bob"}) }()
	wg.Wait()
	if u, ok := UserFromContext(r2); ok {
		t.Errorf("request r2 sees %v", u)
	}
	if u, _ := UserFromContext(first); u.ID != "alice" {
		t.Errorf("the ended request's user became %v", u)
	}
	// EndRequest outside a request does nothing.
	EndRequest(context.Background())
	EndRequest(ContextWithAttrs(context.Background()))
}

func TestAllocBeginRequest(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	attrs := []slog.Attr{slog.String("request_id", "abc"), slog.String("client.address", "10.0.0.1")}
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _ = BeginRequest(ctx, attrs...) }); n != 2 {
		t.Errorf("BeginRequest without a parent: %v allocs, want 2 (the scope and context.WithValue)", n)
	}
}
