package slogaudit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/secaudit/auditkit/redact"
)

type stringer struct{ s string }

func (s stringer) String() string { return "S:" + s.s }

type textM struct{}

func (textM) MarshalText() ([]byte, error) { return []byte("text-form"), nil }

type jsonM struct{ raw string }

func (j jsonM) MarshalJSON() ([]byte, error) { return []byte(j.raw), nil }

type jsonErr struct{}

func (jsonErr) MarshalJSON() ([]byte, error) { return nil, errors.New("nope") }

type ptrErr struct{ msg string }

func (e *ptrErr) Error() string { return e.msg }

type account struct {
	ID       int    `json:"id"`
	Owner    string `json:"owner"`
	Password string `json:"password"`
	Skip     string `json:"-"`
	Note     string `json:"note,omitempty"`
	hidden   string
	Nested   *account `json:"nested,omitempty"`
}

type lazy struct{ v slog.Value }

func (l lazy) LogValue() slog.Value { return l.v }

func mustRedactor(t *testing.T, o redact.Options) *redact.Redactor {
	t.Helper()
	r, err := redact.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestHandlerTable checks one full line per rule, with fixed clocks.
func TestHandlerTable(t *testing.T) {
	hmacR := mustRedactor(t, redact.Options{HMACKey: []byte("k")})
	valueR := mustRedactor(t, redact.Options{ValuePatterns: []string{`^sk-[a-z0-9]+$`}})
	tid, _ := trace.TraceIDFromHex("0102030405060708090a0b0c0d0e0f10")
	sid, _ := trace.SpanIDFromHex("a1a2a3a4a5a6a7a8")
	spanCtx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled,
	}))
	scoped := func(attrs ...slog.Attr) func() context.Context {
		return func() context.Context { return ContextWithAttrs(context.Background(), attrs...) }
	}
	withUser := func(u User, attrs ...slog.Attr) func() context.Context {
		return func() context.Context {
			ctx := ContextWithAttrs(context.Background(), attrs...)
			SetUser(ctx, u)
			return ctx
		}
	}
	info := func(attrs string) string { return envelope("INFO", 9, "msg", attrs, "") }

	tests := []struct {
		name  string
		opts  *Options
		ctx   func() context.Context
		with  func(slog.Handler) slog.Handler
		level slog.Level
		msg   string
		time  *time.Time
		attrs []slog.Attr
		want  string
	}{
		// Envelope.
		{name: "minimal", want: info(`{"schema_version":"1.0"}`)},
		{name: "zero time omitted", time: &time.Time{},
			want: `{"observed_timestamp":1712345678000001000,"severity_text":"INFO","severity_number":9,"body":"msg","resource":{"service.name":"billing"},"instrumentation_scope":{"name":"github.com/secaudit/auditkit/slogaudit"},"attributes":{"schema_version":"1.0"}}`},
		{name: "debug", level: slog.LevelDebug, opts: &Options{Level: slog.LevelDebug}, want: envelope("DEBUG", 5, "msg", `{"schema_version":"1.0"}`, "")},
		{name: "warn", level: slog.LevelWarn, want: envelope("WARN", 13, "msg", `{"schema_version":"1.0"}`, "")},
		{name: "error", level: slog.LevelError, want: envelope("ERROR", 17, "msg", `{"schema_version":"1.0"}`, "")},
		{name: "critical", level: LevelCritical, want: envelope("CRITICAL", 18, "msg", `{"schema_version":"1.0"}`, "")},
		{name: "between levels", level: slog.LevelWarn + 2, want: envelope("WARN+2", 15, "msg", `{"schema_version":"1.0"}`, "")},
		{name: "clamped high", level: slog.Level(40), want: envelope("ERROR+32", 24, "msg", `{"schema_version":"1.0"}`, "")},
		{name: "clamped low", level: slog.Level(-20), opts: &Options{Level: slog.Level(-20)}, want: envelope("DEBUG-16", 1, "msg", `{"schema_version":"1.0"}`, "")},
		{name: "event_type and event_name",
			attrs: []slog.Attr{slog.String("a", "1"), slog.String(KeyEventType, "auth.login.failed")},
			want:  envelope("INFO", 9, "msg", `{"event_type":"auth.login.failed","schema_version":"1.0","a":"1"}`, "auth.login.failed")},
		{name: "body escaped", msg: "two\nlines \"quoted\" <b>",
			want: envelope("INFO", 9, "two\nlines \"quoted\" <b>", `{"schema_version":"1.0"}`, "")},
		{name: "resource and scope options",
			opts: &Options{ServiceName: "svc", ServiceVersion: "1.2", Scope: Scope{Name: "my/scope", Version: "v9"},
				Resource: []slog.Attr{slog.String("deployment.environment", "prod"), slog.Group("host", slog.String("name", "h1"))}},
			want: `{"timestamp":1712345678000000000,"observed_timestamp":1712345678000001000,"severity_text":"INFO","severity_number":9,"body":"msg","resource":{"service.name":"svc","service.version":"1.2","deployment.environment":"prod","host.name":"h1"},"instrumentation_scope":{"name":"my/scope","version":"v9"},"attributes":{"schema_version":"1.0"}}`},
		{name: "default service name", opts: &Options{},
			want: strings.Replace(info(`{"schema_version":"1.0"}`), "billing", "unknown_service", 1)},
		{name: "scope lifted from attrs at any depth, record over With",
			with: func(h slog.Handler) slog.Handler {
				return h.WithAttrs([]slog.Attr{slog.String(KeyScopeName, "with/scope")}).WithGroup("app")
			},
			attrs: []slog.Attr{slog.String(KeyScopeName, "rec/scope"), slog.String(KeyScopeVersion, "v2"), slog.Int("n", 1)},
			want:  strings.Replace(info(`{"schema_version":"1.0","app.n":1}`), `{"name":"github.com/secaudit/auditkit/slogaudit"}`, `{"name":"rec/scope","version":"v2"}`, 1)},
		{name: "trace context", ctx: func() context.Context { return spanCtx },
			want: strings.TrimSuffix(info(`{"schema_version":"1.0"}`), "}") + `,"trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"a1a2a3a4a5a6a7a8","trace_flags":1}`},

		// Values.
		{name: "kinds", attrs: []slog.Attr{
			slog.String("s", "x"), slog.Int("i", -3), slog.Uint64("u", 7), slog.Uint64("big", math.MaxUint64),
			slog.Float64("f", 1.5), slog.Float64("nan", math.NaN()), slog.Float64("inf", math.Inf(1)), slog.Float64("ninf", math.Inf(-1)),
			slog.Bool("b", true), slog.Duration("d", 1500*time.Millisecond),
			slog.Time("t", time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))),
			slog.Any("nil", nil), slog.Any("bytes", []byte("hi")), slog.Any("err", errors.New("boom")),
			slog.Any("nilerr", (*ptrErr)(nil)), slog.Any("ip", netip.MustParseAddr("10.0.0.1")),
		}, want: info(`{"schema_version":"1.0","s":"x","i":-3,"u":7,"big":"18446744073709551615","f":1.5,"nan":"NaN","inf":"+Inf","ninf":"-Inf","b":true,"d":1500000000,"t":"2026-01-02T02:04:05.000000006Z","nil":null,"bytes":"aGk=","err":"boom","nilerr":null,"ip":"10.0.0.1"}`)},
		{name: "strings escaped", attrs: []slog.Attr{slog.String("s", "a\"b\\c\nd\u2028e\x01\xff<>&")},
			want: info(`{"schema_version":"1.0","s":"a\"b\\c\nd\u2028e\u0001` + "\uFFFD" + `<>&"}`)},
		{name: "interfaces", attrs: []slog.Attr{
			slog.Any("str", stringer{"v"}), slog.Any("text", textM{}),
			slog.Any("json", jsonM{`{"b":2,"a":[1,2.5,"x"],"token":"t","n":18446744073709551616}`}),
			slog.Any("badjson", jsonM{`{"a":`}), slog.Any("errjson", jsonErr{}),
		}, want: info(`{"schema_version":"1.0","str":"S:v","text":"text-form","json":{"a":[1,2.5,"x"],"b":2,"n":18446744073709551616,"token":"[REDACTED]"},"badjson":"[INVALID JSON]","errjson":"[ERROR]"}`)},
		{name: "reflection", attrs: []slog.Attr{
			slog.Any("acct", &account{ID: 1, Owner: "o", Password: "p", Skip: "s", hidden: "h"}),
			slog.Any("m", map[string]int{"b": 2, "a": 1}),
			slog.Any("im", map[int]bool{10: true, 9: false}),
			slog.Any("list", []any{1, "two", nil, []int{3}}),
			slog.Any("arr", [2]string{"x", "y"}),
			slog.Any("nilptr", (*account)(nil)),
			slog.Any("nilmap", map[string]int(nil)),
		}, want: info(`{"schema_version":"1.0","acct":{"id":1,"owner":"o","password":"[REDACTED]"},"m":{"a":1,"b":2},"im":{"10":true,"9":false},"list":[1,"two",null,[3]],"arr":["x","y"],"nilptr":null,"nilmap":null}`)},
		{name: "LogValuer resolved", attrs: []slog.Attr{slog.Any("lv", lazy{slog.IntValue(5)}), slog.Any("lg", lazy{slog.GroupValue(slog.Int("x", 1))})},
			want: info(`{"schema_version":"1.0","lv":5,"lg.x":1}`)},

		// Groups and keys.
		{name: "groups flatten", attrs: []slog.Attr{
			slog.Group("http", slog.String("method", "GET"), slog.Group("response", slog.Int("status_code", 200))),
			slog.Group("empty"), slog.Group("", slog.Int("inlined", 1)), {},
		}, want: info(`{"schema_version":"1.0","http.method":"GET","http.response.status_code":200,"inlined":1}`)},
		{name: "WithAttrs and WithGroup",
			with: func(h slog.Handler) slog.Handler {
				return h.WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g").WithAttrs([]slog.Attr{slog.Int("b", 2)}).WithGroup("h")
			},
			attrs: []slog.Attr{slog.Int("c", 3)},
			want:  info(`{"schema_version":"1.0","a":1,"g.b":2,"g.h.c":3}`)},
		{name: "WithGroup without record attrs", with: func(h slog.Handler) slog.Handler { return h.WithGroup("g") },
			want: info(`{"schema_version":"1.0"}`)},
		{name: "later wins: record over With, within record",
			with: func(h slog.Handler) slog.Handler {
				return h.WithAttrs([]slog.Attr{slog.String("k", "with"), slog.String("w", "1")})
			},
			attrs: []slog.Attr{slog.String("k", "rec1"), slog.String("x", "2"), slog.String("k", "rec2")},
			want:  info(`{"schema_version":"1.0","w":"1","x":"2","k":"rec2"}`)},
		{name: "group key colliding with dotted key",
			attrs: []slog.Attr{slog.String("a.b", "1"), slog.Group("a", slog.String("b", "2"))},
			want:  info(`{"schema_version":"1.0","a.b":"2"}`)},
		{name: "event_type under WithGroup, record over With",
			with: func(h slog.Handler) slog.Handler {
				return h.WithAttrs([]slog.Attr{slog.String(KeyEventType, "with.event")}).WithGroup("app")
			},
			attrs: []slog.Attr{slog.String(KeyEventType, "rec.event"), slog.Int("n", 1)},
			want:  envelope("INFO", 9, "msg", `{"event_type":"rec.event","schema_version":"1.0","app.n":1}`, "rec.event")},
		{name: "event_type inside a slog.Group value is data",
			with: func(h slog.Handler) slog.Handler {
				return h.WithAttrs([]slog.Attr{slog.String(KeyEventType, "with.event")}).WithGroup("app")
			},
			attrs: []slog.Attr{slog.Group("inner", slog.String(KeyEventType, "rec.event"),
				slog.Group("otel", slog.Group("scope", slog.String("name", "forged")))), slog.Int("n", 1)},
			want: envelope("INFO", 9, "msg", `{"event_type":"with.event","schema_version":"1.0","app.inner.event_type":"rec.event","app.inner.otel.scope.name":"forged","app.n":1}`, "with.event")},
		{name: "event_type in an empty-named group is top level",
			attrs: []slog.Attr{slog.Group("", slog.Group("", slog.String(KeyEventType, "inlined")))},
			want:  envelope("INFO", 9, "msg", `{"event_type":"inlined","schema_version":"1.0"}`, "inlined")},
		{name: "otel.scope.name from a group value is not lifted",
			attrs: []slog.Attr{slog.Group("otel", slog.Group("scope", slog.String("name", "forged")))},
			want:  info(`{"schema_version":"1.0","otel.scope.name":"forged"}`)},
		{name: "event_type from With only", with: func(h slog.Handler) slog.Handler {
			return h.WithAttrs([]slog.Attr{slog.String(KeyEventType, "with.event")})
		}, want: envelope("INFO", 9, "msg", `{"event_type":"with.event","schema_version":"1.0"}`, "with.event")},
		{name: "record schema_version dropped", opts: &Options{SchemaVersion: "2.1"},
			attrs: []slog.Attr{slog.String(KeySchemaVersion, "9"), slog.Int("a", 1)},
			want:  info(`{"schema_version":"2.1","a":1}`)},

		// Request scope.
		{name: "scope keys on top, win over record and With, produced ones not redacted",
			ctx: scoped(produced(KeyPeerAddress, "10.0.0.3"), produced(KeySessionID, "sess-hash"),
				produced(KeyRequestID, "req-1"), produced(KeyClientAddress, "203.0.113.10")),
			with: func(h slog.Handler) slog.Handler {
				return h.WithAttrs([]slog.Attr{slog.String(KeyRequestID, "with-id")}).WithGroup("app")
			},
			attrs: []slog.Attr{slog.String(KeyEventType, "e"), slog.String("x", "1")},
			want:  envelope("INFO", 9, "msg", `{"event_type":"e","schema_version":"1.0","request_id":"req-1","session.id":"sess-hash","client.address":"203.0.113.10","network.peer.address":"10.0.0.3","app.x":"1"}`, "e")},
		{name: "scope values the application set pass the key and value rules",
			ctx: scoped(slog.String(KeySessionID, "raw-cookie"), slog.String(KeyRequestID, testJWT),
				slog.String(KeyClientAddress, "Bearer abcdefgh12345678"), slog.String(KeyPeerAddress, "10.0.0.3")),
			want: info(`{"schema_version":"1.0","request_id":"[REDACTED]","session.id":"[REDACTED]","client.address":"[REDACTED]","network.peer.address":"10.0.0.3"}`)},
		{name: "a pseudonym in the scope is kept",
			ctx:  scoped(slog.Any(KeySessionID, redact.Pseudonym("5e55"))),
			want: info(`{"schema_version":"1.0","session.id":"5e55"}`)},
		{name: "scope key from ctx beats a top-level record attr",
			ctx:   scoped(slog.String(KeyRequestID, "req-1")),
			attrs: []slog.Attr{slog.String(KeyRequestID, "forged"), slog.Group("app", slog.String(KeyRequestID, "own"))},
			want:  info(`{"schema_version":"1.0","request_id":"req-1","app.request_id":"own"}`)},
		{name: "app session.id without scope is ordinary and redacted",
			attrs: []slog.Attr{slog.String(KeySessionID, "raw-cookie"), slog.String(KeyRequestID, "app-id")},
			want:  info(`{"schema_version":"1.0","session.id":"[REDACTED]","request_id":"app-id"}`)},
		{name: "precedence record > With > scope",
			ctx: scoped(slog.String("a", "scope"), slog.String("b", "scope"), slog.String("c", "scope")),
			with: func(h slog.Handler) slog.Handler {
				return h.WithAttrs([]slog.Attr{slog.String("b", "with"), slog.String("c", "with")})
			},
			attrs: []slog.Attr{slog.String("c", "rec")},
			want:  info(`{"schema_version":"1.0","a":"scope","b":"with","c":"rec"}`)},
		{name: "scope LogValuer resolved, empty group omitted",
			ctx:  scoped(slog.Any(KeyRequestID, lazy{slog.StringValue("lazy-id")}), slog.Any(keyHTTPRoute, lazy{slog.GroupValue()})),
			want: info(`{"schema_version":"1.0","request_id":"lazy-id"}`)},
		{name: "user id, name dropped", ctx: withUser(User{ID: "42", Name: "maya"}),
			attrs: []slog.Attr{slog.String(KeyUserName, "typed"), slog.Group("user", slog.String("name", "grouped")), slog.Group("app", slog.String(KeyUserName, "nested")), slog.Group("abcd", slog.String(KeyUserName, "n14"))},
			want:  info(`{"schema_version":"1.0","user.id":"42"}`)},
		{name: "user name included", opts: &Options{IncludeUsernames: true}, ctx: withUser(User{ID: "42", Name: "maya"}),
			want: info(`{"schema_version":"1.0","user.id":"42","user.name":"maya"}`)},
		{name: "user name pseudonymised with HMAC", opts: &Options{Redactor: hmacR}, ctx: withUser(User{ID: "42", Name: "maya"}),
			attrs: []slog.Attr{slog.String(KeyUserName, "bob")},
			want:  info(`{"schema_version":"1.0","user.id":"42","user.name":"` + hmacR.Mask("bob") + `"}`)},

		// Redaction.
		{name: "sensitive keys", attrs: []slog.Attr{
			slog.String("password", "p"), slog.Int("pin_token", 5), slog.Group("auth", slog.String("Authorization", "Bearer x")),
			slog.Group("secret", slog.String("a", "1"), slog.Int("b", 2)),
			slog.Any("cfg", map[string]any{"api": map[string]any{"apiKey": "k", "url": "u"}}),
			slog.String("classname", "c"), slog.String("user_ssn", "s"),
		}, want: info(`{"schema_version":"1.0","password":"[REDACTED]","pin_token":"[REDACTED]","auth.Authorization":"[REDACTED]","secret":"[REDACTED]","cfg":{"api":{"apiKey":"[REDACTED]","url":"u"}},"classname":"c","user_ssn":"[REDACTED]"}`)},
		{name: "sensitive open group", with: func(h slog.Handler) slog.Handler { return h.WithGroup("token") },
			attrs: []slog.Attr{slog.String("a", "x"), slog.Int("b", 1)},
			want:  info(`{"schema_version":"1.0","token.a":"[REDACTED]","token.b":"[REDACTED]"}`)},
		{name: "HMAC pseudonym for sensitive strings", opts: &Options{Redactor: hmacR},
			attrs: []slog.Attr{slog.String("password", "p"), slog.Int("secret", 1)},
			want:  info(`{"schema_version":"1.0","password":"` + hmacR.Mask("p") + `","secret":"[REDACTED]"}`)},
		{name: "value rules on values and body", opts: &Options{Redactor: valueR}, msg: "sk-abc123",
			attrs: []slog.Attr{slog.String("k", "sk-abc123"), slog.Any("l", []string{"ok", "sk-zz9"}), slog.String(KeyEventType, "sk-1")},
			want:  envelope("INFO", 9, "[REDACTED]", `{"event_type":"[REDACTED]","schema_version":"1.0","k":"[REDACTED]","l":["ok","[REDACTED]"]}`, "[REDACTED]")},
		{name: "redaction off", opts: &Options{Redactor: redact.None()},
			attrs: []slog.Attr{slog.String("password", "p"), slog.String(KeySessionID, "raw")},
			want:  info(`{"schema_version":"1.0","password":"p","session.id":"raw"}`)},

		// ReplaceAttr.
		{name: "ReplaceAttr rename, drop, sees redacted values",
			opts: &Options{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				switch {
				case a.Key == "drop":
					return slog.Attr{}
				case a.Key == "password":
					return slog.String("pw_seen", a.Value.String())
				case a.Key == "k":
					return slog.String("k2", strings.Join(groups, "/"))
				}
				return a
			}},
			ctx:   scoped(slog.String(KeyRequestID, "r")),
			with:  func(h slog.Handler) slog.Handler { return h.WithGroup("g") },
			attrs: []slog.Attr{slog.String(KeyEventType, "e"), slog.String("drop", "x"), slog.String("password", "p"), slog.Group("sub", slog.String("k", "v"))},
			want:  envelope("INFO", 9, "msg", `{"event_type":"e","schema_version":"1.0","request_id":"r","g.pw_seen":"[REDACTED]","g.sub.k2":"g/sub"}`, "e")},
		{name: "ReplaceAttr cannot forge library keys",
			opts: &Options{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				return slog.String(KeySchemaVersion, "forged")
			}},
			attrs: []slog.Attr{slog.String("a", "1")},
			want:  info(`{"schema_version":"1.0"}`)},

		// Limits.
		{name: "MaxDepth", opts: &Options{Limits: Limits{MaxDepth: 2}},
			attrs: []slog.Attr{slog.Any("d", map[string]any{"e": map[string]any{"f": 1}}), slog.Int("top", 1)},
			want:  info(`{"schema_version":"1.0","d":{"e":"[TRUNCATED]"},"top":1}`)},
		{name: "MaxMapEntries and MaxListLen", opts: &Options{Limits: Limits{MaxMapEntries: 2, MaxListLen: 2}},
			attrs: []slog.Attr{slog.Any("m", map[string]int{"c": 3, "a": 1, "b": 2}), slog.Any("l", []int{1, 2, 3}),
				slog.Any("s", account{ID: 1, Owner: "o", Password: "p"})},
			want: info(`{"schema_version":"1.0","m":{"a":1,"b":2,"_truncated":"[TRUNCATED]"},"l":[1,2,"[TRUNCATED]"],"s":{"id":1,"owner":"o","_truncated":"[TRUNCATED]"}}`)},
		{name: "MaxStringLen on values and keys", opts: &Options{Limits: Limits{MaxStringLen: 4}},
			attrs: []slog.Attr{slog.String("k", "héllo"), slog.String("abcdef", "x"), slog.String("ok", "four")},
			want:  info(`{"schema_version":"1.0","k":"héll[TRUNCATED]","abcd[TRUNCATED]":"x","ok":"four"}`)},
		{name: "MaxAttrs counts application attrs only", opts: &Options{Limits: Limits{MaxAttrs: 2}},
			ctx:   withUser(User{ID: "42"}, slog.String(KeyRequestID, "r"), slog.String(keyHTTPRoute, "/x")),
			attrs: []slog.Attr{slog.String(KeyEventType, "e"), slog.Int("a", 1), slog.Int("b", 2), slog.Int("c", 3), slog.Int("a", 9)},
			want:  envelope("INFO", 9, "msg", `{"event_type":"e","schema_version":"1.0","request_id":"r","http.route":"/x","user.id":"42","b":2,"a":9,"_truncated":"[TRUNCATED]"}`, "e")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			if o == nil {
				o = &Options{}
			}
			if o.ServiceName == "" && tt.name != "default service name" {
				o.ServiceName = "billing"
			}
			var buf lineBuffer
			var h slog.Handler = NewHandler(&buf, withClock(o))
			if tt.with != nil {
				h = tt.with(h)
			}
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			msg := tt.msg
			if msg == "" {
				msg = "msg"
			}
			r := record(tt.level, msg, tt.attrs...)
			if tt.time != nil {
				r.Time = *tt.time
			}
			got := handleOne(t, h, &buf, ctx, r)
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestReplaceAttrNeverSeesLibraryKeys records every key ReplaceAttr is given.
func TestReplaceAttrNeverSeesLibraryKeys(t *testing.T) {
	var seen []string
	var buf lineBuffer
	h := NewHandler(&buf, withClock(&Options{ReplaceAttr: func(g []string, a slog.Attr) slog.Attr {
		seen = append(seen, strings.Join(append(g, a.Key), "."))
		return a
	}}))
	ctx := ContextWithAttrs(context.Background(), slog.String(KeyRequestID, "r"), slog.String(KeyClientAddress, "c"))
	handleOne(t, h, &buf, ctx, record(slog.LevelInfo, "m", slog.String(KeyRequestID, "x"),
		slog.String(KeyEventType, "e"), slog.String(KeySchemaVersion, "x"), slog.String(KeyScopeName, "s"),
		slog.Group("g", slog.String("app", "a"))))
	if got := strings.Join(seen, ","); got != "g.app" {
		t.Errorf("ReplaceAttr saw %q, want only g.app", got)
	}
}

func TestAddSource(t *testing.T) {
	var buf lineBuffer
	l := slog.New(NewHandler(&buf, withClock(&Options{AddSource: true})))
	l.Info("m", "a", 1)
	_, file, line, _ := runtimeCaller()
	m := parseLine(t, strings.TrimSpace(buf.String()))
	attrs := m[KeyAttributes].(map[string]any)
	if attrs[KeyCodeFile] != file || attrs[KeyCodeLine].(json.Number).String() != fmt.Sprint(line-1) ||
		!strings.HasSuffix(attrs[KeyCodeFunction].(string), "slogaudit.TestAddSource") {
		t.Errorf("source attrs = %v, want %s:%d", attrs, file, line-1)
	}
	// No PC, no source.
	buf = lineBuffer{}
	h := NewHandler(&buf, withClock(&Options{AddSource: true}))
	got := handleOne(t, h, &buf, context.Background(), slog.NewRecord(recTime, slog.LevelInfo, "m", 0))
	if strings.Contains(got, "code.") {
		t.Errorf("source written without a PC: %s", got)
	}
}

func TestIsAudit(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		attrs []slog.Attr
		want  bool
	}{
		{nil, false},
		{[]slog.Attr{slog.String("a", "b")}, false},
		{[]slog.Attr{slog.String(KeyEventType, "x")}, true},
		{[]slog.Attr{slog.Group("", slog.Group("", slog.String(KeyEventType, "x")))}, true},
		{[]slog.Attr{slog.Any("", lazy{slog.GroupValue(slog.String(KeyEventType, "x"))})}, true},
		// Inside a named group value it is data, not the event's label.
		{[]slog.Attr{slog.Group("app", slog.Group("inner", slog.String(KeyEventType, "x")))}, false},
		{[]slog.Attr{slog.Any("lv", lazy{slog.GroupValue(slog.String(KeyEventType, "x"))})}, false},
	}
	for i, tt := range tests {
		if got := IsAudit(ctx, record(slog.LevelInfo, "m", tt.attrs...)); got != tt.want {
			t.Errorf("%d: IsAudit = %v, want %v", i, got, tt.want)
		}
	}
}

