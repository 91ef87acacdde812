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
