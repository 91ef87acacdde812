package slogaudit

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScopeVersionFromModule: a record naming a scope of this module
// (as authaudit and httpaudit do) without a version gets the module's
// version, in both formats and in the fallback record; any other scope
// keeps what the record says.
func TestScopeVersionFromModule(t *testing.T) {
	saved := moduleVersion
	moduleVersion = func() string { return "v9.8.7" }
	t.Cleanup(func() { moduleVersion = saved })

	const helper = modulePath + "/httpaudit"
	tests := []struct {
		name        string
		attrs       []slog.Attr
		wantName    string
		wantVersion any // nil: no version key
	}{
		{"module scope, no version", []slog.Attr{slog.String(KeyScopeName, helper)}, helper, "v9.8.7"},
		{"module scope, own version", []slog.Attr{slog.String(KeyScopeName, helper), slog.String(KeyScopeVersion, "v1.0.0")}, helper, "v1.0.0"},
		{"module scope, empty version", []slog.Attr{slog.String(KeyScopeName, helper), slog.String(KeyScopeVersion, "")}, helper, nil},
		{"other scope", []slog.Attr{slog.String(KeyScopeName, "example.com/app")}, "example.com/app", nil},
		{"module path itself", []slog.Attr{slog.String(KeyScopeName, modulePath+"x/y")}, modulePath + "x/y", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, max := range []int{0, 1024} {
				attrs := tt.attrs
				if max > 0 { // an event type too long for any line: the fallback record
					attrs = append(attrs, slog.String(KeyEventType, strings.Repeat("e", 2000)))
				}
				var buf lineBuffer
				h := NewHandler(&buf, withClock(&Options{Scope: Scope{Name: "mine", Version: "v0"}, Limits: Limits{MaxRecordBytes: max}}))
				line := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "m", attrs...))
				sc, ok := parseLine(t, line)[KeyInstrumentationScope].(map[string]any)
				require.True(t, ok, line)
				assert.Equal(t, tt.wantName, sc["name"], line)
				assert.Equal(t, tt.wantVersion, sc["version"], line)
			}

			var ob lineBuffer
			oh := NewHandler(&ob, otlpOpts(Options{}))
			_ = oh.Handle(context.Background(), record(slog.LevelInfo, "m", tt.attrs...))
			req, _ := decodeOTLP(t, ob.String()[:len(ob.String())-1])
			sl := req.ResourceLogs[0].ScopeLogs[0]
			assert.Equal(t, tt.wantName, sl.Scope.Name)
			want, _ := tt.wantVersion.(string)
			assert.Equal(t, want, sl.Scope.Version)
		})
	}
}

// TestPseudonymUnmasked: a redact.Pseudonym is written as its string under
// any key, whatever the value rules say, unless a sensitive key above it
// masks its whole container (as redact.Value does).
func TestPseudonymUnmasked(t *testing.T) {
	const h = "0123456789abcdef0123456789abcdef"
	ps := redact.Pseudonym(h)
	rules, err := redact.New(redact.Options{ValuePatterns: []string{`^[0-9a-f]{32}$`}, HMACKey: []byte("0123456789abcdef")})
	require.NoError(t, err)
	type withField struct {
		Token redact.Pseudonym `json:"token"`
		Any   any              `json:"password"`
	}
	tests := []struct {
		name string
		attr slog.Attr
		key  string
		want any
	}{
		{"session.id", slog.Any(KeySessionID, ps), KeySessionID, h},
		{"sensitive key", slog.Any("token", ps), "token", h},
		{"plain key", slog.Any("ref", ps), "ref", h},
		{"LogValuer", slog.Any("token", slog.AnyValue(ps)), "token", h},
		{"in group", slog.Group("auth", slog.Any("password", ps)), "auth.password", h},
		{"in map", slog.Any("m", map[string]any{"secret": ps}), "m", map[string]any{"secret": h}},
		{"in typed map", slog.Any("m", map[string]redact.Pseudonym{"token": ps}), "m", map[string]any{"token": h}},
		{"in struct", slog.Any("s", withField{Token: ps, Any: ps}), "s", map[string]any{"token": h, "password": h}},
		{"in list", slog.Any("l", []any{ps}), "l", []any{h}},
		{"map under sensitive key", slog.Any("password", map[string]any{"a": ps}), "password", redact.Marker},
		{"group under sensitive key", slog.Group("secret", slog.Any("a", ps)), "secret", redact.Marker},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []*redact.Redactor{redact.Default(), rules} {
				var buf lineBuffer
				h := NewHandler(&buf, withClock(&Options{Redactor: r}))
				line := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "m", tt.attr))
				attrs := parseLine(t, line)[KeyAttributes].(map[string]any)
				assert.Equal(t, tt.want, attrs[tt.key], line)
			}
			var ob lineBuffer
			oh := NewHandler(&ob, otlpOpts(Options{Redactor: rules}))
			line := handleOne(t, oh, &ob, context.Background(), record(slog.LevelInfo, "m", tt.attr))
			_, lr := decodeOTLP(t, line)
			assert.Equal(t, tt.want, goValue(attr(lr, tt.key)), line)
		})
	}
}

