package slogaudit

import (
	"context"
	"log/slog"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The OTLP/JSON format is encoded directly from the record, by the pass
// that writes the default line. These tests hold it to a second, independent
// derivation: the default line of the same record run through the reference
// converter (otlp_reference_test.go, the transcoder the format used to be).

// integralDouble is a doubleValue written with the ".0" that keeps an
// integral float a double (12.0).
var integralDouble = regexp.MustCompile(`\{"doubleValue":(-?[0-9]+)\.0\}`)

// normDoubles rewrites every integral doubleValue as what the reference
// makes of the default line's integer (12): the one place where the direct
// encoding knows more than the line (the value was a float), checked on its
// own by TestOTLPValueTypes. Inside a JSON string a quote is escaped, so the
// pattern only matches AnyValues.
func normDoubles(s string) string {
	return integralDouble.ReplaceAllStringFunc(s, func(m string) string {
		d := integralDouble.FindStringSubmatch(m)[1]
		if fitsInt64(d) {
			return `{"intValue":"` + d + `"}`
		}
		return `{"stringValue":"` + d + `"}` // beyond int64, as the line's integer
	})
}

// directAndReference handles r with o (its Format ignored) in both formats,
// through wrap (WithAttrs, WithGroup), and returns the OTLP line and the
// reference conversion of the default line, both normalised by normDoubles.
func directAndReference(t testing.TB, o Options, wrap func(slog.Handler) slog.Handler, ctx context.Context, r slog.Record) (direct, ref string) {
	t.Helper()
	lines := [2]string{}
	for i, f := range []Format{FormatOTLPJSON, FormatJSONL} {
		o := o
		o.Format = f
		var buf lineBuffer
		var h slog.Handler = NewHandler(&buf, &o)
		if wrap != nil {
			h = wrap(h)
		}
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		lines[i] = strings.TrimSuffix(buf.String(), "\n")
	}
	conv, ok := transcodeJSONL(lines[1])
	if !ok {
		t.Fatalf("reference converter rejected %s", lines[1])
	}
	return normDoubles(lines[0]), normDoubles(conv)
}

// TestOTLPMatchesReference: for every shape the encoder writes (record time
// or none, the handler's scope or the record's own, trace context, request
// scope, every value kind, limits, the fallback record), the direct OTLP
// line is the reference conversion of the default line, byte for byte.
func TestOTLPMatchesReference(t *testing.T) {
	optss := map[string]Options{
		"default": {},
		"resource": {ServiceName: "svc\"\\", ServiceVersion: "1", SchemaVersion: "2",
			Resource: []slog.Attr{slog.Group("k8s", slog.String("pod", "p-1"), slog.Int("n", 2), slog.Float64("f", 1.5))},
			Scope:    Scope{Name: "my/scope", Version: "v1"}},
		"scope without version": {Scope: Scope{Name: "s"}},
		"small limits":          {Limits: Limits{MaxStringLen: 8, MaxAttrs: 3, MaxMapEntries: 1, MaxListLen: 1, MaxDepth: 2}},
		// Too long in both formats, whatever is shrunk or dropped: the
		// fallback record (MaxRecordBytes is otherwise out of play, since
		// the OTLP line is longer and shrinks sooner).
		"fallback": {Limits: Limits{MaxRecordBytes: 1024}},
	}
	recs := map[string]slog.Record{
		"bench":       benchRecord(),
		"no time":     slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0),
		"before 1970": slog.NewRecord(time.Unix(-5, 0), slog.LevelInfo, "m", 0),
		"lifted scope": record(slog.LevelWarn, "m", slog.String(KeyScopeName, "their/scope"),
			slog.String(KeyScopeVersion, "v2"), slog.String(KeyEventType, "e")),
		"lifted version": record(slog.LevelWarn, "m", slog.String(KeyScopeVersion, "v3")),
		"empty event":    record(slog.LevelWarn, "m", slog.String(KeyEventType, "")),
		"every kind": record(LevelCritical, "k\u2028\"", slog.Int64("i", -1), slog.Uint64("u", math.MaxUint64),
			slog.Float64("f", 2), slog.Float64("nan", math.NaN()), slog.Bool("b", true), slog.Any("nil", nil),
			slog.Any("m", map[string]any{"x": []any{1, "y\\\"", nil, 2.5, map[string]any{}, []any{}}}),
			slog.Any("bytes", []byte("abc")), slog.Time("t", time.Unix(1, 2)), slog.Duration("d", 3),
			slog.Any("s", struct {
				A int     `json:"a"`
				F float32 `json:"f"`
			}{1, 3}), slog.Any("password", "hunter2"), slog.Group("g", slog.Int("x", 1)),
			slog.String("esc\"key\\", "v\\"), slog.String("", "")),
		"huge": record(slog.LevelInfo, "m", slog.String(KeyEventType, strings.Repeat("e", 3000))),
	}
	wraps := map[string]func(slog.Handler) slog.Handler{
		"plain": nil,
		"with": func(h slog.Handler) slog.Handler {
			return h.WithAttrs([]slog.Attr{slog.String("tier", "gold"), slog.Float64("i", 4)}).WithGroup("app")
		},
	}
	for oname, o := range optss {
		for rname, r := range recs {
			for cname, ctx := range map[string]context.Context{"bg": context.Background(), "span": otlpReqCtx()} {
				for wname, wrap := range wraps {
					if oname == "fallback" && rname != "huge" {
						continue
					}
					t.Run(oname+"/"+rname+"/"+cname+"/"+wname, func(t *testing.T) {
						direct, ref := directAndReference(t, *withClock(&o), wrap, ctx, r)
						assert.Equal(t, ref, direct)
						if oname == "fallback" {
							assert.Contains(t, direct, `"body":{"stringValue":"`+EventMalformedRecord+`"}`)
						}
						decodeOTLP(t, direct)
					})
				}
			}
		}
	}
}

