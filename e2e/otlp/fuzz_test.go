package otlp

import (
	"bytes"
	"log/slog"
	"math"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// FuzzCollectorDecodes writes random records in the OTLP/JSON format and
// feeds every line to the Collector's decoder: it must accept each one as a
// single log record, with the message, event name and the typed scalar
// attributes intact (unless limits replaced the record by the fallback).
func FuzzCollectorDecodes(f *testing.F) {
	f.Add("msg", "key", "value", "group", int64(1), 1.5, uint64(7), false)
	f.Add("", "", "", "", int64(0), 0.0, uint64(0), true)
	f.Add("a\nb\x00", "event_type", "schema_version", "request_id", int64(-1), math.NaN(), uint64(math.MaxUint64), false)
	f.Add("\u2028\xff\"}", "user.name", "password", ".", int64(math.MinInt64), 2.0, uint64(1<<63), true)
	f.Fuzz(func(t *testing.T, msg, key, val, group string, n int64, fl float64, u uint64, small bool) {
		o := &slogaudit.Options{ServiceName: val, Format: slogaudit.FormatOTLPJSON, Redactor: redact.None(),
			Resource: []slog.Attr{slog.String(key, msg)}, OnError: func(error) {},
			Now: func() time.Time { return obsTime }}
		if small {
			o.Limits = slogaudit.Limits{MaxRecordBytes: 1024, MaxStringLen: 16, MaxAttrs: 4, MaxMapEntries: 2, MaxListLen: 1, MaxDepth: 2}
		}
		var buf bytes.Buffer
		var h slog.Handler = slogaudit.NewHandler(&buf, o)
		if group != "" {
			h = h.WithAttrs([]slog.Attr{slog.String(key, val)}).WithGroup(group)
		}
		ctx := slogaudit.ContextWithAttrs(spanCtx(1), slog.String(slogaudit.KeyRequestID, val))
		r := slog.NewRecord(recTime, slog.Level(n%30), msg, 0)
		r.AddAttrs(
			slog.Int64("z.int", n), slog.Float64("z.float", fl), slog.Uint64("z.uint", u), slog.Bool("z.bool", small),
			slog.String(key, val), slog.Any(val, map[string]any{key: []any{n, fl, nil, msg}}),
			slog.Group(group, slog.String(key, msg)), slog.String(slogaudit.KeyEventType, val),
		)
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		line := buf.Bytes()
		if !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
			t.Fatalf("not one line: %q", line)
		}
		var um plog.JSONUnmarshaler
		ld, err := um.UnmarshalLogs(line)
		if err != nil {
			t.Fatalf("Collector rejects the line: %v\n%s", err, line)
		}
		if ld.LogRecordCount() != 1 {
			t.Fatalf("%d records in %s", ld.LogRecordCount(), line)
		}
		sameAsCollector(t, line) // the exporter's bodies decode to the same
		lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		if lr.Body().Str() == slogaudit.EventMalformedRecord || small {
			return // the fallback and cut values keep less than was logged
		}
		if utf8.ValidString(msg) && len(msg) < 1000 && lr.Body().Str() != msg {
			t.Errorf("body %q, logged %q", lr.Body().Str(), msg)
		}
		if utf8.ValidString(val) && len(val) < 1000 && lr.EventName() != val {
			t.Errorf("eventName %q, logged %q", lr.EventName(), val)
		}
		if lr.TraceID().String() != traceHex {
			t.Errorf("traceId %s", lr.TraceID())
		}
		attrs := lr.Attributes()
		check := func(k string, typ pcommon.ValueType, ok func(v pcommon.Value) bool) {
			v, found := attrs.Get(k)
			if !found {
				return // replaced by a later attribute with the same key
			}
			if v.Type() != typ || !ok(v) {
				t.Errorf("%s = %s %v", k, v.Type(), v.AsRaw())
			}
		}
		if key != "z.int" && val != "z.int" && group != "z" {
			check("z.int", pcommon.ValueTypeInt, func(v pcommon.Value) bool { return v.Int() == n })
		}
		if key != "z.float" && val != "z.float" && group != "z" && !math.IsNaN(fl) && !math.IsInf(fl, 0) {
			check("z.float", pcommon.ValueTypeDouble, func(v pcommon.Value) bool { return v.Double() == fl })
		}
		if key != "z.uint" && val != "z.uint" && group != "z" {
			if u > math.MaxInt64 {
				check("z.uint", pcommon.ValueTypeStr, func(v pcommon.Value) bool { return v.Str() != "" })
			} else {
				check("z.uint", pcommon.ValueTypeInt, func(v pcommon.Value) bool { return uint64(v.Int()) == u })
			}
		}
	})
}