// rawMarshaler is a json.Marshaler with fixed output.
type rawMarshaler string

func (m rawMarshaler) MarshalJSON() ([]byte, error) { return []byte(m), nil }

// TestMapKeysRedacted: map keys go through the value rules as in
// redact.Value (a masked key becomes the mask; of equal keys one that was not
// masked wins, then the smallest original), and TextMarshaler keys are
// written as their text, so a redact.Secret key never leaks.
func TestMapKeysRedacted(t *testing.T) {
	rules, err := redact.New(redact.Options{ValuePatterns: []string{`^acct-\d{6}$`}})
	require.NoError(t, err)
	hmac, err := redact.New(redact.Options{ValuePatterns: []string{`^acct-\d{6}$`}, HMACKey: []byte("0123456789abcdef")})
	require.NoError(t, err)
	tests := []struct {
		name string
		r    *redact.Redactor
		v    any
		want map[string]any
	}{
		{"secret key", redact.Default(), map[redact.Secret]int{"hunter2": 1}, map[string]any{redact.Marker: json.Number("1")}},
		{"secret key in any map", redact.Default(), map[any]int{redact.Secret("hunter2"): 1, "b": 2}, map[string]any{redact.Marker: json.Number("1"), "b": json.Number("2")}},
		{"no value rules", redact.Default(), map[string]int{"acct-123456": 1}, map[string]any{"acct-123456": json.Number("1")}},
		{"masked", rules, map[string]int{"acct-123456": 1, "x": 3}, map[string]any{redact.Marker: json.Number("1"), "x": json.Number("3")}},
		{"smallest original wins", rules, map[string]int{"acct-222222": 2, "acct-111111": 1, "acct-333333": 3}, map[string]any{redact.Marker: json.Number("1")}},
		{"unmasked wins", rules, map[string]int{"acct-111111": 1, redact.Marker: 9}, map[string]any{redact.Marker: json.Number("9")}},
		{"any map", rules, map[string]any{"acct-111111": "a", "acct-222222": "b"}, map[string]any{redact.Marker: "a"}},
		{"marshaler output", rules, rawMarshaler(`{"acct-111111":1,"y":2}`), map[string]any{redact.Marker: json.Number("1"), "y": json.Number("2")}},
		{"hmac", hmac, map[string]int{"acct-111111": 1}, map[string]any{hmac.Mask("acct-111111"): json.Number("1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf lineBuffer
			h := NewHandler(&buf, withClock(&Options{Redactor: tt.r}))
			line := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "m", slog.Any("m", tt.v)))
			assert.NotContains(t, line, "hunter2")
			got := parseLine(t, line)[KeyAttributes].(map[string]any)["m"]
			assert.Equal(t, tt.want, got, line)
			// The same as redact.Value.
			b, err := json.Marshal(tt.r.Value("m", tt.v))
			require.NoError(t, err)
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			var want any
			require.NoError(t, dec.Decode(&want))
			assert.Equal(t, want, got)
		})
	}
}

