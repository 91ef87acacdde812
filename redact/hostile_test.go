package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secaudit/auditkit/internal/placeholder"
)

// outputs logs v under key through every adapter of r and returns what each
// wrote: Middleware and ReplaceAttr in front of slog's JSON and text
// handlers, and json.Marshal of Value.
func outputs(t *testing.T, r *Redactor, key string, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	var buf bytes.Buffer
	for name, h := range map[string]slog.Handler{
		"Middleware+JSON":  r.Middleware()(slog.NewJSONHandler(&buf, nil)),
		"Middleware+Text":  r.Middleware()(slog.NewTextHandler(&buf, nil)),
		"ReplaceAttr+JSON": slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: r.ReplaceAttr}),
		"ReplaceAttr+Text": slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: r.ReplaceAttr}),
	} {
		buf.Reset()
		slog.New(h).Info("m", key, v)
		out[name] = buf.String()
	}
	b, err := json.Marshal(r.Value(key, v))
	require.NoError(t, err)
	out["Value"] = string(b)
	return out
}

type renamed struct {
	Password string `json:"p"`
	APIKey   string `json:"key"`
	Name     string `json:"name"`
}

type renamedInner struct {
	SessionToken string `json:"st"`
}

type renamedOuter struct {
	renamedInner
	Login renamed `json:"login"`
	ID    int     `json:"id"`
}

// A struct field is sensitive when its Go name or its JSON name is: a field
// Password tagged json:"p" is still a password (issue 10, case 1). The old
// walk matched the JSON name only and wrote {"p":"hunter2","key":"AK-123"}.
func TestRenamedFieldsAreSensitive(t *testing.T) {
	hmacR := mustNew(Options{HMACKey: []byte("k")})
	allowR := mustNew(Options{Allowlist: []string{"key"}})
	tests := []struct {
		name    string
		r       *Redactor
		v       any
		want    any
		secrets []string
	}{
		{"flat", Default(), renamed{Password: "hunter2", APIKey: "AK-123", Name: "bob"},
			map[string]any{"p": Marker, "key": Marker, "name": "bob"}, []string{"hunter2", "AK-123"}},
		{"pointer", Default(), &renamed{Password: "hunter2", Name: "bob"},
			map[string]any{"p": Marker, "key": Marker, "name": "bob"}, []string{"hunter2"}},
		{"embedded and nested", Default(),
			renamedOuter{renamedInner{"tok-9"}, renamed{Password: "hunter2"}, 7},
			map[string]any{"st": Marker, "id": int(7),
				"login": map[string]any{"p": Marker, "key": Marker, "name": ""}},
			[]string{"hunter2", "tok-9"}},
		{"in a slice", Default(), []renamed{{Password: "hunter2"}},
			[]any{map[string]any{"p": Marker, "key": Marker, "name": ""}}, []string{"hunter2"}},
		{"pseudonym", hmacR, renamed{Password: "hunter2"},
			map[string]any{"p": hmacR.Mask("hunter2"), "key": hmacR.Mask(""), "name": ""}, []string{"hunter2"}},
		// The written name is what an allowlist names: the application
		// said "key" is fine, whatever the Go field is called.
		{"allowlisted JSON name", allowR, renamed{Password: "hunter2", APIKey: "AK-123"},
			map[string]any{"p": Marker, "key": "AK-123", "name": ""}, []string{"hunter2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.r.Value("body", tt.v))
			for name, out := range outputs(t, tt.r, "body", tt.v) {
				for _, s := range tt.secrets {
					assert.NotContains(t, out, s, name)
				}
			}
		})
	}
	// Control: a field whose names are both neutral is kept.
	type plain struct {
		Nick string `json:"n"`
	}
	assert.Equal(t, map[string]any{"n": "hunter2"}, Default().Value("body", plain{"hunter2"}))
}

type rawBytes []byte

