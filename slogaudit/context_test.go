package slogaudit

import (
	"context"
	"log/slog"
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
// connection's) inherits its attributes and its user as it was, but has a
// user of its own: one request's SetUser never reaches the next (red team:
// the user leaked across gRPC calls on one connection). A request begun
// inside a request (nested middlewares) shares that request's user.
func TestBeginRequest(t *testing.T) {
	conn := ContextWithAttrs(context.Background(), slog.String("tls.peer", "gw"))
	r1 := BeginRequest(conn, slog.String("request_id", "1"))
	SetUser(r1, User{ID: "alice"})
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

	// A user set on the connection before the request starts is its
	// initial user; changing it inside stays inside.
	SetUser(conn, User{ID: "svc"})
	r3 := BeginRequest(conn)
	if u, _ := UserFromContext(r3); u.ID != "svc" {
		t.Errorf("initial user %v", u)
	}
	SetUser(r3, User{ID: "bob"})
	if u, _ := UserFromContext(conn); u.ID != "svc" {
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
