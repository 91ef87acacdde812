package otlp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/trace"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// Fixed clocks: the record time and the handler's observed time.
var (
	recTime = time.Unix(1700000000, 123456789)
	obsTime = time.Unix(1700000000, 223456789)
)

const (
	traceHex = "5b8efff798038103d269b633813fc60c"
	spanHex  = "eee19b7ec3c1b174"
)

// val is an expected attribute value: its pdata type and its AsRaw form.
type val struct {
	typ pcommon.ValueType
	raw any
}

func str(s string) val     { return val{pcommon.ValueTypeStr, s} }
func integer(n int64) val  { return val{pcommon.ValueTypeInt, n} }
func double(f float64) val { return val{pcommon.ValueTypeDouble, f} }
func boolean(b bool) val   { return val{pcommon.ValueTypeBool, b} }
func kvlist(m map[string]any) val {
	return val{pcommon.ValueTypeMap, m}
}
func list(s ...any) val { return val{pcommon.ValueTypeSlice, s} }

var empty = val{pcommon.ValueTypeEmpty, nil}

// jsonMarshaler is a json.Marshaler with nested output.
type jsonMarshaler struct{}

func (jsonMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(`{"b":[true,null,2.50],"a":1}`), nil
}

type account struct {
	ID      int     `json:"id"`
	Owner   string  `json:"owner"`
	Balance float64 `json:"balance"`
	Secret  string  `json:"-"`
}

func spanCtx(flags trace.TraceFlags) context.Context {
	tid, _ := trace.TraceIDFromHex(traceHex)
	sid, _ := trace.SpanIDFromHex(spanHex)
	return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: flags,
	}))
}

// want is what the Collector must decode from the line.
type want struct {
	resource     map[string]any // nil: service.name "svc" only
	scopeName    string         // "": slogaudit.DefaultScopeName
	scopeVersion string
	noTime       bool
	severity     plog.SeverityNumber
	sevText      string
	body         string
	attrs        map[string]val // every attribute, exactly (schema_version "1.0" implied)
	eventName    string
	trace        bool
	flags        plog.LogRecordFlags
	check        func(t *testing.T, lr plog.LogRecord) // more, for limit cases
}

type testCase struct {
	name  string
	opts  slogaudit.Options
	ctx   context.Context
	wrap  func(h slog.Handler) slog.Handler
	time  time.Time
	level slog.Level
	msg   string
	attrs []slog.Attr
	want  want
}

