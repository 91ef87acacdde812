package slogaudit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

// Found by attacking the handler: values that used to skip the value rules.
func TestValueRulesReachEveryValue(t *testing.T) {
	const ghp = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
	var arr [40]byte
	copy(arr[:], ghp)
	u, err := url.Parse("https://alice:S3cretPw@example.com/x")
	if err != nil {
		t.Fatal(err)
	}
	type credKey struct{ User, Password string }
	tests := []struct {
		name   string
		attrs  []slog.Attr
		secret string
	}{
		{"byte array", []slog.Attr{slog.Any("a", arr)}, "103,104,112,95"},
		{"byte array pointer", []slog.Attr{slog.Any("a", &arr)}, "103,104,112,95"},
		{"byte array in a map", []slog.Attr{slog.Any("m", map[string]any{"a": arr})}, "103,104,112,95"},
		{"event_type", []slog.Attr{slog.String(KeyEventType, testJWT)}, testJWT},
		{"otel.scope.version", []slog.Attr{slog.String(KeyScopeVersion, "AKIAIOSFODNN7EXAMPLE")}, "AKIAIOSFODNN7EXAMPLE"},
		{"otel.scope.name", []slog.Attr{slog.String(KeyScopeName, ghp)}, ghp},
		{"url.URL by value", []slog.Attr{slog.Any("u", *u)}, "S3cretPw"},
		{"url.Userinfo", []slog.Attr{slog.Any("u", u.User)}, "S3cretPw"},
		{"struct map key", []slog.Attr{slog.Any("m", map[credKey]int{{"bob", "S3cretPw"}: 1})}, "S3cretPw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []Format{FormatJSONL, FormatOTLPJSON} {
				var buf lineBuffer
				h := NewHandler(&buf, withClock(&Options{Format: format}))
				if err := h.Handle(context.Background(), record(slog.LevelInfo, "m", tt.attrs...)); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(buf.String(), tt.secret) {
					t.Errorf("format %v leaked %q: %s", format, tt.secret, buf.String())
				}
			}
			// Control: with redaction off, the secret does show.
			var buf lineBuffer
			_ = NewHandler(&buf, withClock(&Options{Redactor: redact.None()})).Handle(context.Background(),
				record(slog.LevelInfo, "m", tt.attrs...))
			if tt.name != "struct map key" && !strings.Contains(buf.String(), tt.secret) {
				t.Errorf("control: %q not in %s", tt.secret, buf.String())
			}
		})
	}
}

// The label cache only skips the rules for a label they cleared before: a
// token used as event_type is masked on every record, also after clean
// labels filled the cache, and a cleared label stays readable.
func TestLabelCacheNeverClearsATokenLabel(t *testing.T) {
	var buf lineBuffer
	h := NewHandler(&buf, withClock(nil))
	n := 0
	for i := range 3 * labelSlots {
		for _, et := range []string{"http.response.client_error", fmt.Sprintf("app.event_%d", i), testJWT} {
			if err := h.Handle(context.Background(), record(slog.LevelInfo, "m", slog.String(KeyEventType, et))); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if n++; len(lines) != n {
				t.Fatalf("%d lines, want %d", len(lines), n)
			}
			out := lines[n-1]
			if et == testJWT && strings.Contains(out, "eyJ") || et != testJWT && !strings.Contains(out, `"event_name":"`+et+`"`) {
				t.Fatalf("event type %q written as: %s", et, out)
			}
		}
	}
}
