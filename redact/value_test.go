package redact

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

type login struct {
	User     string `json:"user"`
	Password string `json:"password"`
	Remember bool   `json:"remember,omitempty"`
	Note     string `json:"-"`
	Token    string // no tag: the field name is the key
	private  string
}

type Base struct {
	APIKey string `json:"api_key"`
	ID     int    `json:"id"`
}

type withEmbedded struct {
	Base
	Name string `json:"name"`
	ID   string `json:"id"` // the outer field wins
}

type rawJSON struct{}

func (rawJSON) MarshalJSON() ([]byte, error) {
	return []byte(`{"password":"pw-from-json","n":4111111111111111,"ok":"yes"}`), nil
}

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return []byte(`{`), nil }

type valuer struct{ v slog.Value }

func (v valuer) LogValue() slog.Value { return v.v }

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

func TestValue(t *testing.T) {
	r, err := New(Options{Detectors: []string{DetectorBearer, DetectorCardNumber}})
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		key  string
		in   any
		want any
	}{
		{"sensitive string", "password", "hunter2", Marker},
		{"sensitive int", "pin", 1234, Marker},
		{"sensitive map", "credentials", map[string]any{"user": "bob"}, Marker},
		{"sensitive nil", "token", nil, Marker},
		{"plain string", "user", "bob", "bob"},
		{"value rule", "note", "Authorization: Bearer abcdefghijkl", Marker},
		{"scalars kept", "n", 42, 42},
		{"time kept", "at", when, when},
		{"duration kept", "d", time.Second, time.Second},
		{"nil", "x", nil, nil},
		{"map", "body", map[string]any{
			"user": "bob", "password": "pw", "nested": map[string]any{"api_key": "k", "ok": 1},
			"list": []any{map[string]any{"secret": "s"}, "Bearer abcdefghijkl", 3},
		}, map[string]any{
			"user": "bob", "password": Marker, "nested": map[string]any{"api_key": Marker, "ok": 1},
			"list": []any{map[string]any{"secret": Marker}, Marker, 3},
		}},
		{"group prefix", "api", map[string]any{"key": "k", "url": "u"},
			map[string]any{"key": Marker, "url": "u"}},
		{"non-string map keys", "m", map[int]string{1: "a"}, map[string]any{"1": "a"}},
		{"any-keyed map", "m", map[any]any{"token": "t", 2: "b"}, map[string]any{"token": Marker, "2": "b"}},
		{"text map keys", "m", map[netip.Addr]string{netip.MustParseAddr("10.0.0.1"): "x"},
			map[string]any{"10.0.0.1": "x"}},
		{"struct", "req", login{User: "bob", Password: "pw", Note: "n", Token: "t", private: "p"},
			map[string]any{"user": "bob", "password": Marker, "Token": Marker}},
		{"struct omitempty kept", "req", login{Remember: true},
			map[string]any{"user": "", "password": Marker, "remember": true, "Token": Marker}},
		{"pointer to struct", "req", &login{User: "bob"},
			map[string]any{"user": "bob", "password": Marker, "Token": Marker}},
		{"embedded", "x", withEmbedded{Base: Base{APIKey: "k", ID: 1}, Name: "n", ID: "outer"},
			map[string]any{"api_key": Marker, "name": "n", "id": "outer"}},
		{"slice of strings", "tags", []string{"a", "4111 1111 1111 1111"}, []any{"a", Marker}},
		{"array", "a", [2]int{1, 2}, []any{1, 2}},
		{"bytes", "raw", []byte("hunter2"), []byte("hunter2")},
		{"json.Marshaler walked", "obj", rawJSON{},
			map[string]any{"password": Marker, "n": Marker, "ok": "yes"}},
		{"bad json.Marshaler", "obj", badJSON{}, "[INVALID JSON]"},
		{"json.RawMessage", "obj", json.RawMessage(`{"token":"t"}`), map[string]any{"token": Marker}},
		{"json.Number", "n", json.Number("4111111111111111"), Marker},
		{"error as its text", "err", errors.New("boom"), "boom"},
		{"error masked", "err", errors.New("Bearer abcdefghijkl rejected"), Marker},
		{"text marshaler", "ip", netip.MustParseAddr("10.0.0.1"), "10.0.0.1"},
		{"stringer", "s", stringer{"Bearer abcdefghijkl"}, Marker},
		{"LogValuer", "v", valuer{slog.GroupValue(slog.String("password", "p"), slog.Int("n", 1))},
			map[string]any{"password": Marker, "n": int64(1)}},
		{"LogValuer inline group", "v", valuer{slog.GroupValue(
			slog.Attr{Key: "", Value: slog.GroupValue(slog.String("token", "t"))})},
			map[string]any{"token": Marker}},
		{"slog.Value", "v", slog.StringValue("Bearer abcdefghijkl"), Marker},
		{"Secret", "x", Secret("hunter2"), Marker},
		{"func", "f", func() {}, "!func()"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Value(tt.key, tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Value(%q, %#v)\n got %#v\nwant %#v", tt.key, tt.in, got, tt.want)
			}
		})
	}
}