func cases() []testCase {
	long := strings.Repeat("x", 3000)
	many := []slog.Attr{slog.String(slogaudit.KeyEventType, "bulk.import")}
	for _, c := range "abcdefgh" {
		many = append(many, slog.String("row."+string(c), strings.Repeat(string(c), 100)))
	}
	return []testCase{
		{
			name: "every value kind", opts: slogaudit.Options{Redactor: redact.None()},
			level: slog.LevelInfo, msg: "kinds",
			attrs: []slog.Attr{
				slog.String("s", "plain"), slog.Int64("i", math.MinInt64), slog.Int("int", 404),
				slog.Uint64("u.small", 7), slog.Uint64("u.max", math.MaxInt64), slog.Uint64("u.huge", math.MaxUint64),
				slog.Float64("f", 1.5), slog.Float64("f.integral", 2), slog.Float64("f.zero", 0),
				slog.Float64("f.big", 1e21), slog.Float64("f.1e20", 1e20), slog.Float64("f.tiny", 1e-7),
				slog.Float64("f.nan", math.NaN()), slog.Float64("f.inf", math.Inf(1)), slog.Float64("f.neginf", math.Inf(-1)),
				slog.Bool("b", true), slog.Time("t", time.Date(2026, 4, 5, 10, 0, 0, 5, time.UTC)),
				slog.Duration("d", 1500*time.Millisecond), slog.Any("err", errors.New("boom")),
				slog.Any("marshaler", jsonMarshaler{}), slog.Any("map", map[string]int{"b": 2, "a": 1}),
				slog.Any("slice", []any{"x", 1, 2.0, nil, []int{}}), slog.Any("floats", []float32{0.1, 3}),
				slog.Any("struct", account{ID: 7, Owner: "o", Balance: 3, Secret: "s"}),
				slog.Any("nilptr", (*account)(nil)), slog.Any("nil", nil), slog.Any("bytes", []byte("hello")),
				slog.Any("empty.map", map[string]any{}),
				slog.Group("g", slog.Int("n", 1), slog.Group("h", slog.Bool("deep", true))),
			},
			want: want{severity: plog.SeverityNumberInfo, sevText: "INFO", body: "kinds", attrs: map[string]val{
				"s": str("plain"), "i": integer(math.MinInt64), "int": integer(404),
				"u.small": integer(7), "u.max": integer(math.MaxInt64), "u.huge": str("18446744073709551615"),
				"f": double(1.5), "f.integral": double(2), "f.zero": double(0),
				"f.big": double(1e21), "f.1e20": double(1e20), "f.tiny": double(1e-7),
				"f.nan": str("NaN"), "f.inf": str("+Inf"), "f.neginf": str("-Inf"),
				"b": boolean(true), "t": str("2026-04-05T10:00:00.000000005Z"),
				"d": integer(1500000000), "err": str("boom"),
				"marshaler": kvlist(map[string]any{"a": int64(1), "b": []any{true, nil, 2.5}}),
				"map":       kvlist(map[string]any{"a": int64(1), "b": int64(2)}),
				"slice":     list("x", int64(1), 2.0, nil, []any{}),
				"floats":    list(0.1, 3.0),
				"struct":    kvlist(map[string]any{"id": int64(7), "owner": "o", "balance": 3.0}),
				"nilptr":    empty, "nil": empty, "bytes": str("aGVsbG8="),
				"empty.map": kvlist(map[string]any{}),
				"g.n":       integer(1), "g.h.deep": boolean(true),
			}},
		},
		{
			name: "groups and With", wrap: func(h slog.Handler) slog.Handler {
				return h.WithAttrs([]slog.Attr{slog.String("component", "auth")}).WithGroup("app")
			},
			level: slog.LevelWarn, msg: "auth.login.failed",
			attrs: []slog.Attr{
				slog.String(slogaudit.KeyEventType, "auth.login.failed"),
				slog.Group("http", slog.String("method", "POST"), slog.Group("resp", slog.Int("status", 401))),
				slog.String(slogaudit.KeyUserName, "maya"), slog.String("password", "hunter2"),
			},
			want: want{severity: plog.SeverityNumberWarn, sevText: "WARN", body: "auth.login.failed",
				eventName: "auth.login.failed", attrs: map[string]val{
					"event_type": str("auth.login.failed"), "component": str("auth"),
					"app.http.method": str("POST"), "app.http.resp.status": integer(401),
					"app.password": str(redact.Marker),
				}},
		},
		{
			name: "request scope, trace context, lifted scope", ctx: func() context.Context {
				ctx := slogaudit.ContextWithAttrs(spanCtx(trace.FlagsSampled),
					slog.String(slogaudit.KeyRequestID, "8bdc1a77fb744594ad67a59004a4a42b"),
					slog.String(slogaudit.KeyClientAddress, "203.0.113.10"))
				slogaudit.SetUser(ctx, slogaudit.User{ID: "42"})
				return ctx
			}(),
			opts: slogaudit.Options{ServiceName: "billing", ServiceVersion: "1.4.2",
				Resource: []slog.Attr{slog.Group("k8s", slog.String("pod.name", "p-1")), slog.Int("host.cpus", 2)}},
			level: slog.LevelError, msg: "http.response",
			attrs: []slog.Attr{
				slog.String(slogaudit.KeyScopeName, "github.com/secaudit/auditkit/httpaudit"),
				slog.String(slogaudit.KeyScopeVersion, "v0.1.0"),
				slog.String(slogaudit.KeyEventType, "http.response.server_error"),
				slog.Int(httpaudit.KeyHTTPStatusCode, 500),
			},
			want: want{
				resource:  map[string]any{"service.name": "billing", "service.version": "1.4.2", "k8s.pod.name": "p-1", "host.cpus": int64(2)},
				scopeName: "github.com/secaudit/auditkit/httpaudit", scopeVersion: "v0.1.0",
				severity: plog.SeverityNumberError, sevText: "ERROR", body: "http.response",
				eventName: "http.response.server_error", trace: true, flags: 1,
				attrs: map[string]val{
					"event_type": str("http.response.server_error"),
					"request_id": str("8bdc1a77fb744594ad67a59004a4a42b"), "client.address": str("203.0.113.10"),
					"user.id": str("42"), "http.response.status_code": integer(500),
				}},
		},
		{
			name: "unsampled span, critical, no time", ctx: spanCtx(0), time: time.Time{},
			opts:  slogaudit.Options{Scope: slogaudit.Scope{Name: "my/scope", Version: "v2"}},
			level: slogaudit.LevelCritical, msg: "authz.admin",
			want: want{scopeName: "my/scope", scopeVersion: "v2", noTime: true,
				severity: plog.SeverityNumberError2, sevText: "CRITICAL", body: "authz.admin", trace: true, flags: 0,
				attrs: map[string]val{}},
		},
		{
			name: "hostile strings", level: slog.LevelInfo, msg: "line\nbreak \"q\" \xff \u2028 \x00",
			attrs: []slog.Attr{slog.String("k\"e\ny", "v\\\"}]}\r\n\t\x1b")},
			want: want{severity: plog.SeverityNumberInfo, sevText: "INFO", body: "line\nbreak \"q\" \uFFFD \u2028 \x00",
				attrs: map[string]val{"k\"e\ny": str("v\\\"}]}\r\n\t\x1b")}},
		},
		{
			name: "levels beyond the named ones", level: slog.Level(-20), msg: "m",
			want: want{severity: plog.SeverityNumberTrace, sevText: "DEBUG-16", body: "m", attrs: map[string]val{}},
		},
		{
			name: "value limits", opts: slogaudit.Options{Limits: slogaudit.Limits{MaxStringLen: 10, MaxAttrs: 2, MaxListLen: 2, MaxMapEntries: 1, MaxDepth: 3}},
			level: slog.LevelInfo, msg: "limits",
			attrs: []slog.Attr{
				slog.String("s", "0123456789abcdef"), slog.Any("l", []int{1, 2, 3}),
				slog.Any("m", map[string]any{"a": 1, "b": map[string]any{"c": 1}}), slog.Int("dropped", 1),
			},
			want: want{severity: plog.SeverityNumberInfo, sevText: "INFO", body: "limits", attrs: map[string]val{
				"s":          str("0123456789" + slogaudit.TruncatedMarker),
				"l":          list(int64(1), int64(2), slogaudit.TruncatedMarker),
				"_truncated": str(slogaudit.TruncatedMarker),
			}},
		},
		{
			name: "long string shrunk to fit", opts: slogaudit.Options{Limits: slogaudit.Limits{MaxRecordBytes: 2048}},
			level: slog.LevelInfo, msg: "m", attrs: []slog.Attr{slog.String("long", long), slog.Int("n", 1)},
			want: want{severity: plog.SeverityNumberInfo, sevText: "INFO", body: "m", check: func(t *testing.T, lr plog.LogRecord) {
				v, ok := lr.Attributes().Get("long")
				require.True(t, ok)
				assert.Equal(t, pcommon.ValueTypeStr, v.Type())
				assert.True(t, strings.HasSuffix(v.Str(), slogaudit.TruncatedMarker))
				assert.True(t, strings.HasPrefix(long, strings.TrimSuffix(v.Str(), slogaudit.TruncatedMarker)))
				n, _ := lr.Attributes().Get("n")
				assert.Equal(t, int64(1), n.Int())
			}},
		},
		{
			name: "attributes dropped to fit", opts: slogaudit.Options{Limits: slogaudit.Limits{MaxRecordBytes: 1024}},
			level: slog.LevelInfo, msg: "bulk", attrs: many,
			want: want{severity: plog.SeverityNumberInfo, sevText: "INFO", body: "bulk", eventName: "bulk.import",
				check: func(t *testing.T, lr plog.LogRecord) {
					n, ok := lr.Attributes().Get(slogaudit.KeyDroppedAttributes)
					require.True(t, ok)
					assert.Equal(t, pcommon.ValueTypeInt, n.Type())
					kept := 0
					lr.Attributes().Range(func(k string, v pcommon.Value) bool {
						if strings.HasPrefix(k, "row.") {
							kept++
						}
						return true
					})
					assert.Equal(t, int64(8-kept), n.Int(), "dropped + kept = logged")
				}},
		},
		{
			name: "fallback record", ctx: spanCtx(trace.FlagsSampled),
			opts:  slogaudit.Options{Limits: slogaudit.Limits{MaxRecordBytes: 1024}},
			level: slog.LevelInfo, msg: "m", attrs: []slog.Attr{slog.String(slogaudit.KeyEventType, long)},
			want: want{severity: plog.SeverityNumberError, sevText: "ERROR", body: slogaudit.EventMalformedRecord,
				eventName: slogaudit.EventMalformedRecord, trace: true, flags: 1, attrs: map[string]val{
					"event_type":                str(slogaudit.EventMalformedRecord),
					"audit.original_event_type": str(long[:128] + slogaudit.TruncatedMarker),
				}},
		},
	}
}

