package slogaudit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/secaudit/auditkit/redact"
)

// otlpSpanCtx carries the sampled span of the standards' examples.
func otlpSpanCtx(flags trace.TraceFlags) context.Context {
	tid, _ := trace.TraceIDFromHex("5b8efff798038103d269b633813fc60c")
	sid, _ := trace.SpanIDFromHex("eee19b7ec3c1b174")
	return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: flags,
	}))
}

// otlpReqCtx is a request scope as httpaudit builds it, inside a span.
func otlpReqCtx() context.Context {
	ctx := ContextWithAttrs(otlpSpanCtx(trace.FlagsSampled),
		slog.String(KeyRequestID, "8bdc1a77fb744594ad67a59004a4a42b"),
		slog.String(KeyClientAddress, "203.0.113.10"),
		slog.String(KeyPeerAddress, "10.0.0.3"),
		slog.String(keyHTTPRoute, "/api/{account}/transfer"))
	SetUser(ctx, User{ID: "42", Name: "maya"})
	return ctx
}

func otlpOpts(o Options) *Options {
	o.Format = FormatOTLPJSON
	return withClock(&o)
}

// jsonMarshaler is a json.Marshaler with nested output.
type jsonMarshaler struct{}

func (jsonMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(`{"b":[true,null,2.50],"a":1}`), nil
}

type otlpAccount struct {
	ID      int     `json:"id"`
	Owner   string  `json:"owner"`
	Balance float64 `json:"balance"`
	Secret  string  `json:"-"`
	Tags    []string
}

