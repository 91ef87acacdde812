package jsonfields

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// ErrPanic is wrapped by the error of MapKey when a method of the key
// panicked (as opposed to returning an error).
var ErrPanic = errors.New("jsonfields: method panicked")

// MapKey is the object key of map key k: the text of its MarshalText method
// when it has one (even for a string kind, unlike encoding/json, so that a
// masking type such as redact.Secret masks itself as a key too), the string
// itself, the decimal form of an integer, "true" or "false", the shortest
// form of a float, "null" for a nil pointer. Any other key (a struct, an
// array, a pointer: encoding/json refuses them) is written as its type,
// "<pkg.Type>", never printed: fmt would show every field, unexported ones
// too, past the key rules, and the text of a panicking String method. A
// MarshalText that fails or panics gives an error and no text: callers
// write a placeholder of their own, never the error's text, which could
// hold the data.
func MapKey(k reflect.Value) (key string, err error) {
	if k.Kind() == reflect.Interface && !k.IsNil() {
		k = k.Elem()
	}
	if k.Kind() == reflect.Pointer && k.IsNil() {
		return "null", nil
	}
	if k.CanInterface() {
		if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
			defer func() {
				if p := recover(); p != nil {
					key, err = "", fmt.Errorf("%w: MarshalText: %v", ErrPanic, p)
				}
			}()
			b, err := tm.MarshalText()
			if err != nil {
				return "", fmt.Errorf("MarshalText: %w", err)
			}
			return string(b), nil
		}
	}
	switch k.Kind() {
	case reflect.String:
		return k.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	case reflect.Bool:
		return strconv.FormatBool(k.Bool()), nil
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(k.Float(), 'g', -1, k.Type().Bits()), nil
	}
	return "<" + k.Type().String() + ">", nil
}