// []byte stays base64 in the output (a plain []byte copy), and the value
// rules see its raw bytes (issue 10, case 7). The old walk replaced every
// []byte by Marker, secret or not.
func TestBytes(t *testing.T) {
	hmacR := mustNew(Options{HMACKey: []byte("k")})
	const bearer = "Authorization: Bearer abcdefghijkl"
	const aws = "AKIAIOSFODNN7EXAMPLE"
	var awsArray [20]byte
	copy(awsArray[:], aws)
	tests := []struct {
		name string
		r    *Redactor
		key  string
		v    any
		want any
	}{
		{"clean", Default(), "raw", []byte("hello"), []byte("hello")},
		{"empty", Default(), "raw", []byte{}, []byte{}},
		{"nil", Default(), "raw", []byte(nil), []byte(nil)},
		{"binary", Default(), "raw", []byte{0, 0xff, 0x80}, []byte{0, 0xff, 0x80}},
		{"detector match", Default(), "raw", []byte(bearer), Marker},
		{"detector match, HMAC", hmacR, "raw", []byte(bearer), hmacR.Hash(bearer)},
		{"named byte slice", Default(), "raw", rawBytes("hello"), []byte("hello")},
		{"named byte slice, match", Default(), "raw", rawBytes(aws), Marker},
		{"byte array, match", Default(), "raw", awsArray, Marker},
		{"byte array, clean", Default(), "raw", [3]byte{1, 2, 3}, []any{uint8(1), uint8(2), uint8(3)}},
		{"sensitive key", Default(), "password", []byte("hello"), Marker},
		{"sensitive key, HMAC", hmacR, "password", []byte("hello"), Marker},
		{"in a map", Default(), "m", map[string]any{"a": []byte(aws), "b": []byte("ok")},
			map[string]any{"a": Marker, "b": []byte("ok")}},
		{"no detectors", mustNew(Options{ReplaceDefaultDetectors: true}), "raw", []byte(bearer), []byte(bearer)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.r.Value(tt.key, tt.v))
		})
	}

	// The copy does not alias the application's buffer.
	buf := []byte("hello")
	got := Default().Value("raw", buf).([]byte)
	buf[0] = 'X'
	assert.Equal(t, "hello", string(got))

	// Every adapter: base64 for clean bytes, the mask for a secret.
	for name, out := range outputs(t, Default(), "raw", []byte("hello")) {
		if strings.HasPrefix(name, "Middleware+Text") || strings.HasPrefix(name, "ReplaceAttr+Text") {
			assert.Contains(t, out, `raw="hello"`, name) // slog.TextHandler quotes bytes
		} else {
			assert.Contains(t, out, `"aGVsbG8="`, name) // base64 of "hello"
		}
	}
	for name, out := range outputs(t, Default(), "raw", []byte(bearer)) {
		assert.Contains(t, out, Marker, name)
		assert.NotContains(t, out, "abcdefghijkl", name)
		assert.NotContains(t, out, "YWJjZGVmZ2hpamts", name) // base64 of the token
	}
}

// Checking a []byte does not copy it: a masked []byte costs what a masked
// string does (the walk's own allocations), no copy for the check.
func TestBytesCheckAllocs(t *testing.T) {
	var b, s any = []byte("Authorization: Bearer abcdefghijkl"), "Authorization: Bearer abcdefghijkl"
	str := testing.AllocsPerRun(100, func() { sinkAny = Default().Value("raw", s) })
	byt := testing.AllocsPerRun(100, func() { sinkAny = Default().Value("raw", b) })
	assert.Equal(t, str, byt)
}

var sinkAny any

type panicStringer struct{}

func (panicStringer) String() string { panic("cannot print postgres://app:S3cret@db/prod") }

type errText struct{}

func (errText) MarshalText() ([]byte, error) { return nil, errors.New("bad key sk-LIVE-123") }

type panicText struct{}

func (panicText) MarshalText() ([]byte, error) { panic("bad key sk-LIVE-123") }

type errJSON struct{}

func (errJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("bad key sk-LIVE-123") }

type panicJSON struct{}

