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
		{"stringer", stringerKey{1}, "s", false, false},
		{"float via Sprint", 1.5, "1.5", false, false},
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