// handle writes one record through an OTLP/JSON handler and returns the
// line, checking that it is exactly one line within MaxRecordBytes.
func handle(t testing.TB, tc testCase) []byte {
	t.Helper()
	var buf bytes.Buffer
	o := tc.opts
	o.Format = slogaudit.FormatOTLPJSON
	o.Now = func() time.Time { return obsTime }
	if o.ServiceName == "" {
		o.ServiceName = "svc"
	}
	var h slog.Handler = slogaudit.NewHandler(&buf, &o)
	if tc.wrap != nil {
		h = tc.wrap(h)
	}
	ctx := tc.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	tm := tc.time
	if tm.IsZero() && !tc.want.noTime {
		tm = recTime
	}
	r := slog.NewRecord(tm, tc.level, tc.msg, 0)
	r.AddAttrs(tc.attrs...)
	require.NoError(t, h.Handle(ctx, r))
	line := buf.Bytes()
	require.True(t, bytes.HasSuffix(line, []byte("\n")) && bytes.Count(line, []byte("\n")) == 1, "one line: %q", line)
	maxBytes := o.Limits.MaxRecordBytes
	if maxBytes == 0 {
		maxBytes = slogaudit.DefaultMaxRecordBytes
	}
	require.LessOrEqual(t, len(line), maxBytes)
	return line
}