// TestOTLPGolden compares whole OTLP/JSON lines with
// testdata/otlp_<name>.golden (go test -run OTLPGolden -update rewrites
// them after a reviewed change).
func TestOTLPGolden(t *testing.T) {
	opts := Options{ServiceName: "billing", ServiceVersion: "1.4.2",
		Resource: []slog.Attr{slog.String("deployment.environment.name", "prod"), slog.Int("host.cpus", 2)},
		Scope:    Scope{Name: "github.com/secaudit/auditkit/slogaudit", Version: "v0.1.0"}}
	tests := []struct {
		name string
		opts Options
		ctx  context.Context
		log  func(l *slog.Logger, ctx context.Context)
	}{
		{"http_client_error", opts, otlpReqCtx(), func(l *slog.Logger, ctx context.Context) {
			l.LogAttrs(ctx, slog.LevelWarn, "http.response",
				slog.String(KeyScopeName, "github.com/secaudit/auditkit/httpaudit"),
				slog.String(KeyScopeVersion, "v0.1.0"),
				slog.String(KeyEventType, "http.response.client_error"),
				slog.String(keyHTTPMethod, "POST"), slog.String(keyURLScheme, "https"),
				slog.String(keyURLPath, "/api/acct-9/transfer"), slog.Int(keyHTTPStatusCode, 404),
				slog.String(KeyOutcome, OutcomeFailure), slog.Duration(keyDurationNS, 183*time.Microsecond),
				slog.Any(keyRequestBody, map[string]any{"amount": 12.5, "password": "hunter2", "to": "acct-7"}))
		}},
		{"every_kind", Options{ServiceName: "billing", Redactor: redact.None()}, context.Background(), func(l *slog.Logger, ctx context.Context) {
			l.LogAttrs(ctx, slog.LevelInfo, "kinds \"quoted\"\n",
				slog.String("s", "a\"b\\c\n\u2028é"), slog.Int64("i", math.MinInt64), slog.Uint64("u.small", 7),
				slog.Uint64("u.huge", math.MaxUint64), slog.Float64("f", 1.5), slog.Float64("f.integral", 2),
				slog.Float64("f.big", 1e21), slog.Float64("f.tiny", 1e-7), slog.Float64("f.nan", math.NaN()),
				slog.Float64("f.inf", math.Inf(1)), slog.Float64("f.neginf", math.Inf(-1)), slog.Bool("b", false),
				slog.Time("t", time.Date(2026, 4, 5, 10, 0, 0, 5, time.UTC)), slog.Duration("d", 1500*time.Millisecond),
				slog.Any("err", errors.New("boom")), slog.Any("marshaler", jsonMarshaler{}),
				slog.Any("map", map[string]int{"b": 2, "a": 1}), slog.Any("slice", []string{"x", "y"}),
				slog.Any("struct", otlpAccount{ID: 7, Owner: "o", Balance: 3, Secret: "s", Tags: []string{}}),
				slog.Any("nilptr", (*otlpAccount)(nil)), slog.Any("nil", nil), slog.Any("bytes", []byte("hello")),
				slog.Any("empty.map", map[string]any{}),
				slog.Group("g", slog.Int("n", 1), slog.Group("h", slog.Bool("deep", true))))
		}},
		{"login_failed_grouped", opts, otlpReqCtx(), func(l *slog.Logger, ctx context.Context) {
			l.With("component", "auth").WithGroup("app").LogAttrs(ctx, slog.LevelWarn, "auth.login.failed",
				slog.String(KeyEventType, "auth.login.failed"), slog.String(KeyUserName, "maya"),
				slog.String("reason", "bad_password"), slog.Any("error", errors.New("invalid credentials")))
		}},
		{"critical_no_trace", Options{ServiceName: "billing", IncludeUsernames: true}, context.Background(), func(l *slog.Logger, ctx context.Context) {
			l.LogAttrs(ctx, LevelCritical, "authz.admin",
				slog.String(KeyEventType, "authz.admin"), slog.String("target", "user:7"))
		}},
		{"fallback", Options{ServiceName: "billing", Limits: Limits{MaxRecordBytes: 1024}}, otlpReqCtx(), func(l *slog.Logger, ctx context.Context) {
			l.LogAttrs(ctx, slog.LevelInfo, "m", slog.String(KeyEventType, strings.Repeat("x", 1500)))
		}},
		{"dropped_attributes", Options{ServiceName: "billing", Limits: Limits{MaxRecordBytes: 1024}}, context.Background(), func(l *slog.Logger, ctx context.Context) {
			attrs := []slog.Attr{slog.String(KeyEventType, "bulk.import")}
			for i := range 8 {
				attrs = append(attrs, slog.String(fmt.Sprintf("row.%02d", i), strings.Repeat(string(rune('a'+i)), 100)))
			}
			l.LogAttrs(ctx, slog.LevelInfo, "bulk", attrs...)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf lineBuffer
			l := slog.New(&fixedTime{NewHandler(&buf, otlpOpts(tt.opts))})
			tt.log(l, tt.ctx)
			got := buf.String()
			require.True(t, strings.HasSuffix(got, "\n") && strings.Count(got, "\n") == 1, "one line: %q", got)
			decodeOTLP(t, strings.TrimSuffix(got, "\n"))
			assert.LessOrEqual(t, len(got), otlpOpts(tt.opts).Limits.withDefaults().MaxRecordBytes)
			path := filepath.Join("testdata", "otlp_"+tt.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -run OTLPGolden -update")
			assert.Equal(t, string(want), got)
		})
	}
}

// TestOTLPValues pins the AnyValue written for each kind of value.
func TestOTLPValues(t *testing.T) {
	deep := map[string]any{"a": map[string]any{"b": map[string]any{"c": 1}}} // c is at depth 4
	tests := []struct {
		name string
		v    slog.Value
		want string
	}{
		{"string", slog.StringValue("x"), `{"stringValue":"x"}`},
		{"string escapes", slog.StringValue("q\"b\\n\n\x1b\u2028\xff"), `{"stringValue":"q\"b\\n\n\u001b\u2028` + "\uFFFD" + `"}`},
		{"empty string", slog.StringValue(""), `{"stringValue":""}`},
		{"int64", slog.Int64Value(-5), `{"intValue":"-5"}`},
		{"int64 min", slog.Int64Value(math.MinInt64), `{"intValue":"-9223372036854775808"}`},
		{"int", slog.IntValue(404), `{"intValue":"404"}`},
		{"uint64 small", slog.Uint64Value(7), `{"intValue":"7"}`},
		{"uint64 max int64", slog.Uint64Value(math.MaxInt64), `{"intValue":"9223372036854775807"}`},
		{"uint64 huge", slog.Uint64Value(1 << 63), `{"stringValue":"9223372036854775808"}`},
		{"float", slog.Float64Value(1.5), `{"doubleValue":1.5}`},
		{"float integral", slog.Float64Value(2), `{"doubleValue":2.0}`},
		{"float zero", slog.Float64Value(0), `{"doubleValue":0.0}`},
		{"float negative zero", slog.Float64Value(math.Copysign(0, -1)), `{"doubleValue":-0.0}`},
		{"float 1e20", slog.Float64Value(1e20), `{"doubleValue":100000000000000000000.0}`},
		{"float 1e21", slog.Float64Value(1e21), `{"doubleValue":1e+21}`},
		{"float tiny", slog.Float64Value(1e-7), `{"doubleValue":1e-7}`},
		{"float32 elements", slog.AnyValue([]float32{0.1, 3}), `{"arrayValue":{"values":[{"doubleValue":0.1},{"doubleValue":3.0}]}}`},
		{"NaN", slog.Float64Value(math.NaN()), `{"stringValue":"NaN"}`},
		{"+Inf", slog.Float64Value(math.Inf(1)), `{"stringValue":"+Inf"}`},
		{"-Inf", slog.Float64Value(math.Inf(-1)), `{"stringValue":"-Inf"}`},
		{"bool true", slog.BoolValue(true), `{"boolValue":true}`},
		{"bool false", slog.BoolValue(false), `{"boolValue":false}`},
		{"time", slog.TimeValue(time.Date(2026, 4, 5, 10, 0, 0, 5, time.FixedZone("x", 3600))), `{"stringValue":"2026-04-05T09:00:00.000000005Z"}`},
		{"duration", slog.DurationValue(1500 * time.Millisecond), `{"intValue":"1500000000"}`},
		{"error", slog.AnyValue(errors.New("boom")), `{"stringValue":"boom"}`},
		{"json.Marshaler", slog.AnyValue(jsonMarshaler{}), `{"kvlistValue":{"values":[{"key":"a","value":{"intValue":"1"}},{"key":"b","value":{"arrayValue":{"values":[{"boolValue":true},{},{"doubleValue":2.50}]}}}]}}`},
		{"map", slog.AnyValue(map[string]int{"b": 2, "a": 1}), `{"kvlistValue":{"values":[{"key":"a","value":{"intValue":"1"}},{"key":"b","value":{"intValue":"2"}}]}}`},
		{"empty map", slog.AnyValue(map[string]any{}), `{"kvlistValue":{}}`},
		{"slice", slog.AnyValue([]any{"a", 1, 1.0, nil}), `{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"1"},{"doubleValue":1.0},{}]}}`},
		{"empty slice", slog.AnyValue([]int{}), `{"arrayValue":{}}`},
		{"nested slices", slog.AnyValue([][]int{{1}, {}}), `{"arrayValue":{"values":[{"arrayValue":{"values":[{"intValue":"1"}]}},{"arrayValue":{}}]}}`},
		{"struct", slog.AnyValue(otlpAccount{ID: 7, Owner: "o", Balance: 3, Secret: "s", Tags: []string{"t"}}),
			`{"kvlistValue":{"values":[{"key":"id","value":{"intValue":"7"}},{"key":"owner","value":{"stringValue":"o"}},` +
				`{"key":"balance","value":{"doubleValue":3.0}},{"key":"Tags","value":{"arrayValue":{"values":[{"stringValue":"t"}]}}}]}}`},
		{"nil pointer", slog.AnyValue((*otlpAccount)(nil)), `{}`},
		{"nil", slog.AnyValue(nil), `{}`},
		{"bytes", slog.AnyValue([]byte("hello")), `{"stringValue":"aGVsbG8="}`},
		{"past MaxDepth", slog.AnyValue(deep), `{"kvlistValue":{"values":[{"key":"a","value":{"kvlistValue":{"values":[{"key":"b","value":{"kvlistValue":{"values":[{"key":"c","value":{"stringValue":"[TRUNCATED]"}}]}}}]}}}]}}`},
		{"map in a group value", slog.AnyValue(map[string]any{"g": slog.GroupValue(slog.Int("n", 1))}), `{"kvlistValue":{"values":[{"key":"g","value":{"kvlistValue":{"values":[{"key":"n","value":{"intValue":"1"}}]}}}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf lineBuffer
			h := NewHandler(&buf, otlpOpts(Options{Redactor: redact.None(), Limits: Limits{MaxDepth: 4}}))
			line := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "m", slog.Any("v", tt.v)))
			decodeOTLP(t, line)
			var req struct {
				ResourceLogs []struct {
					ScopeLogs []struct {
						LogRecords []struct {
							Attributes []struct {
								Key   string
								Value json.RawMessage
							}
						}
					}
				}
			}
			require.NoError(t, json.Unmarshal([]byte(line), &req))
			attrs := req.ResourceLogs[0].ScopeLogs[0].LogRecords[0].Attributes
			require.Len(t, attrs, 2, line) // schema_version and v
			assert.Equal(t, "v", attrs[1].Key)
			assert.Equal(t, tt.want, string(attrs[1].Value))
		})
	}
}

// TestOTLPGroups checks that groups are dotted keys, as in the default
// format, from WithGroup, slog.Group and a LogValuer resolving to a group.
func TestOTLPGroups(t *testing.T) {
	var buf lineBuffer
	h := NewHandler(&buf, otlpOpts(Options{}))
	hg := h.WithAttrs([]slog.Attr{slog.String("tier", "gold")}).WithGroup("app").WithAttrs([]slog.Attr{slog.Int("shard", 3)}).WithGroup("db")
	line := handleOne(t, hg, &buf, context.Background(), record(slog.LevelInfo, "m",
		slog.Group("q", slog.String("op", "select"), slog.Group("", slog.Int("rows", 2))),
		slog.Any("lv", groupValuer{}), slog.Group("empty")))
	_, lr := decodeOTLP(t, line)
	var keys []string
	for _, kv := range lr.Attributes {
		keys = append(keys, kv.Key)
	}
	assert.Equal(t, []string{KeySchemaVersion, "tier", "app.shard", "app.db.q.op", "app.db.q.rows", "app.db.lv.x"}, keys)
}

type groupValuer struct{}

func (groupValuer) LogValue() slog.Value { return slog.GroupValue(slog.Bool("x", true)) }

// TestOTLPTraceContext: trace fields come from a valid span only; flags
// are a number and left out when zero, as the protobuf JSON mapping does.
func TestOTLPTraceContext(t *testing.T) {
	tests := []struct {
		name      string
		ctx       context.Context
		wantTrace bool
		wantFlags *uint32
	}{
		{"sampled", otlpSpanCtx(trace.FlagsSampled), true, ptr(uint32(1))},
		{"not sampled", otlpSpanCtx(0), true, nil},
		{"no span", context.Background(), false, nil},
		{"invalid span", trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceFlags: 1})), false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf lineBuffer
			h := NewHandler(&buf, otlpOpts(Options{}))
			line := handleOne(t, h, &buf, tt.ctx, record(slog.LevelInfo, "m"))
			_, lr := decodeOTLP(t, line)
			if tt.wantTrace {
				require.NotNil(t, lr.TraceID)
				assert.Equal(t, "5b8efff798038103d269b633813fc60c", *lr.TraceID)
				assert.Equal(t, "eee19b7ec3c1b174", *lr.SpanID)
			} else {
				assert.Nil(t, lr.TraceID)
				assert.Nil(t, lr.SpanID)
				assert.NotContains(t, line, "traceId")
			}
			assert.Equal(t, tt.wantFlags, lr.Flags)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestOTLPSeverityAndTimes follows the standards' severity table and
// timestamp rules: severityNumber a number, times decimal strings, a zero
// record time and a time before 1970 (no fixed64 form) left out.
func TestOTLPSeverityAndTimes(t *testing.T) {
	tests := []struct {
		level    slog.Level
		time     time.Time
		wantNum  int
		wantText string
		wantTime *string
	}{
		{-8, recTime, 1, "DEBUG-4", ptr("1712345678000000000")},
		{slog.LevelDebug, recTime, 5, "DEBUG", ptr("1712345678000000000")},
		{slog.LevelInfo, time.Unix(1700000000, 123456789), 9, "INFO", ptr("1700000000123456789")},
		{slog.LevelWarn, recTime, 13, "WARN", ptr("1712345678000000000")},
		{slog.LevelError, recTime, 17, "ERROR", ptr("1712345678000000000")},
		{LevelCritical, recTime, 18, "CRITICAL", ptr("1712345678000000000")},
		{12, time.Unix(0, 5), 21, "ERROR+4", ptr("5")},
		{20, time.Time{}, 24, "ERROR+12", nil},
		{-20, time.Unix(-1, 0), 1, "DEBUG-16", nil},
	}
	for _, tt := range tests {
		t.Run(tt.wantText, func(t *testing.T) {
			var buf lineBuffer
			h := NewHandler(&buf, otlpOpts(Options{Level: slog.Level(-100)}))
			r := slog.NewRecord(tt.time, tt.level, "m", 0)
			line := handleOne(t, h, &buf, context.Background(), r)
			_, lr := decodeOTLP(t, line)
			assert.Equal(t, tt.wantNum, lr.SeverityNumber)
			assert.Equal(t, tt.wantText, lr.SeverityText)
			assert.Equal(t, tt.wantTime, lr.TimeUnixNano)
			assert.Equal(t, ptr("1712345678000001000"), lr.ObservedTimeUnixNano)
		})
	}
}

// TestOTLPMatchesJSONL logs the same records through a JSON lines handler
// and an OTLP handler and checks, field by field, that both lines carry the
// same data.
func TestOTLPMatchesJSONL(t *testing.T) {
	type logFn func(l *slog.Logger, ctx context.Context)
	records := map[string]logFn{
		"plain": func(l *slog.Logger, ctx context.Context) {
			l.LogAttrs(ctx, slog.LevelInfo, "hello", slog.Int("n", 1))
		},
		"every kind": func(l *slog.Logger, ctx context.Context) {
			l.LogAttrs(ctx, slog.LevelWarn, "kinds", slog.String(KeyEventType, "k"),
				slog.Int64("i", -1), slog.Uint64("u", math.MaxUint64), slog.Float64("f", 2),
				slog.Float64("nan", math.NaN()), slog.Bool("b", true), slog.Time("t", recTime),
				slog.Any("m", map[string]any{"x": []any{1, "y", nil, 2.5, map[string]any{}}}),
				slog.Any("s", otlpAccount{ID: 1}), slog.Any("j", jsonMarshaler{}), slog.Any("nil", nil))
		},
		"scope and groups": func(l *slog.Logger, ctx context.Context) {
			l.With("a", 1).WithGroup("g").LogAttrs(ctx, slog.LevelError, "x",
				slog.String(KeyScopeName, "my/scope"), slog.Group("h", slog.String("password", "p")))
		},
		"redacted and cut": func(l *slog.Logger, ctx context.Context) {
			l.LogAttrs(ctx, slog.LevelInfo, "y", slog.String("token", "t"),
				slog.String("long", strings.Repeat("é", 5000)), slog.Any("list", make([]int, 150)))
		},
	}
	ctxs := map[string]context.Context{"request": otlpReqCtx(), "background": context.Background()}
	opts := Options{ServiceName: "svc", ServiceVersion: "1", Resource: []slog.Attr{slog.Group("k8s", slog.String("pod", "p-1"))}}
	for name, log := range records {
		for cname, ctx := range ctxs {
			t.Run(name+"/"+cname, func(t *testing.T) {
				var jb, ob lineBuffer
				log(slog.New(&fixedTime{NewHandler(&jb, withClock(&opts))}), ctx)
				log(slog.New(&fixedTime{NewHandler(&ob, otlpOpts(opts))}), ctx)
				if d := sameRecord(strings.TrimSuffix(jb.String(), "\n"), strings.TrimSuffix(ob.String(), "\n")); d != "" {
					t.Errorf("%s\nJSON lines: %sOTLP: %s", d, jb.String(), ob.String())
				}
			})
		}
	}
}

// TestOTLPLimits: MaxRecordBytes bounds the OTLP line, which is longer
// than the JSON lines line for the same record, so a record that fits as
// JSON lines may be shrunk as OTLP; strings are halved first, then
// attributes dropped and counted, then the fallback record is written.
func TestOTLPLimits(t *testing.T) {
	many := func(n int) []slog.Attr {
		var as []slog.Attr
		for i := range n {
			as = append(as, slog.String(fmt.Sprintf("k%03d", i), strings.Repeat("v", 40)))
		}
		return as
	}
	tiny := func(n int) []slog.Attr {
		var as []slog.Attr
		for i := range n {
			as = append(as, slog.String(string(rune('A'+i)), "v"))
		}
		return as
	}
	tests := []struct {
		name  string
		max   int // 0: exactly the length of the JSON lines line
		attrs []slog.Attr
		check func(t *testing.T, lr otlpLogRecord)
	}{
		{"long string halved", 0, []slog.Attr{slog.String("s", strings.Repeat("a", 1500))}, func(t *testing.T, lr otlpLogRecord) {
			v := attr(lr, "s").StringValue
			require.NotNil(t, v)
			assert.True(t, strings.HasSuffix(*v, TruncatedMarker), *v)
			assert.Less(t, len(*v), 1500)
		}},
		{"many attributes dropped", 0, many(60), func(t *testing.T, lr otlpLogRecord) {
			n := attr(lr, KeyDroppedAttributes).IntValue
			require.NotNil(t, n, "%+v", lr.Attributes)
			assert.NotEqual(t, "0", *n)
			assert.Less(t, len(lr.Attributes), 62)
		}},
		// Each `,"k":"v"` entry grows fivefold as an OTLP KeyValue: the
		// drops must be counted at their OTLP size, or all of them look too
		// small to help and the record falls back.
		{"many tiny attributes dropped", 1024, tiny(60), func(t *testing.T, lr otlpLogRecord) {
			require.NotNil(t, lr.Body.StringValue)
			assert.Equal(t, "m", *lr.Body.StringValue)
			n := attr(lr, KeyDroppedAttributes).IntValue
			require.NotNil(t, n, "%+v", lr.Attributes)
			dropped, err := strconv.Atoi(*n)
			require.NoError(t, err)
			assert.Equal(t, 60, dropped+len(lr.Attributes)-2, "kept + dropped") // schema_version, counter
			assert.Greater(t, len(lr.Attributes), 2, "some attributes kept")
		}},
		{"fallback", 1024, []slog.Attr{slog.String(KeyEventType, strings.Repeat("e", 2000))}, func(t *testing.T, lr otlpLogRecord) {
			assert.Equal(t, EventMalformedRecord, *lr.Body.StringValue)
			assert.Equal(t, EventMalformedRecord, *lr.EventName)
			assert.Equal(t, 17, lr.SeverityNumber)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := record(slog.LevelInfo, "m", tt.attrs...)
			o := Options{ServiceName: "svc", Limits: Limits{MaxRecordBytes: tt.max}}
			if tt.max == 0 {
				var jb lineBuffer
				jline := handleOne(t, NewHandler(&jb, withClock(&o)), &jb, context.Background(), r)
				require.NotContains(t, jline, TruncatedMarker)
				o.Limits.MaxRecordBytes = len(jline) + 1 // fits as JSON lines, untouched
			}
			var ob lineBuffer
			line := handleOne(t, NewHandler(&ob, otlpOpts(o)), &ob, context.Background(), r)
			assert.LessOrEqual(t, len(line)+1, o.Limits.MaxRecordBytes)
			_, lr := decodeOTLP(t, line)
			tt.check(t, lr)
		})
	}
}

func attr(lr otlpLogRecord, key string) otlpAnyValue {
	for _, kv := range lr.Attributes {
		if kv.Key == key {
			return kv.Value
		}
	}
	return otlpAnyValue{}
}

// TestOTLPFallbackFits: the fallback record, at its largest (long service
// name, scope, request id and event type, multi-byte runes that escape to
// six bytes each, trace context), fits the minimum MaxRecordBytes in the
// OTLP format too.
func TestOTLPFallbackFits(t *testing.T) {
	huge := strings.Repeat("\x01", 600)
	o := Options{ServiceName: huge, Scope: Scope{Name: huge, Version: huge}, SchemaVersion: huge,
		Limits: Limits{MaxRecordBytes: 1024}, Redactor: redact.None()}
	ctx := ContextWithAttrs(otlpSpanCtx(trace.FlagsSampled), slog.String(KeyRequestID, huge))
	var buf lineBuffer
	line := handleOne(t, NewHandler(&buf, otlpOpts(o)), &buf, ctx, record(slog.LevelInfo, "m",
		slog.String(KeyEventType, huge), slog.String(KeyScopeName, huge), slog.String("x", strings.Repeat("y", 3000))))
	assert.LessOrEqual(t, len(line)+1, 1024)
	_, lr := decodeOTLP(t, line)
	assert.Equal(t, EventMalformedRecord, *lr.EventName)
	assert.Equal(t, EventMalformedRecord, *attr(lr, KeyEventType).StringValue)
}

// TestTranscodeRejects feeds the reference converter lines the encoder never
// writes: it must report them, never panic or write half a line.
func TestTranscodeRejects(t *testing.T) {
	for _, in := range []string{
		``, `{`, `}`, `[]`, `{"a"}`, `{"a":}`, `{"attributes":{"k":tru}}`, `{"attributes":{"k":"v}}`,
		`{"attributes":{"k":[1,}}`, `{"attributes":{"k":{"x"}}}`, `{"body":1}`, `{"timestamp":"x"}`,
		`{"attributes":{}} trailing`, `{"attributes":{}}{}`, `{"attributes":{},"resource":{}}`,
		`{"instrumentation_scope":{},"instrumentation_scope":{}}`, `{ "attributes":{}}`,
		"{\"attributes\":{\"\n\":0}}", // a raw newline would split the line
		`{"attributes":{"k":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}}`,
	} {
		out, ok := transcodeJSONL(in)
		assert.False(t, ok, "%q gave %q", in, out)
	}
}

// TestTranscodeAccepts covers shapes the envelope allows that the handler
// rarely produces: empty objects, a missing resource or scope, fields in
// other places, unknown fields (skipped).
func TestTranscodeAccepts(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{}`, `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{}]}]}]}`},
		{`{"observed_timestamp":1,"severity_text":"INFO","severity_number":9,"body":"b","attributes":{}}`,
			`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"observedTimeUnixNano":"1","severityNumber":9,"severityText":"INFO","body":{"stringValue":"b"}}]}]}]}`},
		{`{"resource":{},"attributes":{"a":1},"body":"late","seq":5,"chain":{"x":[1,{"y":null}]},"trace_flags":0}`,
			`{"resourceLogs":[{"resource":{},"scopeLogs":[{"logRecords":[{"attributes":[{"key":"a","value":{"intValue":"1"}}],"body":{"stringValue":"late"}}]}]}]}`},
		{`{"instrumentation_scope":{"name":"n"},"attributes":{"big":92233720368547758070,"neg":-9223372036854775809,"e":1E5}}`,
			`{"resourceLogs":[{"scopeLogs":[{"scope":{"name":"n"},"logRecords":[{"attributes":[{"key":"big","value":{"stringValue":"92233720368547758070"}},{"key":"neg","value":{"stringValue":"-9223372036854775809"}},{"key":"e","value":{"doubleValue":1E5}}]}]}]}]}`},
		{`{"attributes":{"k\"\\":"v\\\"}\\"}}`,
			`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"k\"\\","value":{"stringValue":"v\\\"}\\"}}]}]}]}]}`},
	}
	for _, tt := range tests {
		got, ok := transcodeJSONL(tt.in)
		assert.True(t, ok, tt.in)
		assert.Equal(t, tt.want, got)
		assert.NoError(t, validateNoDup(got))
	}
}

// TestOTLPAllocs pins the allocation budget of the OTLP format: nothing
// per record once warm, as for JSON lines.
func TestOTLPAllocs(t *testing.T) {
	r := benchRecord()
	scoped := ContextWithAttrs(otlpSpanCtx(trace.FlagsSampled), slog.String(KeyRequestID, "8bdc1a77fb744594ad67a59004a4a42b"),
		slog.String(KeyClientAddress, "203.0.113.10"))
	SetUser(scoped, User{ID: "42"})
	for _, rd := range []*redact.Redactor{redact.None(), redact.Default()} {
		h := NewHandler(io.Discard, &Options{Format: FormatOTLPJSON, Redactor: rd,
			Resource: []slog.Attr{slog.String("deployment.environment.name", "prod")}})
		wantAllocs(t, 0, func() { _ = h.Handle(context.Background(), r) })
		hw := h.WithAttrs([]slog.Attr{slog.String("service.tier", "gold"), slog.Any("m", map[string]int{"a": 1})}).WithGroup("app")
		wantAllocs(t, 0, func() { _ = hw.Handle(scoped, r) })
	}
}