// TestOTLPMatchesReferenceControl shows that the comparison can fail: a
// default line of a record that differs in one value's type (1 and "1") or
// in one float (2.5 and 2) does not match the direct line.
func TestOTLPMatchesReferenceControl(t *testing.T) {
	for name, pair := range map[string][2]slog.Attr{
		"int and string": {slog.Int("n", 1), slog.String("n", "1")},
		"two floats":     {slog.Float64("n", 2.5), slog.Float64("n", 2)},
		"bool":           {slog.Bool("n", true), slog.String("n", "true")},
	} {
		o := *withClock(&Options{Format: FormatOTLPJSON})
		var ob lineBuffer
		require.NoError(t, NewHandler(&ob, &o).Handle(context.Background(), record(slog.LevelInfo, "m", pair[0])))
		o.Format = FormatJSONL
		var jb lineBuffer
		require.NoError(t, NewHandler(&jb, &o).Handle(context.Background(), record(slog.LevelInfo, "m", pair[1])))
		conv, ok := transcodeJSONL(strings.TrimSuffix(jb.String(), "\n"))
		require.True(t, ok)
		assert.NotEqual(t, normDoubles(conv), normDoubles(strings.TrimSuffix(ob.String(), "\n")), name)
	}
}

// TestOTLPValueTypes pins what normDoubles sets aside: an integral float
// stays a double with its ".0", an integer is an intValue. That holds in
// the resource too, which the transcoder read from a default-format
// resource and so wrote as {"intValue":"2"}.
func TestOTLPValueTypes(t *testing.T) {
	var buf lineBuffer
	h := NewHandler(&buf, withClock(&Options{Format: FormatOTLPJSON,
		Resource: []slog.Attr{slog.Float64("rf", 2), slog.Int("ri", 2)}}))
	require.NoError(t, h.Handle(context.Background(), record(slog.LevelInfo, "m",
		slog.Float64("f", 12), slog.Int("i", 12), slog.Any("f32", float32(3)), slog.Float64("big", 1e20))))
	line := buf.String()
	for _, want := range []string{
		`{"key":"f","value":{"doubleValue":12.0}}`, `{"key":"i","value":{"intValue":"12"}}`,
		`{"key":"f32","value":{"doubleValue":3.0}}`, `{"key":"big","value":{"doubleValue":100000000000000000000.0}}`,
		`{"key":"rf","value":{"doubleValue":2.0}}`, `{"key":"ri","value":{"intValue":"2"}}`,
	} {
		assert.Contains(t, line, want)
	}
}

// FuzzOTLPReference is TestOTLPMatchesReference for arbitrary records:
// whatever the record, limits and request scope, the direct OTLP line is
// the reference conversion of the default line. MaxRecordBytes is out of
// play (the OTLP line is longer, so it is shrunk sooner: see FuzzOTLP).
func FuzzOTLPReference(f *testing.F) {
	f.Add("msg", "key", "value", "group", int64(1), 1.5, uint64(7), false)
	f.Add("", "", "", "", int64(0), 0.0, uint64(0), true)
	f.Add("a\nb", "event_type", "schema_version", "request_id", int64(-1), math.Inf(-1), uint64(math.MaxUint64), false)
	f.Add("\u2028\xff\"}", "user.name", "password", ".", int64(math.MinInt64), 2.0, uint64(1<<63), true)
	f.Add(`{"resource":1}`, `"attributes":{`, `\"\\`, `\`, int64(1<<62), 1e21, uint64(1), false)
	f.Add("m", "otel.scope.version", "session.id", "app", int64(3), math.Copysign(0, -1), uint64(2), true)
	f.Fuzz(func(t *testing.T, msg, key, val, group string, n int64, fl float64, u uint64, small bool) {
		o := Options{ServiceName: val, Resource: []slog.Attr{slog.String(key, msg), slog.Float64(group, fl)},
			Now: fixedNow, OnError: func(error) {}, Limits: Limits{MaxRecordBytes: 1 << 30}}
		if small {
			o.Limits = Limits{MaxRecordBytes: 1 << 30, MaxStringLen: 16, MaxAttrs: 3, MaxMapEntries: 2, MaxListLen: 1, MaxDepth: 2}
		}
		var wrap func(slog.Handler) slog.Handler
		if group != "" {
			wrap = func(h slog.Handler) slog.Handler {
				return h.WithAttrs([]slog.Attr{slog.String(key, val), slog.Float64(val, fl)}).WithGroup(group)
			}
		}
		ctx := ContextWithAttrs(otlpSpanCtx(1), slog.String(key, val), slog.String(KeyRequestID, val))
		r := record(slog.Level(n%30), msg,
			slog.String(key, val), slog.Int64(val, n), slog.Float64(key+"f", fl), slog.Uint64(key+"u", u),
			slog.Bool(group, small), slog.Any(msg, nil), slog.Any(key+"b", []byte(val)),
			slog.Group(key, slog.String(val, key), slog.Group(group, slog.String(key, msg))),
			slog.Any("m", map[string]any{key: val, val: []any{n, fl, u, key, nil, map[string]string{group: msg}, []any{}}}),
			slog.String(KeyEventType, val), slog.String(KeyScopeName, group))
		direct, ref := directAndReference(t, o, wrap, ctx, r)
		if direct != ref {
			t.Fatalf("direct OTLP differs from the reference\ndirect:    %s\nreference: %s", direct, ref)
		}
	})
}
