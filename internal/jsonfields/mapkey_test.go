package jsonfields

import (
	"errors"
	"reflect"
	"testing"
)

type maskKey string

func (maskKey) MarshalText() ([]byte, error) { return []byte("[MASKED]"), nil }

type failKey struct{}

func (failKey) MarshalText() ([]byte, error) { return nil, errors.New("secret-in-error") }

type panicKey struct{}

func (panicKey) MarshalText() ([]byte, error) { panic("secret-in-panic") }

type stringerKey struct{ n int }

func (s stringerKey) String() string { return "s" }

// credKey would show its password if it were printed.
type credKey struct{ User, Password string }

type panicStringKey struct{ ID int }

func (panicStringKey) String() string { panic("cannot print pw=hunter2") }

func TestMapKey(t *testing.T) {
	var nilPtr *int
	tests := []struct {
		name  string
		key   any
		want  string
		err   bool
		panic bool
	}{
		{"string", "a.b", "a.b", false, false},
		{"int", -7, "-7", false, false},
		{"uint", uint8(9), "9", false, false},
		{"text of a string kind", maskKey("hunter2"), "[MASKED]", false, false},
		{"nil pointer", nilPtr, "null", false, false},
		// Keys encoding/json refuses are their type, never printed: no
		// fields, no String, no panic text.
		{"stringer struct", stringerKey{1}, "<jsonfields.stringerKey>", false, false},
		{"struct with a password", credKey{"bob", "hunter2"}, "<jsonfields.credKey>", false, false},
		{"panicking String", panicStringKey{1}, "<jsonfields.panicStringKey>", false, false},
		{"array", [2]string{"a", "hunter2"}, "<[2]string>", false, false},
		{"float", 1.5, "1.5", false, false},
		{"bool", true, "true", false, false},
		{"failing MarshalText", failKey{}, "", true, false},
		{"panicking MarshalText", panicKey{}, "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := reflect.ValueOf(map[any]int{tt.key: 1})
			got, err := MapKey(m.MapKeys()[0])
			if got != tt.want || (err != nil) != tt.err || errors.Is(err, ErrPanic) != tt.panic {
				t.Fatalf("MapKey = %q, %v; want %q, error %v, panic %v", got, err, tt.want, tt.err, tt.panic)
			}
		})
	}
}