func (panicJSON) MarshalJSON() ([]byte, error) { panic("cannot print postgres://app:S3cret@db/prod") }

type invalidJSON struct{}

func (invalidJSON) MarshalJSON() ([]byte, error) { return []byte(`{"k":"sk-LIVE-123"`), nil }

type trailingJSON struct{}

func (trailingJSON) MarshalJSON() ([]byte, error) { return []byte(`{} "sk-LIVE-123"`), nil }

type panicError struct{}

func (panicError) Error() string { panic("cannot print postgres://app:S3cret@db/prod") }

type panicValuer struct{}

func (panicValuer) LogValue() slog.Value { panic("cannot print postgres://app:S3cret@db/prod") }

type textKey struct{ panics bool }

func (k textKey) MarshalText() ([]byte, error) {
	if k.panics {
		panic("bad key sk-LIVE-123")
	}
	return nil, errors.New("bad key sk-LIVE-123")
}

// The redact walk writes the slogaudit handler's fixed placeholders for a
// failing method, never the panic's or the error's text (issue 10, case 8).
// The old walk wrote "!PANIC: cannot print postgres://app:S3cret@db/prod"
// and "!ERROR:bad key sk-LIVE-123".
func TestFailingMethodsGivePlaceholders(t *testing.T) {
	r := mustNew(Options{ReplaceDefaultDetectors: true}) // the placeholder, not a detector, must hide it
	tests := []struct {
		name string
		v    any
		want any
	}{
		{"String panics", panicStringer{}, placeholder.Panic},
		{"Error panics", panicError{}, placeholder.Panic},
		{"MarshalText fails", errText{}, placeholder.Error},
		{"MarshalText panics", panicText{}, placeholder.Panic},
		{"MarshalJSON fails", errJSON{}, placeholder.Error},
		{"MarshalJSON panics", panicJSON{}, placeholder.Panic},
		{"MarshalJSON invalid", invalidJSON{}, placeholder.InvalidJSON},
		{"MarshalJSON trailing data", trailingJSON{}, placeholder.InvalidJSON},
		{"LogValue panics", panicValuer{}, placeholder.Panic},
		{"map key MarshalText fails", map[textKey]int{{}: 1}, map[string]any{placeholder.Error: 1}},
		{"map key MarshalText panics", map[textKey]int{{panics: true}: 1}, map[string]any{placeholder.Panic: 1}},
		{"nested", map[string]any{"a": []any{panicStringer{}}}, map[string]any{"a": []any{placeholder.Panic}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, r.Value("x", tt.v))
			for name, out := range outputs(t, r, "x", tt.v) {
				assert.NotContains(t, out, "S3cret", name)
				assert.NotContains(t, out, "sk-LIVE", name)
				if _, ok := tt.v.(slog.LogValuer); ok && strings.HasPrefix(name, "ReplaceAttr") {
					// slog resolves LogValuers before ReplaceAttr runs,
					// into its own "LogValue panicked" and a stack trace.
					continue
				}
				assert.NotContains(t, out, "panicked", name)
			}
		})
	}
}

