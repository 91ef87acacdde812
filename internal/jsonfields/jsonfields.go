// Package jsonfields lists the fields of a struct type that encoding/json
// would encode, under the names it would use. slogaudit (struct values),
// redact (Value) and modelaudit (Diff) all follow encoding/json here, so a
// field has one name everywhere it appears.
package jsonfields

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// Field is one JSON-visible field of a struct type.
type Field struct {
	// Name is the json tag name, or the Go field name.
	Name string
	// GoName is the Go field name, dotted after the names of the embedded
	// structs it is promoted from ("Password.Value"). Redaction judges a
	// field by both names (see redaction.Rules.EnterField): a field Password
	// tagged json:"p", or one promoted from an embedded type Password, is
	// still a password.
	GoName string
	// Index is the path for reflect.Value.FieldByIndex.
	Index []int
	// OmitEmpty is the tag's omitempty option.
	OmitEmpty bool
	// ViaUnexported is set for an exported field promoted from an unexported
	// embedded struct: reflection reads it but Value.Interface refuses it.
	ViaUnexported bool

	tagged bool
}

// cache maps reflect.Type to []Field. It grows only with the program's
// struct types, never with input.
var cache sync.Map

// Of lists the fields encoding/json would encode for the struct type t, in
// the same way: a breadth-first walk of embedded structs in which, for each
// name, the shallowest field wins, a tagged one breaks a tie at equal depth,
// and an unbroken tie hides the name altogether. Fields are in the order
// encoding/json writes them (declaration order, embedded fields in place).
// The result is cached and must not be modified.
func Of(t reflect.Type) []Field {
	if f, ok := cache.Load(t); ok {
		return f.([]Field)
	}
	f, _ := cache.LoadOrStore(t, typeFields(t))
	return f.([]Field)
}

func typeFields(t reflect.Type) []Field {
	type queued struct {
		typ    reflect.Type
		index  []int
		ro     bool
		goPath string // Go names of the embedded fields on the way, dotted
	}
	var fields []Field
	var current []queued
	next := []queued{{typ: t}}
	var count, nextCount map[reflect.Type]int
	visited := map[reflect.Type]bool{}

	for len(next) > 0 {
		current, next = next, current[:0]
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, q := range current {
			if visited[q.typ] {
				continue
			}
			visited[q.typ] = true
			for i := range q.typ.NumField() {
				sf := q.typ.Field(i)
				if sf.Anonymous {
					et := sf.Type
					if et.Kind() == reflect.Pointer {
						et = et.Elem()
					}
					if !sf.IsExported() && et.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !isValidTag(name) {
					name = ""
				}
				index := append(slices.Clip(q.index), i)
				ro := q.ro || !sf.IsExported()
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					tagged := name != ""
					if name == "" {
						name = sf.Name
					}
					fields = append(fields, Field{Name: name, GoName: q.goPath + sf.Name, Index: index, tagged: tagged,
						OmitEmpty: hasOption(opts, "omitempty"), ViaUnexported: ro})
					if count[q.typ] > 1 {
						// The same struct embedded twice at this depth: the
						// duplicate makes the tie below hide the name, as
						// encoding/json does.
						fields = append(fields, fields[len(fields)-1])
					}
					continue
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, queued{typ: ft, index: index, ro: ro, goPath: q.goPath + sf.Name + "."})
				}
			}
		}
	}

	slices.SortFunc(fields, func(a, b Field) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.Index), len(b.Index)); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.Index, b.Index)
	})
	var out []Field
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].Name == fields[i].Name {
			j++
		}
		// fields[i] dominates unless the next one ties with it.
		if j == i+1 || len(fields[i].Index) != len(fields[i+1].Index) || fields[i].tagged != fields[i+1].tagged {
			out = append(out, fields[i])
		}
		i = j
	}
	// Declaration order, as encoding/json writes them.
	slices.SortFunc(out, func(a, b Field) int { return slices.Compare(a.Index, b.Index) })
	return out
}

func hasOption(opts, o string) bool {
	for opts != "" {
		var cur string
		cur, opts, _ = strings.Cut(opts, ",")
		if cur == o {
			return true
		}
	}
	return false
}

// isValidTag is encoding/json's rule for a usable tag name.
func isValidTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// ByIndex is Value.FieldByIndex, except that a nil embedded pointer gives
// the zero Value instead of a panic.
func ByIndex(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// IsEmpty is encoding/json's notion of an empty value for omitempty.
func IsEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
