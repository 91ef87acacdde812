package jsonfields

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

type Base struct {
	ID   string
	Name string `json:"name"`
}

type inner struct{ Hidden, Shown string }

type tieA struct{ Dup string }
type tieB struct{ Dup string }

type kitchen struct {
	Base
	*inner
	tieA
	tieB
	Title   string `json:"title,omitempty"`
	Skipped string `json:"-"`
	//lint:ignore SA5008 a field named "-", as encoding/json reads this tag
	Dash string `json:"-,"`
	//lint:ignore SA5008 an invalid name, which encoding/json replaces by the field name
	Bad     string `json:"a\"b"`
	private string
	Name    string // shadows Base.Name by depth: untagged but shallower
	Count   int    `json:",omitempty"`
}

// keysInOrder returns the object keys of encoding/json's output, in order.
func keysInOrder(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var keys []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestOfMatchesEncodingJSON: the names, their order and the dominance rules
// are those of encoding/json, for a value where no field is empty.
func TestOfMatchesEncodingJSON(t *testing.T) {
	v := kitchen{Base: Base{ID: "1", Name: "base"}, inner: &inner{"h", "s"},
		tieA: tieA{"a"}, tieB: tieB{"b"}, Title: "t", Dash: "d", Bad: "x", private: "p", Name: "n", Count: 2}
	var got []string
	for _, f := range Of(reflect.TypeOf(v)) {
		got = append(got, f.Name)
	}
	if want := keysInOrder(t, v); !slices.Equal(got, want) {
		t.Fatalf("Of = %v\nencoding/json = %v", got, want)
	}
}

func TestOmitEmptyAndByIndex(t *testing.T) {
	v := reflect.ValueOf(kitchen{})
	for _, f := range Of(v.Type()) {
		fv := ByIndex(v, f.Index)
		switch f.Name {
		case "Hidden", "Shown": // behind the nil *inner
			if fv.IsValid() {
				t.Errorf("%s: got a value through a nil embedded pointer", f.Name)
			}
		case "title", "Count":
			if !f.OmitEmpty || !IsEmpty(fv) {
				t.Errorf("%s: OmitEmpty %v, IsEmpty %v", f.Name, f.OmitEmpty, IsEmpty(fv))
			}
		default:
			if f.OmitEmpty {
				t.Errorf("%s: OmitEmpty set", f.Name)
			}
		}
		if f.ViaUnexported != (f.Name == "Hidden" || f.Name == "Shown") {
			t.Errorf("%s: ViaUnexported = %v", f.Name, f.ViaUnexported)
		}
	}
}
