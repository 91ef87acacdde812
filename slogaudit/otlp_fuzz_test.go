package slogaudit

import (
	"encoding/json"
	"io"
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
// the same data as the JSON lines line the transcoder was given.
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

		// The transcoder keeps every field of whatever JSON lines line it is
		// given.
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
			t.Fatalf("transcoder rejected %s", jline)
		}
		if d := sameRecord(jline, otlp); d != "" {
			t.Fatalf("%s\nJSON lines: %s\nOTLP: %s", d, jline, otlp)
		}
	})
}

// FuzzTranscode feeds the transcoder arbitrary bytes: it must never panic,
// must keep the line's shape (spare byte, newline) and, for any compact
// JSON object it accepts, write valid JSON.
func FuzzTranscode(f *testing.F) {
	f.Add(`{"timestamp":1,"observed_timestamp":2,"severity_text":"INFO","severity_number":9,"body":"b","resource":{"service.name":"s"},"instrumentation_scope":{"name":"n"},"attributes":{"a":[1,2.5,"x",null,true,{"k":{}}]},"event_name":"e","trace_id":"t","span_id":"s","trace_flags":1}`)
	f.Add(`{"attributes":{"k\"":"v\\"}}`)
	f.Add(`{"attributes":{"n":-9223372036854775809}}`)
	f.Add(`{"resource":{},"x":[[[]]],"attributes":{}}`)
	f.Add(`{"body":"\u2028"}`)
	// Lines with the default handler's resource, for the fast path.
	const res = `"resource":{"service.name":"unknown_service"},"instrumentation_scope":`
	f.Add(`{"timestamp":1,"observed_timestamp":2,"severity_text":"INFO","severity_number":9,"body":"b",` + res +
		`{"name":"n","version":"v"},"attributes":{"k\"":"v\\","n":[1,{"x":2.5e3}],"i":-7},"event_name":"e","trace_id":"t","span_id":"s","trace_flags":0}`)
	f.Add(`{"observed_timestamp":-2,"severity_text":"INFO","severity_number":9,"body":"b",` + res + `{"name":"n"},"attributes":{},"resource":{}}`)
	f.Add(`{"observed_timestamp":2,"severity_text":"INFO","severity_number":9,"body":"b",` + res + `{"name":"n"},"attributes":{"a":1}}`)
	c := NewHandler(io.Discard, &Options{Format: FormatOTLPJSON}).c
	f.Fuzz(func(t *testing.T, in string) {
		line := append([]byte{0}, in...)
		line = append(line, '\n')
		out, ok := transcode(nil, line)
		// The fast path, where it applies, reads the line the same way.
		if fout, fok := transcodeWith(nil, line, c); fok != ok || ok && string(fout) != string(out) {
			t.Fatalf("fast path gave %v %q, slow path %v %q", fok, fout, ok, out)
		}
		if len(out) == 0 || out[0] != 0 {
			t.Fatalf("lost the spare byte: %q", out)
		}
		if !ok {
			return
		}
		if out[len(out)-1] != '\n' || strings.Count(string(out[1:]), "\n") != 1 {
			t.Fatalf("not one line: %q", out)
		}
		if json.Valid([]byte(in)) && !json.Valid(out[1:len(out)-1]) {
			t.Fatalf("valid %s became invalid %s", in, out[1:])
		}
	})
}
