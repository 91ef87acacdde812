package modelaudit_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/secaudit/auditkit/modelaudit"
)

type Address struct {
	Street string `json:"street"`
	City   string `json:"city"`
}

type Audited struct {
	CreatedBy string `json:"created_by"`
	Version   int    `json:"version"`
}

type base struct {
	ID     int    `json:"id"`
	Tenant string // no tag: Go name
}

type Invoice struct {
	base                    // unexported embedded: fields promoted, as encoding/json does
	*Audited                // embedded pointer: promoted, absent when nil
	Amount   int64          `json:"amount"`
	Currency string         `json:"currency,omitempty"`
	Secret   string         `json:"-"`
	Address  Address        // no tag: Go name; a nested struct is one field
	Tags     []string       `json:"tags"`
	Meta     map[string]any `json:"meta"`
	Due      *time.Time     `json:"due"`
	note     string

	//lint:ignore SA5008 encoding/json names this field "-"; Diff must too.
	Dash string `json:"-,"`
	//lint:ignore SA5008 an invalid tag name falls back to the Go name.
	Bad string `json:"a\"b"`
}

type Named struct {
	Address `json:"addr"` // a tagged embedded struct is one field
	Name    string        `json:"name"`
}

type (
	A struct{ X, Y int }
	B struct{ X int }
	// Conflict embeds two structs with an X at the same depth: encoding/json
	// hides X; Y is shallower in A than in C.
	Conflict struct {
		A
		B
		Y string
	}
	Tagged struct {
		X int `json:"X"`
	}
	// TagWins: at equal depth the tagged X wins over B's untagged one.
	TagWins struct {
		Tagged
		B
	}
	Loop struct {
		*Loop
		N int
	}
)

