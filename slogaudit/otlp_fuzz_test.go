package slogaudit

import (
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/redact"
)

// FuzzOTLP writes arbitrary records in the OTLP/JSON format and checks every
// line: exactly one newline-terminated line within MaxRecordBytes, strictly
// the OTLP/JSON structure (decodeOTLP: encoding/json with unknown fields
// disallowed, lowerCamelCase keys, decimal-string integers, unique keys), and
// the same data as the JSON lines line of the same record (read back by the
// reference converter, otlp_reference_test.go).
func FuzzOTLP(f *testing.F) {
	f.Add("msg", "key", "value", "group", int64(1), 1.5, uint64(7), false)
	f.Add("", "", "", "", int64(0), 0.0, uint64(0), true)
	f.Add("a\nb", "event_type", "schema_version", "request_id", int64(-1), math.Inf(-1), uint64(math.MaxUint64), false)
	f.Add("\u2028\xff\"}", "user.name", "password", ".", int64(math.MinInt64), 2.0, uint64(1<<63), true)
	f.Add(`{"resource":1}`, `"attributes":{`, `\"\\`, `\`, int64(1<<62), 1e21, uint64(1), false)
	f.Fuzz(func(t *testing.T, msg, key, val, group string, n int64, fl float64, u uint64, small bool) {
		o := &Options{ServiceName: val, Resource: []slog.Attr{slog.String(key, msg), slog.Float64(group, fl)},
			Now: fixedNow, OnError: func(error) {}, Redactor: redact.None(), Format: FormatOTLPJSON}
		if small {
			o.Limits = Limits{MaxRecordBytes: 1024, MaxStringLen: 16, MaxAttrs: 3, MaxMapEntries: 2, MaxListLen: 1, MaxDepth: 2}
		}
		var buf lineBuffer
		var h slog.Handler = NewHandler(&buf, o)
		if group != "" {
			h = h.WithAttrs([]slog.Attr{slog.String(key, val), slog.Float64(val, fl)}).WithGroup(group)
		}
		ctx := ContextWithAttrs(otlpSpanCtx(1), slog.String(key, val), slog.String(KeyRequestID, val))
		attrs := []slog.Attr{
			slog.String(key, val), slog.Int64(val, n), slog.Float64(key+"f", fl), slog.Uint64(key+"u", u),
			slog.Bool(group, small), slog.Any(msg, nil),
			slog.Group(key, slog.String(val, key), slog.Group(group, slog.String(key, msg))),
			slog.Any("m", map[string]any{key: val, val: []any{n, fl, u, key, nil, map[string]string{group: msg}, []any{}}}),
			slog.String(KeyEventType, val), slog.String(KeyScopeName, group),
		}
		r := record(slog.Level(n%30), msg, attrs...)
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
		decodeOTLP(t, strings.TrimSuffix(out, "\n"))

		// The JSON lines line of the same record carries the same data.
		o.Format = FormatJSONL
		var jb lineBuffer
		h = NewHandler(&jb, o)
		if group != "" {
			h = h.WithAttrs([]slog.Attr{slog.String(key, val), slog.Float64(val, fl)}).WithGroup(group)
		}
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		jline := strings.TrimSuffix(jb.String(), "\n")
		otlp, ok := transcodeJSONL(jline)
		if !ok {
			t.Fatalf("reference converter rejected %s", jline)
		}
		if d := sameRecord(jline, otlp); d != "" {
			t.Fatalf("%s\nJSON lines: %s\nOTLP: %s", d, jline, otlp)
		}
	})
}