// decode is what the Collector's otlpjsonfile receiver does with a line.
func decode(t testing.TB, line []byte) (plog.ResourceLogs, plog.ScopeLogs, plog.LogRecord) {
	t.Helper()
	var u plog.JSONUnmarshaler
	ld, err := u.UnmarshalLogs(line)
	require.NoError(t, err, "%s", line)
	require.Equal(t, 1, ld.LogRecordCount(), "%s", line)
	require.Equal(t, 1, ld.ResourceLogs().Len())
	rl := ld.ResourceLogs().At(0)
	require.Equal(t, 1, rl.ScopeLogs().Len())
	sl := rl.ScopeLogs().At(0)
	return rl, sl, sl.LogRecords().At(0)
}

// TestCollectorDecodes decodes each line with plog.JSONUnmarshaler and
// compares every field with what was logged, attribute types included.
func TestCollectorDecodes(t *testing.T) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			line := handle(t, tc)
			rl, sl, lr := decode(t, line)
			w := tc.want

			wantRes := w.resource
			if wantRes == nil {
				wantRes = map[string]any{"service.name": "svc"}
			}
			assert.Equal(t, wantRes, rl.Resource().Attributes().AsRaw(), "resource")
			scopeName := w.scopeName
			if scopeName == "" {
				scopeName = slogaudit.DefaultScopeName
			}
			assert.Equal(t, scopeName, sl.Scope().Name(), "scope name")
			assert.Equal(t, w.scopeVersion, sl.Scope().Version(), "scope version")

			if w.noTime {
				assert.Equal(t, pcommon.Timestamp(0), lr.Timestamp())
			} else {
				assert.Equal(t, pcommon.NewTimestampFromTime(recTime), lr.Timestamp())
			}
			assert.Equal(t, pcommon.NewTimestampFromTime(obsTime), lr.ObservedTimestamp())
			assert.Equal(t, w.severity, lr.SeverityNumber())
			assert.Equal(t, w.sevText, lr.SeverityText())
			assert.Equal(t, pcommon.ValueTypeStr, lr.Body().Type())
			assert.Equal(t, w.body, lr.Body().Str())
			assert.Equal(t, w.eventName, lr.EventName())

			if w.trace {
				assert.Equal(t, traceHex, lr.TraceID().String())
				assert.Equal(t, spanHex, lr.SpanID().String())
			} else {
				assert.True(t, lr.TraceID().IsEmpty())
				assert.True(t, lr.SpanID().IsEmpty())
			}
			assert.Equal(t, w.flags, lr.Flags())

			if w.attrs != nil {
				wantAttrs := map[string]val{slogaudit.KeySchemaVersion: str("1.0")}
				for k, v := range w.attrs {
					wantAttrs[k] = v
				}
				got := map[string]val{}
				lr.Attributes().Range(func(k string, v pcommon.Value) bool {
					got[k] = val{v.Type(), v.AsRaw()}
					return true
				})
				assert.Equal(t, len(got), lr.Attributes().Len(), "duplicate attribute keys")
				for k, v := range wantAttrs {
					g, ok := got[k]
					if assert.True(t, ok, "attribute %q missing", k) {
						assert.Equal(t, v.typ, g.typ, "type of %q", k)
						assert.Equal(t, v.raw, g.raw, "value of %q", k)
					}
				}
				for k := range got {
					_, ok := wantAttrs[k]
					assert.True(t, ok, "unexpected attribute %q", k)
				}
			}
			if w.check != nil {
				w.check(t, lr)
			}
		})
	}
}

// TestCollectorReadsFile writes every case into one file, as an application
// logging to a file does, and reads it as the otlpjsonfile receiver does: one
// request per line. Re-encoding with pdata's marshaler and decoding again
// gives the same logs, so nothing was read in a lossy way.
func TestCollectorReadsFile(t *testing.T) {
	var file bytes.Buffer
	for _, tc := range cases() {
		file.Write(handle(t, tc))
	}
	sc := bufio.NewScanner(&file)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var u plog.JSONUnmarshaler
		ld, err := u.UnmarshalLogs(sc.Bytes())
		require.NoError(t, err)
		require.Equal(t, 1, ld.LogRecordCount())
		again, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
		require.NoError(t, err)
		ld2, err := u.UnmarshalLogs(again)
		require.NoError(t, err)
		a := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		b := ld2.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		assert.Equal(t, a.Attributes().AsRaw(), b.Attributes().AsRaw())
		assert.Equal(t, a.Body().AsRaw(), b.Body().AsRaw())
		n++
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, len(cases()), n)
}