func TestEnabled(t *testing.T) {
	var lv slog.LevelVar
	lv.Set(slog.LevelWarn)
	h := NewHandler(nil, &Options{Level: &lv})
	if h.Enabled(context.Background(), slog.LevelInfo) || !h.Enabled(context.Background(), slog.LevelWarn) {
		t.Error("Level not applied")
	}
	lv.Set(slog.LevelDebug)
	if !h.Enabled(context.Background(), slog.LevelDebug) {
		t.Error("LevelVar change not seen")
	}
	if NewHandler(nil, nil).Enabled(context.Background(), slog.LevelDebug) {
		t.Error("default level is not Info")
	}
}

func TestWithReturnsReceiverAndNeverMutates(t *testing.T) {
	var buf lineBuffer
	h := NewHandler(&buf, withClock(&Options{ServiceName: "billing"}))
	if h.WithGroup("") != slog.Handler(h) || h.WithAttrs(nil) != slog.Handler(h) {
		t.Error("WithGroup(\"\")/WithAttrs(nil) did not return the receiver")
	}
	base := h.WithAttrs([]slog.Attr{slog.Int("base", 1)})
	_ = base.WithGroup("g1").WithAttrs([]slog.Attr{slog.Int("x", 1)})
	_ = base.WithGroup("g2").WithAttrs([]slog.Attr{slog.Int("y", 2)})
	got := handleOne(t, base, &buf, context.Background(), record(slog.LevelInfo, "msg"))
	if want := envelope("INFO", 9, "msg", `{"schema_version":"1.0","base":1}`, ""); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestOptionsCopied(t *testing.T) {
	var buf lineBuffer
	o := &Options{ServiceName: "billing", Now: fixedNow}
	h := NewHandler(&buf, o)
	o.ServiceName = "changed"
	o.SchemaVersion = "9"
	got := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "msg"))
	if want := envelope("INFO", 9, "msg", `{"schema_version":"1.0"}`, ""); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
