package slogaudit

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/redact"
)

// TestAppendUnixNanoDigits compares the timestamp formatting with strconv, across
// the 19-digit fast path's edges, repeated seconds (the cached digits) and
// seconds that change between calls on the same slot.
func TestAppendUnixNanoDigits(t *testing.T) {
	st := newState(NewHandler(nil, nil).c)
	defer st.free()
	ns := []int64{0, 1, 999_999_999, 1e9, 1e18 - 1, 1e18, 1e18 + 1,
		1_712_345_678_000_000_000, 1_712_345_678_000_000_001, 1_712_345_678_999_999_999,
		1_712_345_678_100_000_000, 1_712_345_679_012_345_678, 1_712_345_678_098_765_432,
		math.MaxInt64, math.MaxInt64 - 1e9}
	for x := int64(1_800_000_000_000_000_000); x < 1_800_000_003_000_000_000; x += 77_777_777 {
		ns = append(ns, x)
	}
	for slot := range 2 {
		for _, n := range ns {
			for range 2 { // the second call reuses the cached seconds
				got := string(st.appendUnixNano([]byte("x"), n, slot))
				if want := "x" + strconv.FormatInt(n, 10); got != want {
					t.Fatalf("appendUnixNano(%d, slot %d) = %s, want %s", n, slot, got, want)
				}
			}
		}
	}
}

// TestEventTypeAsMessage covers the shortcut that copies body's encoding
// for event_type when they are the same string: escaping, the string cap,
// a message that only starts like the event type, and value rules (which
// may mask body but never event_type).
func TestEventTypeAsMessage(t *testing.T) {
	long := strings.Repeat("é", 20000) // past the default MaxStringLen
	tests := []struct {
		name, msg, eventType string
		opts                 *Options
	}{
		{"plain", "auth.login.failed", "auth.login.failed", nil},
		{"escaped", "a\"b\n\u2028c", "a\"b\n\u2028c", nil},
		{"cut", long, long, nil},
		{"prefix", "auth.login", "auth.login.failed", nil},
		{"value rule", "sk-abc123", "sk-abc123", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			if o == nil {
				o = &Options{}
			}
			if tt.name == "value rule" {
				o.Redactor = mustRedactor(t, redact.Options{ValuePatterns: []string{`^sk-[a-z0-9]+$`}})
			}
			var buf lineBuffer
			h := NewHandler(&buf, withClock(o))
			line := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, tt.msg, slog.String(KeyEventType, tt.eventType)))
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("invalid JSON %s: %v", line, err)
			}
			attrs := m[KeyAttributes].(map[string]any)
			// Each field is encoded on its own, as before the shortcut.
			st := newState(h.c)
			defer st.free()
			wantBody := string(st.appendBody(nil, tt.msg))
			et := tt.eventType
			if h.c.rules.MatchValue(et) {
				et = redact.Marker // the value rules apply to event_type too
			}
			wantET := string(appendCut(nil, et, h.c.limits.MaxStringLen))
			if !strings.Contains(line, `"`+KeyBody+`":`+wantBody+`,`) {
				t.Errorf("body: want %s in %s", wantBody, line)
			}
			if !strings.Contains(line, `"`+KeyEventType+`":`+wantET+`,`) || !strings.HasSuffix(strings.TrimSuffix(line, "\n"), `"`+KeyEventName+`":`+wantET+"}") {
				t.Errorf("event_type/event_name: want %s in %s", wantET, line)
			}
			if attrs[KeyEventType] != m[KeyEventName] {
				t.Errorf("event_type %v != event_name %v", attrs[KeyEventType], m[KeyEventName])
			}
		})
	}
}