func TestValueHMAC(t *testing.T) {
	r, _ := New(Options{HMACKey: []byte("salt-1")})
	got := r.Value("db", map[string]any{"password": "my-secret-vault", "n": 1})
	want := map[string]any{
		"password": "hmac-sha256:4b9036618c22654f1edadd316544c13166c2bb72152eb14ef458f015970d6ea5",
		"n":        1,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Value = %#v, want %#v", got, want)
	}
	if got := r.Value("pin", 1234); got != Marker {
		t.Errorf("non-string under a sensitive key = %#v, want Marker", got)
	}
}

func TestValueDoesNotModifyInput(t *testing.T) {
	in := map[string]any{"password": "pw", "l": []any{"x", map[string]any{"token": "t"}}}
	_ = Default().Value("", in)
	if in["password"] != "pw" || in["l"].([]any)[1].(map[string]any)["token"] != "t" {
		t.Errorf("Value modified its input: %v", in)
	}
}

func TestValueCycles(t *testing.T) {
	m := map[string]any{"name": "a"}
	m["self"] = m
	got := Default().Value("", m).(map[string]any)
	if got["name"] != "a" || got["self"] != Marker {
		t.Errorf("cyclic map: %v", got)
	}

	type node struct {
		Name string `json:"name"`
		Next *node  `json:"next"`
	}
	n := &node{Name: "n"}
	n.Next = n
	gotN := Default().Value("", n).(map[string]any)
	if gotN["name"] != "n" || gotN["next"] != Marker {
		t.Errorf("cyclic pointer: %v", gotN)
	}

	s := []any{1, nil}
	s[1] = s
	gotS := Default().Value("", s).([]any)
	if gotS[0] != 1 || gotS[1] != Marker {
		t.Errorf("cyclic slice: %v", gotS)
	}

	// A wide shared (acyclic) structure is bounded by the node budget.
	wide := []any{"leaf"}
	for i := 0; i < 40; i++ {
		wide = []any{wide, wide}
	}
	if out := fmt.Sprint(Default().Value("", wide)); !strings.Contains(out, Marker) {
		t.Error("exponential structure was walked without a bound")
	}

	// Deep nesting is cut at the depth bound.
	deep := any("leaf")
	for i := 0; i < 100; i++ {
		deep = map[string]any{"k": deep}
	}
	if out := fmt.Sprint(Default().Value("", deep)); strings.Contains(out, "leaf") || !strings.Contains(out, Marker) {
		t.Error("deep nesting was not cut")
	}
}

func TestValueSensitiveLogValuer(t *testing.T) {
	h, _ := New(Options{HMACKey: []byte("salt-1")})
	v := valuer{slog.StringValue("my-secret-vault")}
	if got, want := h.Value("password", v), h.Hash("my-secret-vault"); got != want {
		t.Errorf("HMAC: Value = %v, want %v", got, want)
	}
	if got := h.Value("password", Secret("my-secret-vault")); got != Marker {
		t.Errorf("Secret under a sensitive key = %v, want Marker", got)
	}
	if got := Default().Value("password", v); got != Marker {
		t.Errorf("Value = %v, want Marker", got)
	}
}

// fieldsErr is an error whose exported fields hold what its text does not
// show; slog.JSONHandler marshals those fields when the error sits in a list
// or a map.
type fieldsErr struct{ Op, Password string }

func (e *fieldsErr) Error() string { return "db: " + e.Op + " failed" }

// jsonErr is an error whose MarshalJSON shows more than its text; at the top
// level slog.JSONHandler prefers MarshalJSON to Error.
type jsonErr struct{ User, Password string }

