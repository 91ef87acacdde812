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
		{"bytes", "raw", []byte("hunter2"), Marker},
		{"json.Marshaler walked", "obj", rawJSON{},
			map[string]any{"password": Marker, "n": Marker, "ok": "yes"}},
		{"bad json.Marshaler", "obj", badJSON{}, "!ERROR:unexpected EOF"},
		{"json.RawMessage", "obj", json.RawMessage(`{"token":"t"}`), map[string]any{"token": Marker}},
		{"json.Number", "n", json.Number("4111111111111111"), Marker},
		{"error kept", "err", errors.New("boom"), errors.New("boom")},
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
			if e, ok := tt.want.(error); ok {
				if ge, ok := got.(error); !ok || ge.Error() != e.Error() {
					t.Fatalf("Value = %#v, want error %q", got, e)
				}
				return
			}
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
