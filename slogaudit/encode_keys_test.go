package slogaudit

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unsafe"

	"github.com/secaudit/auditkit/redact"
)

// TestKeyCacheComparesContents logs two different keys that share one
// address (a key built over a reused buffer): the cache must not hand the
// first key's decisions, or its redaction verdict, to the second.
func TestKeyCacheComparesContents(t *testing.T) {
	var buf lineBuffer
	h := NewHandler(&buf, withClock(&Options{ServiceName: "billing"}))
	raw := []byte("abcdefgh")
	key := unsafe.String(&raw[0], len(raw))
	first := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "msg", slog.String(key, "v")))
	copy(raw, "password")
	second := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "msg", slog.String(key, "v")))
	if want := envelope("INFO", 9, "msg", `{"schema_version":"1.0","abcdefgh":"v"}`, ""); first != want {
		t.Errorf("first: got %s, want %s", first, want)
	}
	if want := envelope("INFO", 9, "msg", `{"schema_version":"1.0","password":"[REDACTED]"}`, ""); second != want {
		t.Errorf("second: got %s, want %s", second, want)
	}
}

// TestKeyCacheUnderChurn fills the cache with keys of short-lived groups and
// run-time keys, then checks hot keys still encode right and without
// allocating (the cache gives way to keys in use).
func TestKeyCacheUnderChurn(t *testing.T) {
	var buf lineBuffer
	base := NewHandler(&buf, withClock(&Options{ServiceName: "billing"}))
	ctx := context.Background()
	for i := range 3000 {
		h := base.WithGroup(fmt.Sprint("req", i%7))
		_ = h.Handle(ctx, record(slog.LevelInfo, "m", slog.String(fmt.Sprint("dyn", i), "x"),
			slog.Group("g", slog.String("token", "t"))))
	}
	buf = lineBuffer{}
	r := record(slog.LevelInfo, "msg", slog.String("url.path", "/x"), slog.Group("http", slog.String("api_token", "t"), slog.Int("status", 200)))
	for range 200 { // let hot keys win their slots back
		_ = base.Handle(ctx, r)
	}
	buf = lineBuffer{}
	got := handleOne(t, base, &buf, ctx, r)
	if want := envelope("INFO", 9, "msg", `{"schema_version":"1.0","url.path":"/x","http.api_token":"[REDACTED]","http.status":200}`, ""); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if strings.Count(got, "\n") != 0 {
		t.Error("stray newline")
	}
	wantAllocs(t, 0, func() { _ = base.Handle(ctx, r) })
}

func TestAppendUnixNano(t *testing.T) {
	var st state
	for _, ns := range []int64{0, 7, 999999999, 1000000000, 1712345678000000000, 1712345678000001000, 1712345678999999999, 1712345679000000001, -5} {
		if got, want := string(st.appendUnixNano(nil, ns, int(ns&1))), fmt.Sprint(ns); got != want {
			t.Errorf("appendUnixNano(%d) = %s", ns, got)
		}
	}
}

// TestKeyWords checks that keyWords and the length tell apart any two keys
// of up to 16 bytes, which is what lets the cache skip comparing them.
func TestKeyWords(t *testing.T) {
	for n := 1; n <= 16; n++ {
		base := strings.Repeat("k", n)
		w0, w1 := keyWords(base)
		for i := range n {
			b := []byte(base)
			b[i] = 'x'
			if v0, v1 := keyWords(string(b)); v0 == w0 && v1 == w1 {
				t.Errorf("keyWords(%q) == keyWords(%q)", b, base)
			}
		}
	}
}

// TestKeyCacheComparesAllLengths is TestKeyCacheComparesContents for keys of
// every length up to 40, changed at every byte position in turn.
func TestKeyCacheComparesAllLengths(t *testing.T) {
	var buf lineBuffer
	h := NewHandler(&buf, withClock(&Options{ServiceName: "billing", Redactor: redact.None()}))
	for n := 1; n <= 40; n++ {
		raw := []byte(strings.Repeat("k", n))
		key := unsafe.String(&raw[0], len(raw))
		for i := range n {
			_ = handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "msg", slog.String(key, "v")))
			raw[i] = 'x'
			got := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "msg", slog.String(key, "v")))
			if want := `"` + string(raw) + `":"v"`; !strings.Contains(got, want) {
				t.Fatalf("key %q: got %s", raw, got)
			}
			raw[i] = 'k'
		}
	}
}
