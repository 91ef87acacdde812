package slogaudit

import (
	"context"
	"log/slog"
	"testing"
)

// lazyAddr is a LogValuer standing for httpaudit's lazily resolved values.
type lazyAddr struct{ calls *int }

func (l lazyAddr) LogValue() slog.Value {
	*l.calls++
	return slog.StringValue("203.0.113.9")
}

func TestScopeValue(t *testing.T) {
	if _, ok := ScopeValue(context.Background(), KeyRequestID); ok {
		t.Fatal("found a value without a scope")
	}
	var calls int
	parent := ContextWithAttrs(context.Background(),
		slog.String(KeyRequestID, "r1"),
		slog.Any(KeyClientAddress, lazyAddr{&calls}))
	child := ContextWithAttrs(parent, slog.String(KeyRequestID, "r2"))

	for _, c := range []struct {
		ctx  context.Context
		key  string
		want string
		ok   bool
	}{
		{parent, KeyRequestID, "r1", true},
		{child, KeyRequestID, "r2", true}, // the child's own value wins
		{child, KeyClientAddress, "203.0.113.9", true},
		{child, KeySessionID, "", false},
		{child, KeyUserID, "", false}, // the user is UserFromContext's
	} {
		v, ok := ScopeValue(c.ctx, c.key)
		if ok != c.ok || (ok && (v.Kind() != slog.KindString || v.String() != c.want)) {
			t.Errorf("ScopeValue(%s) = %v, %v; want %q, %v", c.key, v, ok, c.want, c.ok)
		}
	}
	if calls != 1 {
		t.Errorf("the LogValuer ran %d times, want once (resolved on each call)", calls)
	}
}

func TestAllocScopeValue(t *testing.T) {
	ctx := ContextWithAttrs(context.Background(), slog.String(KeyRequestID, "r1"))
	wantAllocs(t, 0, func() {
		if _, ok := ScopeValue(ctx, KeyRequestID); !ok {
			t.Fatal("missing")
		}
	})
}