func (e jsonErr) Error() string { return "login failed" }
func (e jsonErr) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"user": e.User, "given": e.Password})
}

// textErr is an error whose MarshalText shows more than its text;
// slog.TextHandler prefers MarshalText to Error.
type textErr struct{ Token string }

func (e textErr) Error() string                { return "bad token" }
func (e textErr) MarshalText() ([]byte, error) { return []byte("t=" + e.Token), nil }

type panicErr struct{}

func (panicErr) Error() string { panic("no text") }

type smallInt int8

func TestValueErrorsAreText(t *testing.T) {
	const pw = "hunter2-secret"
	r, err := New(Options{Detectors: []string{DetectorBearer}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"in a map", map[string]any{"cause": &fieldsErr{"connect", pw}},
			map[string]any{"cause": "db: connect failed"}},
		{"in a list", []error{&fieldsErr{"connect", pw}}, []any{"db: connect failed"}},
		{"json.Marshaler error", jsonErr{"bob", pw}, "login failed"},
		{"TextMarshaler error", textErr{pw}, "bad token"},
		{"in a struct", struct{ Err error }{textErr{pw}}, map[string]any{"Err": "bad token"}},
		{"text meets value rules", &fieldsErr{Op: "Bearer abcdefghijkl"}, Marker},
		{"nil pointer", (*fieldsErr)(nil), nil},
		{"panicking Error", panicErr{}, "[PANIC]"},
		{"named scalar as its basic type", smallInt(3), int64(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Value("x", tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Value(%#v)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), pw) {
				t.Errorf("json.Marshal(Value) leaks: %s", b)
			}
		})
	}
}

func TestValueFoldedKeys(t *testing.T) {
	// encoding/json would decode this body into a Password field.
	got := Default().Value("", map[string]any{"paſſword": "x", "user": "bob"})
	want := map[string]any{"paſſword": Marker, "user": "bob"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Value = %#v, want %#v", got, want)
	}
}

func TestValueMapKeysMeetValueRules(t *testing.T) {
	const jwt1 = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
	const jwt2 = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.c2lnbmF0dXJl"
	r, err := New(Options{Detectors: []string{DetectorJWT}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"masked key", map[string]int{jwt1: 1, "ok": 2}, map[string]any{Marker: 1, "ok": 2}},
		// Both keys mask to Marker: the smaller original key's entry stays,
		// whatever the iteration order.
		{"two masked keys", map[string]int{jwt2: 2, jwt1: 1}, map[string]any{Marker: 1}},
		// A key that is Marker already wins over a masked one.
		{"literal marker key", map[string]int{jwt1: 1, Marker: 3}, map[string]any{Marker: 3}},
		{"any-keyed map", map[any]any{jwt1: "v"}, map[string]any{Marker: "v"}},
		{"no rule hit", map[string]int{"eyJ": 1}, map[string]any{"eyJ": 1}},
		// Attribute keys, like struct field names, are the program's own
		// and not checked (see the package documentation).
		{"attribute key", valuer{slog.GroupValue(slog.Int(jwt1, 1))}, map[string]any{jwt1: int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := 0; i < 20; i++ { // map iteration order varies
				if got := r.Value("m", tt.in); !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("Value(%#v)\n got %#v\nwant %#v", tt.in, got, tt.want)
				}
			}
		})
	}
	// With an HMAC key a masked key is the pseudonym of the original, so
	// equal tokens still correlate and different ones do not collide.
	h, _ := New(Options{Detectors: []string{DetectorJWT}, HMACKey: []byte("k")})
	want := map[string]any{h.Hash(jwt1): 1, h.Hash(jwt2): 2}
	if got := h.Value("", map[string]int{jwt1: 1, jwt2: 2}); !reflect.DeepEqual(got, want) {
		t.Errorf("HMAC: Value = %#v, want %#v", got, want)
	}
	// The key rules still see the original key: "Bearer ..." compacts to a
	// key with "bearer" in it, so its value is redacted as well.
	b, _ := New(Options{Detectors: []string{DetectorBearer}})
	if got := b.Value("", map[string]string{"Bearer abcdefghijkl": "v"}); !reflect.DeepEqual(got, map[string]any{Marker: Marker}) {
		t.Errorf("sensitive masked key: Value = %#v", got)
	}
}
