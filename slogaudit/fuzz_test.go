package slogaudit

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secaudit/auditkit/redact"
)

// FuzzHandle feeds arbitrary messages, keys, values and group names through
// every attribute path (record, group, With, map, scope) and checks the
// line's invariants: exactly one newline-terminated line within
// MaxRecordBytes, valid JSON, no duplicate key in any object, and strings that
// round-trip (each invalid UTF-8 byte read back as U+FFFD).
func FuzzHandle(f *testing.F) {
	f.Add("msg", "key", "value", "group", int64(1), false)
	f.Add("", "", "", "", int64(0), true)
	f.Add("a\nb", "event_type", "schema_version", "request_id", int64(-1), false)
	f.Add("\u2028\xff\"}", "user.name", "password", ".", int64(1<<62), true)
	f.Fuzz(func(t *testing.T, msg, key, val, group string, n int64, small bool) {
		o := &Options{ServiceName: "svc", Now: fixedNow, OnError: func(error) {}, Redactor: redact.None()}
		if small {
			o.Limits = Limits{MaxRecordBytes: 1024, MaxStringLen: 16, MaxAttrs: 3, MaxMapEntries: 2, MaxListLen: 1, MaxDepth: 2}
		}
		var buf lineBuffer
		var h slog.Handler = NewHandler(&buf, o)
		if group != "" {
			h = h.WithAttrs([]slog.Attr{slog.String(key, val), slog.String(val, key)}).WithGroup(group)
		}
		ctx := ContextWithAttrs(context.Background(), slog.String(key, val), slog.String(KeyRequestID, val))
		r := record(slog.LevelInfo, msg,
			slog.String(key, val), slog.Int64(val, n),
			slog.Group(key, slog.String(val, key), slog.Group(group, slog.String(key, msg))),
			slog.Any("m", map[string]any{key: val, val: []any{n, key, map[string]string{group: msg}}}),
			slog.String(KeyEventType, val),
		)
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
			t.Fatalf("not exactly one line: %q", out)
		}
		if max := o.Limits.withDefaults().MaxRecordBytes; len(out) > max {
			t.Fatalf("line of %d bytes exceeds %d", len(out), max)
		}
		line := strings.TrimSuffix(out, "\n")
		if err := validateNoDup(line); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		m := parseLine(t, line)
		if m[KeyBody] == EventMalformedRecord && msg != EventMalformedRecord {
			return // the fallback keeps no data to compare
		}
		maxRunes := o.Limits.withDefaults().MaxStringLen
		if utf8.RuneCountInString(msg) <= maxRunes/2 && m[KeyBody] != string([]rune(msg)) {
			t.Errorf("body %q does not round-trip %q", m[KeyBody], msg)
		}
		if utf8.RuneCountInString(val) <= maxRunes && m[KeyEventName] != string([]rune(val)) {
			t.Errorf("event_name %q does not round-trip %q", m[KeyEventName], val)
		}
	})
}