// The high-precision detectors are on by default, for every string value
// including error texts and Stringer output such as *url.URL (issue 10,
// case 10); card numbers stay opt-in.
func TestDefaultDetectors(t *testing.T) {
	want := []string{DetectorAWSAccessKeyID, DetectorBasic, DetectorBearer, DetectorGitHubToken,
		DetectorGitLabToken, DetectorGoogleAPIKey, DetectorJWT, DetectorPrivateKey,
		DetectorSlackToken, DetectorStripeKey, DetectorURLCredentials}
	slices.Sort(want)
	got := DefaultDetectors()
	assert.Equal(t, want, got)
	got[0] = "changed"
	assert.Equal(t, want, DefaultDetectors(), "DefaultDetectors returns a copy")
	assert.NotContains(t, DefaultDetectors(), DetectorCardNumber)

	dbURL, err := url.Parse("postgres://app:S3cret@db/prod")
	require.NoError(t, err)
	const card = "4111 1111 1111 1111"
	zero := mustNew(Options{})
	withCard := mustNew(Options{Detectors: []string{DetectorCardNumber}})
	off := mustNew(Options{ReplaceDefaultDetectors: true})
	onlyCard := mustNew(Options{Detectors: []string{DetectorCardNumber}, ReplaceDefaultDetectors: true})
	tests := []struct {
		name   string
		v      any
		masked map[*Redactor]bool // by redactor: masked?
	}{
		{"bearer in an error", errors.New("upstream rejected Bearer abcdefghijkl"),
			map[*Redactor]bool{Default(): true, zero: true, withCard: true, off: false, onlyCard: false}},
		{"url.URL with a password", dbURL,
			map[*Redactor]bool{Default(): true, zero: true, withCard: true, off: false, onlyCard: false}},
		{"JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
			map[*Redactor]bool{Default(): true, withCard: true, off: false}},
		{"private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn...",
			map[*Redactor]bool{Default(): true, off: false}},
		{"AWS key id", "AKIAIOSFODNN7EXAMPLE", map[*Redactor]bool{Default(): true, off: false}},
		{"GitHub token", "ghp_" + strings.Repeat("a1B2", 9), map[*Redactor]bool{Default(): true, off: false}},
		{"Stripe key", "sk_live_" + strings.Repeat("4", 24), map[*Redactor]bool{Default(): true, off: false}},
		{"card number", card,
			map[*Redactor]bool{Default(): false, zero: false, withCard: true, off: false, onlyCard: true}},
		{"clean", "GET /api/v1/accounts/42", map[*Redactor]bool{Default(): false, withCard: false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for r, masked := range tt.masked {
				got := r.Value("note", tt.v)
				if masked {
					assert.Equal(t, Marker, got)
				} else {
					assert.NotEqual(t, Marker, got)
				}
			}
		})
	}
	assert.True(t, Default().rules.HasValueRules())
	assert.False(t, off.rules.HasValueRules())
	// Unknown names still fail, alone or next to the defaults.
	_, err = New(Options{Detectors: []string{"pgp"}})
	assert.Error(t, err)
	_, err = New(Options{Detectors: []string{"pgp"}, ReplaceDefaultDetectors: true})
	assert.Error(t, err)
	assert.True(t, reflect.DeepEqual(DefaultDetectors(), want))
}

// Password is a type whose fields are promoted into a struct that embeds it:
// encoding/json writes {"Value": ...}, and the embedded name still makes
// the field sensitive.
type Password struct{ Value string }

type loginForm struct {
	User string
	Password
}

func TestPromotedFieldOfSensitiveEmbeddedType(t *testing.T) {
	v := loginForm{User: "bob", Password: Password{"Tr0ub4dor-3xyz"}}
	b, err := json.Marshal(Default().Value("form", v))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Tr0ub4dor") || !strings.Contains(string(b), "bob") {
		t.Errorf("Value = %s", b)
	}
	// Control: without rules the password shows.
	if b, _ := json.Marshal(None().Value("form", v)); !strings.Contains(string(b), "Tr0ub4dor") {
		t.Errorf("control: %s", b)
	}
}

// A url.URL by value is its text (so url-credentials sees the password),
// and a *url.Userinfo with a password is masked.
func TestURLValuesAndUserinfo(t *testing.T) {
	u, err := url.Parse("https://alice:S3cretPw@example.com/x")
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"url.URL": *u, "*url.URL": u, "*url.Userinfo": u.User,
		"in a map": map[string]any{"u": *u}} {
		b, err := json.Marshal(Default().Value("v", v))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "S3cretPw") {
			t.Errorf("%s: %s", name, b)
		}
	}
	// Control: with no rules the URL's text shows the password.
	if b, _ := json.Marshal(noRules.Value("v", *u)); !strings.Contains(string(b), "S3cretPw") {
		t.Errorf("control: %s", b)
	}
	if got := Default().Value("v", url.User("alice")); got != "alice" {
		t.Errorf("user without a password: %v", got)
	}
}