// TestJSONNumberExact: a json.Number keeps its own text when it is a JSON
// number (no float64 rounding), in JSON lines and in OTLP, where an integer
// beyond int64 becomes a string and a decimal a doubleValue.
func TestJSONNumberExact(t *testing.T) {
	rules, err := redact.New(redact.Options{Detectors: []string{redact.DetectorCardNumber}})
	require.NoError(t, err)
	tests := []struct {
		name  string
		v     any
		jsonl string // the attribute value in the JSON lines line
		otlp  string // its OTLP AnyValue
	}{
		{"decimal", json.Number("12.50"), `12.50`, `{"doubleValue":12.50}`},
		{"big integer", json.Number("12345678901234567890"), `12345678901234567890`, `{"stringValue":"12345678901234567890"}`},
		{"negative big", json.Number("-92233720368547758080"), `-92233720368547758080`, `{"stringValue":"-92233720368547758080"}`},
		{"int64", json.Number("-9223372036854775808"), `-9223372036854775808`, `{"intValue":"-9223372036854775808"}`},
		{"exponent", json.Number("1.0E+2"), `1.0E+2`, `{"doubleValue":1.0E+2}`},
		{"beyond float64", json.Number("1e400"), `"+Inf"`, `{"stringValue":"+Inf"}`},
		{"not JSON, a number", json.Number("+7"), `7`, `{"intValue":"7"}`},
		{"not a number", json.Number("abc"), `"abc"`, `{"stringValue":"abc"}`},
		{"from MarshalJSON", rawMarshaler(`[0.10,12345678901234567890]`), `[0.10,12345678901234567890]`,
			`{"arrayValue":{"values":[{"doubleValue":0.10},{"stringValue":"12345678901234567890"}]}}`},
		{"card number", rawMarshaler(`4111111111111111`), `"[REDACTED]"`, `{"stringValue":"[REDACTED]"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf lineBuffer
			h := NewHandler(&buf, withClock(&Options{Redactor: rules}))
			line := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "m", slog.Any("n", tt.v)))
			assert.Contains(t, line, `"n":`+tt.jsonl+`}}`)

			var ob lineBuffer
			oh := NewHandler(&ob, otlpOpts(Options{Redactor: rules}))
			oline := handleOne(t, oh, &ob, context.Background(), record(slog.LevelInfo, "m", slog.Any("n", tt.v)))
			decodeOTLP(t, oline)
			assert.Contains(t, oline, `{"key":"n","value":`+tt.otlp+`}`)
		})
	}
}

// reservingWriter appends nothing but claims most of the line for itself,
// which forces the fallback record down to its last tier.
type reservingWriter struct {
	lineBuffer
	reserve int
}

func (w *reservingWriter) ReservedBytes() int { return w.reserve }

// TestFallbackLastTierKeepsSchemaVersion: DESIGN promises schema_version on
// every line, the smallest fallback record included.
func TestFallbackLastTierKeepsSchemaVersion(t *testing.T) {
	w := &reservingWriter{reserve: 720}
	h := NewHandler(w, &Options{
		ServiceName:   strings.Repeat("界", 300), // too long for the first two tiers
		SchemaVersion: "2.7",
		Limits:        Limits{MaxRecordBytes: 1024},
	})
	line := handleOne(t, h, &w.lineBuffer, context.Background(),
		record(slog.LevelInfo, "m", slog.String("blob", strings.Repeat("x", 4000))))
	assert.LessOrEqual(t, len(line)+1, 1024-720, "the line must fit what the writer left")
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &got))
	attrs := got[KeyAttributes].(map[string]any)
	assert.Equal(t, EventMalformedRecord, attrs[KeyEventType])
	assert.Equal(t, "2.7", attrs[KeySchemaVersion])
	assert.NotContains(t, got, KeyResource, "the last tier has no room for the resource")
}

// nestedValuer is a LogValuer that slog never sees: it sits inside a map.
type nestedValuer struct{ v string }

func (n nestedValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("resolved", n.v), slog.String("password", "s3cret"))
}

// TestNestedLogValuerResolved: a LogValuer inside a map, slice or struct is
// resolved like a top-level one (DESIGN: LogValuers resolved), and its
// result is redacted by key like any group.
func TestNestedLogValuerResolved(t *testing.T) {
	var buf lineBuffer
	h := NewHandler(&buf, nil)
	line := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "m",
		slog.Any("m", map[string]any{"inner": nestedValuer{"yes"}}),
		slog.Any("l", []any{nestedValuer{"too"}})))
	assert.Contains(t, line, `"m":{"inner":{"resolved":"yes","password":"[REDACTED]"}}`)
	assert.Contains(t, line, `"l":[{"resolved":"too","password":"[REDACTED]"}]`)
	assert.NotContains(t, line, "s3cret")
}
