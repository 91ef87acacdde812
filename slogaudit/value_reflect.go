package slogaudit

import (
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/secaudit/auditkit/internal/jsonenc"
	"github.com/secaudit/auditkit/internal/jsonfields"
	"github.com/secaudit/auditkit/internal/redaction"
	"github.com/secaudit/auditkit/redact"
)

// Values reached by reflection: maps, slices, arrays, structs and the
// pointers and interfaces that lead to them, projected as encoding/json
// would write them and redacted member by member.

// appendList writes n elements (at most MaxListLen, then the marker).
func (st *state) appendList(n int, elem func(i int)) {
	if st.otlp {
		if n == 0 {
			st.buf = append(st.buf, `{"arrayValue":{}}`...)
			return
		}
		st.buf = append(st.buf, `{"arrayValue":{"values":`...)
	}
	st.buf = append(st.buf, '[')
	keep := min(n, st.c.limits.MaxListLen)
	for i := range keep {
		if i > 0 {
			st.buf = append(st.buf, ',')
		}
		elem(i)
	}
	if n > keep {
		if keep > 0 {
			st.buf = append(st.buf, ',')
		}
		st.appendMarkerVal()
	}
	st.buf = append(st.buf, ']')
	if st.otlp {
		st.buf = append(st.buf, "}}"...)
	}
}

// appendReflect projects a value by its reflect.Kind.
func (st *state) appendReflect(rv reflect.Value, p redaction.Path, depth int) {
	for i := 0; rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface; i++ {
		if rv.IsNil() {
			st.appendNullVal()
			return
		}
		if i >= maxChain || st.chain >= maxChain {
			st.appendMarkerVal()
			return
		}
		iface := rv.Kind() == reflect.Interface
		rv = rv.Elem()
		if iface && rv.CanInterface() {
			// The dynamic value may have methods of its own.
			st.chain++
			st.appendAny(rv.Interface(), p, depth)
			st.chain--
			return
		}
	}
	switch rv.Kind() {
	case reflect.Invalid:
		st.appendNullVal()
	case reflect.String:
		st.appendStr(rv.String())
	case reflect.Bool:
		st.appendBoolVal(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		st.appendIntVal(rv.Int(), nil)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		st.appendUintVal(rv.Uint())
	case reflect.Float32:
		st.appendFloat(rv.Float(), 32)
	case reflect.Float64:
		st.appendFloat(rv.Float(), 64)
	case reflect.Complex64, reflect.Complex128:
		st.appendStr(strconv.FormatComplex(rv.Complex(), 'g', -1, 128))
	case reflect.Slice:
		if rv.IsNil() {
			st.appendNullVal()
			return
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			st.appendBytes(rv.Bytes())
			return
		}
		st.appendList(rv.Len(), func(i int) { st.appendElem(rv.Index(i), p, depth+1) })
	case reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 && st.c.valueRules && !st.noRedact {
			// A byte array is a list of numbers, as in encoding/json, but
			// the value rules see its bytes, as they see a []byte's.
			b := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(b), rv)
			if s := string(b); len(s) > 0 && st.c.rules.MatchValue(s) {
				st.appendQuotedMaskVal(s)
				return
			}
		}
		st.appendList(rv.Len(), func(i int) { st.appendElem(rv.Index(i), p, depth+1) })
	case reflect.Map:
		if rv.IsNil() {
			st.appendNullVal()
			return
		}
		ms := make([]member, 0, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			ms = append(ms, member{key: mapKey(it.Key()), rv: it.Value()})
		}
		st.appendObject(ms, true, p, depth)
	case reflect.Struct:
		fs := jsonfields.Of(rv.Type())
		ms := make([]member, 0, len(fs))
		for _, f := range fs {
			fv := jsonfields.ByIndex(rv, f.Index)
			if !fv.IsValid() || f.OmitEmpty && jsonfields.IsEmpty(fv) {
				continue // a nil embedded pointer, or omitempty
			}
			ms = append(ms, member{key: f.Name, goName: f.GoName, rv: fv})
		}
		st.appendObject(ms, false, p, depth)
	default: // chan, func, unsafe.Pointer: no JSON form
		st.appendStr("<" + rv.Type().String() + ">")
	}
}

// appendElem writes a list element, map value or struct field. Plain basic
// values skip the boxing that Interface would cost.
func (st *state) appendElem(ev reflect.Value, p redaction.Path, depth int) {
	if depth >= st.c.limits.MaxDepth {
		st.appendMarkerVal()
		return
	}
	switch ev.Kind() {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if ev.Type().NumMethod() == 0 {
			st.appendReflect(ev, p, depth)
			return
		}
	}
	if ev.CanInterface() {
		st.appendAny(ev.Interface(), p, depth)
		return
	}
	st.appendReflect(ev, p, depth)
}

// memberKind says which field of member holds the value.
type memberKind uint8

const (
	memberReflect memberKind = iota
	memberSlog
	memberAny
)