func TestDiff(t *testing.T) {
	due := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	later := due.Add(time.Hour)
	inv := Invoice{
		base: base{ID: 1, Tenant: "t"}, Amount: 100, Currency: "EUR",
		Address: Address{"Main 1", "Oslo"}, Tags: []string{"a"}, Meta: map[string]any{"k": 1.0}, Due: &due,
	}
	with := func(f func(*Invoice)) Invoice { c := inv; f(&c); return c }

	tests := []struct {
		name          string
		before, after any
		want          []string
	}{
		{"nil both", nil, nil, nil},
		{"same", inv, inv, nil},
		{"same via pointers", &inv, &inv, nil},
		{"pointer and value", &inv, with(func(c *Invoice) { c.Amount = 1 }), []string{"amount"}},
		{"json names sorted", inv, with(func(c *Invoice) { c.Amount, c.Currency = 1, "USD" }), []string{"amount", "currency"}},
		{"skipped and unexported fields", inv, with(func(c *Invoice) { c.Secret, c.note = "x", "y" }), nil},
		{"dash comma tag", inv, with(func(c *Invoice) { c.Dash = "x" }), []string{"-"}},
		{"invalid tag uses Go name", inv, with(func(c *Invoice) { c.Bad = "x" }), []string{"Bad"}},
		{"nested struct is one field", inv, with(func(c *Invoice) { c.Address.City = "Bergen" }), []string{"Address"}},
		{"unexported embedded promoted", inv, with(func(c *Invoice) { c.ID, c.Tenant = 2, "u" }), []string{"Tenant", "id"}},
		{"nil embedded pointer", inv, with(func(c *Invoice) { c.Audited = &Audited{} }), []string{"created_by", "version"}},
		{"embedded pointer field", with(func(c *Invoice) { c.Audited = &Audited{Version: 1} }),
			with(func(c *Invoice) { c.Audited = &Audited{Version: 2} }), []string{"version"}},
		{"slice deep", inv, with(func(c *Invoice) { c.Tags = []string{"a", "b"} }), []string{"tags"}},
		{"slice equal contents", inv, with(func(c *Invoice) { c.Tags = []string{"a"} }), nil},
		{"nil vs empty slice", inv, with(func(c *Invoice) { c.Tags = nil }), []string{"tags"}},
		{"map field", inv, with(func(c *Invoice) { c.Meta = map[string]any{"k": 2.0} }), []string{"meta"}},
		{"pointer field deep equal", inv, with(func(c *Invoice) { d := due; c.Due = &d }), nil},
		{"pointer field changed", inv, with(func(c *Invoice) { c.Due = &later }), []string{"due"}},
		{"tagged embedded struct", Named{Address: Address{City: "a"}}, Named{Address: Address{City: "b"}}, []string{"addr"}},
		{"ambiguous name hidden", Conflict{A: A{X: 1}}, Conflict{A: A{X: 2}, B: B{X: 3}}, nil},
		{"shallower name wins", Conflict{A: A{Y: 1}}, Conflict{A: A{Y: 2}}, nil},
		{"shallow field changed", Conflict{Y: "a"}, Conflict{Y: "b"}, []string{"Y"}},
		{"tag breaks tie", TagWins{}, TagWins{Tagged: Tagged{X: 1}, B: B{X: 1}}, []string{"X"}},
		{"untagged loser ignored", TagWins{}, TagWins{B: B{X: 1}}, nil},
		{"recursive embedding", Loop{N: 1}, Loop{N: 2, Loop: &Loop{N: 3}}, []string{"N"}},
		{"nil before is creation", nil, Address{}, []string{"city", "street"}},
		{"nil pointer after is deletion", &Address{}, (*Address)(nil), []string{"city", "street"}},
		{"mismatched types", Address{}, Audited{}, []string{"city", "created_by", "street", "version"}},
		{"struct vs map", Address{City: "x"}, map[string]int{"city": 1, "zip": 2}, []string{"city", "street", "zip"}},
		{"maps", map[string]any{"a": 1, "b": []int{1}, "c": "x"}, map[string]any{"a": 1, "b": []int{2}, "d": nil},
			[]string{"b", "c", "d"}},
		{"interface values of different types", map[string]any{"a": 1, "b": nil, "c": "x"},
			map[string]any{"a": int64(1), "b": nil, "c": "x"}, []string{"a"}},
		{"interface nil vs zero", map[string]any{"a": nil}, map[string]any{"a": 0}, []string{"a"}},
		{"map nil vs empty", map[string]int(nil), map[string]int{}, nil},
		{"map nil vs entry", map[string]int(nil), map[string]int{"a": 0}, []string{"a"}},
		{"int keys", map[int]string{1: "a", 10: "b"}, map[int]string{1: "a", 10: "c", -2: "d"}, []string{"-2", "10"}},
		{"keys stringifying alike", map[any]int{1: 1, "1": 2}, map[any]int{}, []string{"1"}},
		{"different map types", map[string]int{"a": 1}, map[string]int64{"a": 1}, []string{"a"}},
		{"non-struct values", 1, 2, nil},
		{"non-struct mismatched", 1, "x", nil},
		{"interface inside pointer", ptr(any(Address{City: "a"})), Address{City: "b"}, []string{"city"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := modelaudit.Diff(tc.before, tc.after)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Diff = %#v, want %#v", got, tc.want)
			}
			// Swapping the arguments names the same fields.
			if back := modelaudit.Diff(tc.after, tc.before); !reflect.DeepEqual(back, tc.want) {
				t.Errorf("Diff(after, before) = %#v, want %#v", back, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestDiffSelfPointer(t *testing.T) {
	type P *P
	var p P
	p = &p
	if got := modelaudit.Diff(p, p); got != nil {
		t.Fatalf("Diff of a self-pointer = %v, want nil", got)
	}
}

// TestDiffNamesMatchEncodingJSON: the names Diff gives a struct are the keys
// encoding/json writes for it (no omitempty field empty, no nil embedded
// pointer), so audit logs and the API agree.
func TestDiffNamesMatchEncodingJSON(t *testing.T) {
	values := []any{
		Invoice{Currency: "EUR", Audited: &Audited{}},
		Named{},
		Conflict{},
		TagWins{},
		Loop{Loop: &Loop{}},
		Address{},
	}
	for _, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		want := slices.Sorted(maps.Keys(m))
		if got := modelaudit.Diff(nil, v); !reflect.DeepEqual(got, want) {
			t.Errorf("%T: Diff(nil, v) = %q, encoding/json keys %q", v, got, want)
		}
	}
}

// TestDiffSensitiveFields: Diff names a changed sensitive field like any
// other field, by the name encoding/json writes and never with its value,
// and a renamed one (Password tagged json:"p", the redaction rule's case of
// a field that is sensitive by its Go name) exactly as a field named
// Password: only the name differs.
func TestDiffSensitiveFields(t *testing.T) {
	type named struct {
		Password string
		APIKey   string `json:"api_key"`
		Name     string `json:"name"`
	}
	type renamed struct {
		Password string `json:"p"`
		APIKey   string `json:"key"`
		Name     string `json:"name"`
	}
	tests := []struct {
		name          string
		before, after any
		want          []string
	}{
		{"named, changed", named{Password: "a", Name: "n"}, named{Password: "b", Name: "n"}, []string{"Password"}},
		{"renamed, changed", renamed{Password: "a", Name: "n"}, renamed{Password: "b", Name: "n"}, []string{"p"}},
		{"named, unchanged", named{Password: "a"}, named{Password: "a"}, nil},
		{"renamed, unchanged", renamed{Password: "a"}, renamed{Password: "a"}, nil},
		{"named, all", named{"a", "k1", "x"}, named{"b", "k2", "y"}, []string{"Password", "api_key", "name"}},
		{"renamed, all", renamed{"a", "k1", "x"}, renamed{"b", "k2", "y"}, []string{"key", "name", "p"}},
		{"created", nil, renamed{Password: "a"}, []string{"key", "name", "p"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := modelaudit.Diff(tc.before, tc.after)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Diff = %#v, want %#v", got, tc.want)
			}
			for _, n := range got {
				if n == "a" || n == "b" || n == "k1" || n == "k2" {
					t.Errorf("Diff returned a value: %q", n)
				}
			}
		})
	}
}
