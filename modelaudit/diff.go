package modelaudit

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"unsafe"

	"github.com/secaudit/auditkit/internal/jsonfields"
)

// Diff returns the sorted, unique names of the fields that differ between
// before and after, for Updated's changed list. It never looks at what the
// fields hold beyond comparing them, and returns no values.
//
// Structs are compared field by field with reflect.DeepEqual. A field's name
// is the one encoding/json would use: exported fields only, the json tag name
// when there is one, "-" skipped, and the fields of embedded structs promoted
// under encoding/json's rules (a field reached through a nil embedded pointer
// is absent). Maps are compared key by key, keys written as strings: a key
// added, removed or whose value changed is a changed field. Pointers and
// interfaces are followed; a nil one stands for "no object", so Diff(nil, x)
// names every field of x, as a creation would.
//
// Sensitive fields (a password, an API key) are named like any other: the
// name that the field was changed is the audit fact, and Diff never returns
// a value, so it applies no redaction rule. A field Password tagged
// json:"p", which redaction treats as sensitive by its Go name
// (the struct-field rule of package redact), is named "p" exactly as a field Password is
// named "Password": by the key encoding/json writes.
//
// When before and after have different types, every field name of both is
// returned. Values that are neither structs nor maps have no fields, and
// nothing is returned for them. Diff is safe for concurrent use; it caches
// the field list of each struct type it sees.
func Diff(before, after any) []string {
	b, a := deref(reflect.ValueOf(before)), deref(reflect.ValueOf(after))
	var out []string
	switch {
	case !b.IsValid() && !a.IsValid():
		return nil
	case !b.IsValid() || !a.IsValid() || b.Type() != a.Type():
		out = appendNames(appendNames(nil, b), a)
	case b.Kind() == reflect.Struct:
		out = diffStruct(b, a)
	case b.Kind() == reflect.Map:
		out = diffMap(b, a)
	}
	if len(out) == 0 {
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// maxDeref bounds pointer chasing: a type such as `type P *P` can point to
// itself forever.
const maxDeref = 64

// deref follows pointers and interfaces; a nil one gives the zero Value.
func deref(v reflect.Value) reflect.Value {
	for range maxDeref {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return reflect.Value{}
			}
			v = v.Elem()
		default:
			return v
		}
	}
	return reflect.Value{}
}

// appendNames appends every field name of a struct or key of a map.
func appendNames(dst []string, v reflect.Value) []string {
	switch v.Kind() {
	case reflect.Struct:
		for _, f := range jsonfields.Of(v.Type()) {
			dst = append(dst, f.Name)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			dst = append(dst, keyString(it.Key()))
		}
	}
	return dst
}

func diffStruct(b, a reflect.Value) []string {
	fields := jsonfields.Of(b.Type())
	if slices.ContainsFunc(fields, func(f jsonfields.Field) bool { return f.ViaUnexported }) {
		b, a = addressable(b), addressable(a)
	}
	var out []string
	for _, f := range fields {
		if !equal(jsonfields.ByIndex(b, f.Index), jsonfields.ByIndex(a, f.Index)) {
			out = append(out, f.Name)
		}
	}
	return out
}

func diffMap(b, a reflect.Value) []string {
	var out []string
	for it := b.MapRange(); it.Next(); {
		if av := a.MapIndex(it.Key()); !av.IsValid() || !equal(it.Value(), av) {
			out = append(out, keyString(it.Key()))
		}
	}
	for it := a.MapRange(); it.Next(); {
		if !b.MapIndex(it.Key()).IsValid() {
			out = append(out, keyString(it.Key()))
		}
	}
	return out
}

// equal is reflect.DeepEqual on two values of the same type; an absent
// field (the zero Value) equals only another absent one.
func equal(x, y reflect.Value) bool {
	if !x.IsValid() || !y.IsValid() {
		return x.IsValid() == y.IsValid()
	}
	if x.Kind() == reflect.Interface { // map[string]any values, any fields
		if x.IsNil() || y.IsNil() {
			return x.IsNil() == y.IsNil()
		}
		x, y = x.Elem(), y.Elem()
		if x.Type() != y.Type() {
			return false
		}
	}
	// Scalars compare directly, as DeepEqual would, without boxing them.
	switch x.Kind() {
	case reflect.String:
		return x.String() == y.String()
	case reflect.Bool:
		return x.Bool() == y.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return x.Int() == y.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return x.Uint() == y.Uint()
	case reflect.Float32, reflect.Float64:
		return x.Float() == y.Float()
	}
	return reflect.DeepEqual(iface(x), iface(y))
}

// iface returns v as an interface. Exported fields promoted from an
// unexported embedded struct are readable through reflection but refuse
// Interface(); encoding/json reads them, so Diff must too. They are
// addressable (see addressable), and reading one through its address is
// safe: the type is the field's own.
func iface(v reflect.Value) any {
	if v.CanInterface() {
		return v.Interface()
	}
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem().Interface()
}

// addressable returns v itself if it is addressable, else an addressable
// copy.
func addressable(v reflect.Value) reflect.Value {
	if v.CanAddr() {
		return v
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	return c
}

// keyString renders a map key as a field name.
func keyString(k reflect.Value) string {
	switch k.Kind() {
	case reflect.String:
		return k.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10)
	case reflect.Bool:
		return strconv.FormatBool(k.Bool())
	}
	// fmt recovers from a panicking String method and renders the rest.
	return fmt.Sprint(iface(k))
}