// member is one entry of an object being written.
type member struct {
	key string // raw key, for redaction
	esc string // escaped and cut key, as written
	// goName is a struct field's Go name, which redaction judges as well
	// as its JSON name (redaction.Rules.EnterField).
	goName string
	kind   memberKind
	// masked is set on a map key that a value rule matched: esc is its mask.
	masked bool
	rv     reflect.Value
	sv     slog.Value
	av     any
}

// appendObject writes a map, struct or group value. Maps are sorted by key
// before MaxMapEntries applies; keys are cut like strings, and keys that
// become equal once escaped or cut appear once. A map key that a value rule
// matches is written as its mask, as redact.Value does; of keys that end up
// equal, one that was not masked wins, then the smallest original key.
func (st *state) appendObject(ms []member, sorted bool, p redaction.Path, depth int) {
	maxKey := st.c.limits.MaxStringLen
	keyRules := sorted && st.c.valueRules && !st.noRedact
	for i := range ms {
		k := ms[i].key
		if keyRules && st.c.rules.MatchValue(k) {
			k, ms[i].masked = st.c.rules.Mask(k), true
		}
		s, cut := truncRunes(k, maxKey)
		b := jsonenc.AppendEscaped(nil, s)
		if cut {
			b = append(b, TruncatedMarker...)
		}
		ms[i].esc = string(b)
	}
	if sorted {
		slices.SortFunc(ms, func(a, b member) int {
			if c := strings.Compare(a.esc, b.esc); c != 0 {
				return c
			}
			// Equal keys (masked or cut): the first one is kept.
			if a.masked != b.masked {
				if b.masked {
					return -1
				}
				return 1
			}
			return strings.Compare(a.key, b.key)
		})
		ms = slices.CompactFunc(ms, func(a, b member) bool { return a.esc == b.esc })
	} else {
		seen := make(map[string]bool, len(ms))
		ms = slices.DeleteFunc(ms, func(m member) bool {
			if seen[m.esc] {
				return true
			}
			seen[m.esc] = true
			return false
		})
	}
	cut := len(ms) > st.c.limits.MaxMapEntries
	if cut {
		ms = ms[:st.c.limits.MaxMapEntries]
		// The cut marker owns this key.
		ms = slices.DeleteFunc(ms, func(m member) bool { return m.esc == "_truncated" })
	}
	if st.otlp {
		st.appendKVList(ms, cut, p, depth)
		return
	}
	st.buf = append(st.buf, '{')
	for i, m := range ms {
		if i > 0 {
			st.buf = append(st.buf, ',')
		}
		st.buf = append(st.buf, '"')
		st.buf = append(st.buf, m.esc...)
		st.buf = append(st.buf, '"', ':')
		st.appendMember(m, p, depth)
	}
	if cut {
		if len(ms) > 0 {
			st.buf = append(st.buf, ',')
		}
		st.buf = append(st.buf, `"_truncated":"`+TruncatedMarker+`"`...)
	}
	st.buf = append(st.buf, '}')
}

// appendMember writes the value of object member m (redacted under a
// sensitive key) under the path p of its object.
func (st *state) appendMember(m member, p redaction.Path, depth int) {
	mp := p
	if st.c.redacts && !st.noRedact {
		if mp = st.c.rules.EnterField(p, m.key, m.goName); mp.Sensitive() {
			st.appendSensitiveMember(m)
			return
		}
	}
	switch m.kind {
	case memberSlog:
		st.appendValue(m.sv, mp, depth+1)
	case memberAny:
		st.appendAny(m.av, mp, depth+1)
	default:
		st.appendElem(m.rv, mp, depth+1)
	}
}

// appendSensitiveMember writes the mask of a string member, or the marker.
// A redact.Pseudonym member is written as it is: no key masks it.
func (st *state) appendSensitiveMember(m member) {
	s, isString := "", false
	switch m.kind {
	case memberSlog:
		if isPseudonym(m.sv) {
			st.appendPseudonym(string(m.sv.Any().(redact.Pseudonym)))
			return
		}
		s, isString = m.sv.String(), m.sv.Kind() == slog.KindString
	case memberAny:
		if ps, ok := m.av.(redact.Pseudonym); ok {
			st.appendPseudonym(string(ps))
			return
		}
		s, isString = m.av.(string)
	default:
		rv := m.rv
		if rv.Kind() == reflect.Interface && !rv.IsNil() {
			rv = rv.Elem()
		}
		if rv.Type() == pseudonymType {
			st.appendPseudonym(rv.String())
			return
		}
		if m.rv.Kind() == reflect.String {
			s, isString = m.rv.String(), true
		}
	}
	if !isString {
		st.appendRedactedVal()
		return
	}
	st.appendQuotedMaskVal(s)
}

var pseudonymType = reflect.TypeFor[redact.Pseudonym]()

// mapKey is the object key of a map key (see jsonfields.MapKey), or a
// placeholder when its MarshalText fails.
func mapKey(k reflect.Value) string {
	key, err := jsonfields.MapKey(k)
	switch {
	case err == nil:
		return key
	case errors.Is(err, jsonfields.ErrPanic):
		return placeholderPanic
	}
	return placeholderError
}
