package sessionid

import (
	"sync"
	"testing"
)

// Get computes once; a compute that asks again (a hook logging with its own
// request's context) gets "" instead of a deadlock; a panic leaves "".
func TestMemo(t *testing.T) {
	var m Memo
	calls := 0
	var inner string
	got := m.Get(func() string {
		calls++
		inner = m.Get(func() string { t.Error("computed twice"); return "x" })
		return "id"
	})
	if got != "id" || inner != "" || calls != 1 || m.Get(func() string { return "other" }) != "id" {
		t.Errorf("got %q, inner %q, calls %d", got, inner, calls)
	}
	var p Memo
	func() {
		defer func() { _ = recover() }()
		p.Get(func() string { panic("hook") })
	}()
	if p.Get(func() string { return "late" }) != "" {
		t.Error("a panicking hook's memo is not empty")
	}
	var c Memo
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); _ = c.Get(func() string { return "same" }) }()
	}
	wg.Wait()
	if c.Get(nil) != "same" {
		t.Error("concurrent Get")
	}
}

func TestOf(t *testing.T) {
	if Of(nil, "") != "" || Of([]byte("k"), "a") != Hash([]byte("k"), "a") || Of(nil, "a") != Hash(Key(nil), "a") {
		t.Error("Of")
	}
}
