package slogaudit

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/secaudit/auditkit/internal/redaction"

	"github.com/secaudit/auditkit/internal/jsonenc"
	"github.com/secaudit/auditkit/internal/jsonfields"
	"github.com/secaudit/auditkit/internal/placeholder"
	"github.com/secaudit/auditkit/redact"
)

// Placeholders written instead of a value that could not be encoded, the
// same as redact writes (internal/placeholder). The reason goes to
// Options.OnError, never into the line: panic messages and error texts can
// carry the very data the line must not.
const (
	placeholderPanic       = placeholder.Panic
	placeholderInvalidJSON = placeholder.InvalidJSON
	placeholderError       = placeholder.Error
)

// maxChain bounds pointer and interface indirections, which MaxDepth does
// not count (a pointer is not a level of the output).
const maxChain = 32

// maxLogValuerCalls matches slog's bound on LogValuers returning LogValuers.
const maxLogValuerCalls = 100

// resolve resolves a LogValuer like slog.Value.Resolve, but reports a panic
// as an error instead of turning it (and a stack trace) into the value.
func resolve(v slog.Value) (rv slog.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			rv, err = slog.StringValue(placeholderPanic), errPanic("LogValue", p)
		}
	}()
	for range maxLogValuerCalls {
		if v.Kind() != slog.KindLogValuer {
			return v, nil
		}
		v = v.LogValuer().LogValue()
	}
	return slog.StringValue(TruncatedMarker), nil
}

// The value encoder below walks a value once, applying projection (what a Go
// value becomes in JSON), Limits and redaction, and writes the result with
// jsonenc. Only the leaf appends know the output format.

// appendValue writes v at nesting depth (top-level attribute values are 1).
func (st *state) appendValue(v slog.Value, p redaction.Path, depth int) {
	if depth >= st.c.limits.MaxDepth {
		st.buf = appendMarker(st.buf)
		return
	}
	switch v.Kind() {
	case slog.KindString:
		st.appendStr(v.String())
	case slog.KindInt64:
		st.buf = jsonenc.AppendInt(st.buf, v.Int64())
	case slog.KindUint64:
		st.buf = jsonenc.AppendUint(st.buf, v.Uint64())
	case slog.KindFloat64:
		st.appendFloat(v.Float64(), 64)
	case slog.KindBool:
		st.buf = jsonenc.AppendBool(st.buf, v.Bool())
	case slog.KindDuration:
		st.buf = jsonenc.AppendInt(st.buf, int64(v.Duration()))
	case slog.KindTime:
		st.buf = jsonenc.AppendTime(st.buf, v.Time())
	case slog.KindGroup:
		g := v.Group()
		ms := make([]member, 0, len(g))
		for _, a := range g {
			if a.Key == "" && a.Value.Kind() == slog.KindAny && a.Value.Any() == nil {
				continue
			}
			ms = append(ms, member{key: a.Key, sv: a.Value, kind: memberSlog})
		}
		st.appendObject(ms, false, p, depth)
	case slog.KindLogValuer:
		rv, err := resolve(v)
		if err != nil {
			st.c.reportError(err)
		}
		st.appendValue(rv, p, depth)
	case slog.KindAny:
		st.appendAny(v.Any(), p, depth)
	default:
		st.appendStr(v.String())
	}
}

// appendStr writes a string value: masked when a value rule matches, else
// cut to the current string cap.
func (st *state) appendStr(s string) {
	match := st.c.valueRules && !st.noRedact && st.c.rules.MatchValue(s)
	if len(s) <= st.strCap && !match {
		// The common case: nothing matched, nothing to cut.
		st.longest = max(st.longest, len(s))
		st.buf = jsonenc.AppendString(st.buf, s)
		return
	}
	if match {
		st.buf = st.c.appendQuotedMask(st.buf, s)
		return
	}
	s, cut := truncRunes(s, st.strCap)
	st.longest = max(st.longest, len(s))
	st.buf = append(st.buf, '"')
	st.buf = jsonenc.AppendEscaped(st.buf, s)
	if cut {
		st.buf = append(st.buf, TruncatedMarker...)
	}
	st.buf = append(st.buf, '"')
}

// appendPseudonym writes a redact.Pseudonym: a string that is safe to log
// by its type's promise, so value rules do not look at it. It is cut to the
// string cap like any string.
func (st *state) appendPseudonym(s string) {
	s, cut := truncRunes(s, st.strCap)
	st.longest = max(st.longest, len(s))
	st.buf = append(st.buf, '"')
	st.buf = jsonenc.AppendEscaped(st.buf, s)
	if cut {
		st.buf = append(st.buf, TruncatedMarker...)
	}
	st.buf = append(st.buf, '"')
}

// appendBytes writes b as a base64 string, cut to the string cap. The value
// rules see the raw bytes (a token in a []byte is still a token); a match
// writes the mask of the bytes as a string, as redact.Value does.
func (st *state) appendBytes(b []byte) {
	if st.c.valueRules && !st.noRedact && len(b) > 0 {
		// The detectors neither keep nor modify the string.
		if s := unsafe.String(&b[0], len(b)); st.c.rules.MatchValue(s) {
			st.buf = st.c.appendQuotedMask(st.buf, s)
			return
		}
	}
	st.buf = append(st.buf, '"')
	start := len(st.buf)
	st.buf = base64.StdEncoding.AppendEncode(st.buf, b)
	if n := len(st.buf) - start; n > st.strCap {
		st.buf = append(st.buf[:start+st.strCap], TruncatedMarker...)
	}
	st.longest = max(st.longest, len(st.buf)-start)
	st.buf = append(st.buf, '"')
}

// appendAny projects an arbitrary Go value. Resolution order: time.Time,
// time.Duration, error, json.Marshaler, encoding.TextMarshaler, fmt.Stringer,
// then reflection. Methods are never called on nil pointers.
func (st *state) appendAny(x any, p redaction.Path, depth int) {
	if depth >= st.c.limits.MaxDepth {
		st.buf = appendMarker(st.buf)
		return
	}
	switch x := x.(type) {
	case nil:
		st.buf = append(st.buf, "null"...)
		return
	case string:
		st.appendStr(x)
		return
	case bool:
		st.buf = jsonenc.AppendBool(st.buf, x)
		return
	case int:
		st.buf = jsonenc.AppendInt(st.buf, int64(x))
		return
	case int64:
		st.buf = jsonenc.AppendInt(st.buf, x)
		return
	case float64:
		st.appendFloat(x, 64)
		return
	case json.Number:
		st.appendNumber(x)
		return
	case redact.Pseudonym:
		st.appendPseudonym(string(x))
		return
	case url.URL:
		// String has a pointer receiver: by value, reflection would write
		// the User field's "name:password" where no rule sees a URL.
		st.appendStr(x.String())
		return
	case *url.Userinfo:
		st.appendUserinfo(x)
		return
	case time.Time:
		st.buf = jsonenc.AppendTime(st.buf, x)
		return
	case time.Duration:
		st.buf = jsonenc.AppendInt(st.buf, int64(x))
		return
	case slog.Value:
		st.appendValue(x, p, depth)
		return
	case []byte:
		if x == nil {
			st.buf = append(st.buf, "null"...)
		} else {
			st.appendBytes(x)
		}
		return
	case map[string]any:
		if x == nil {
			st.buf = append(st.buf, "null"...)
			return
		}
		ms := make([]member, 0, len(x))
		for k, v := range x {
			ms = append(ms, member{key: k, av: v, kind: memberAny})
		}
		st.appendObject(ms, true, p, depth)
		return
	case []any:
		if x == nil {
			st.buf = append(st.buf, "null"...)
			return
		}
		st.appendList(len(x), func(i int) { st.appendAny(x[i], p, depth+1) })
		return
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		if rv.IsNil() {
			st.buf = append(st.buf, "null"...)
			return
		}
	}
	switch m := x.(type) {
	case slog.LogValuer:
		// Nested in a map, slice or struct, slog has not resolved it.
		v, err := resolve(slog.AnyValue(m))
		if err != nil {
			st.c.reportError(err)
			st.appendStr(placeholderPanic)
			return
		}
		st.appendValue(v, p, depth)
		return
	case error:
		st.appendCall("Error", m.Error)
		return
	case json.Marshaler:
		st.appendMarshaler(m, p, depth)
		return
	case encoding.TextMarshaler:
		b, err := callBytes("MarshalText", m.MarshalText)
		if err != nil {
			st.c.reportError(err)
			st.appendStr(placeholderFor(err))
			return
		}
		st.appendStr(string(b))
		return
	case fmt.Stringer:
		st.appendCall("String", m.String)
		return
	}
	st.appendReflect(rv, p, depth)
}

// appendUserinfo writes the user name of a URL's user information, or the
// redaction marker when it holds a password ("name:password" matches no
// value rule on its own).
func (st *state) appendUserinfo(u *url.Userinfo) {
	switch _, hasPassword := u.Password(); {
	case u == nil:
		st.buf = append(st.buf, "null"...)
	case hasPassword && st.c.redacts && !st.noRedact:
		st.buf = append(st.buf, `"`+redact.Marker+`"`...)
	case hasPassword:
		st.appendStr(u.String())
	default:
		st.appendStr(u.Username())
	}
}

// appendCall writes the string returned by an application method, or a
// placeholder if it panics.
func (st *state) appendCall(name string, f func() string) {
	s, err := callString(name, f)
	if err != nil {
		st.c.reportError(err)
		s = placeholderPanic
	}
	st.appendStr(s)
}

func callString(name string, f func() string) (s string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errPanic(name, p)
		}
	}()
	return f(), nil
}

// errMethod marks an error returned (not panicked) by MarshalJSON or
// MarshalText.
type errMethod struct{ error }

func callBytes(name string, f func() ([]byte, error)) (b []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errPanic(name, p)
		}
	}()
	b, err = f()
	if err != nil {
		err = errMethod{fmt.Errorf("slogaudit: %s: %w", name, err)}
	}
	return b, err
}

func placeholderFor(err error) string {
	if _, ok := err.(errMethod); ok {
		return placeholderError
	}
	return placeholderPanic
}

// appendMarshaler decodes the output of MarshalJSON and projects it like any
// other value, so limits and redaction apply to its contents too.
func (st *state) appendMarshaler(m json.Marshaler, p redaction.Path, depth int) {
	b, err := callBytes("MarshalJSON", m.MarshalJSON)
	if err != nil {
		st.c.reportError(err)
		st.appendStr(placeholderFor(err))
		return
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		st.c.reportError(errInvalidJSON)
		st.appendStr(placeholderInvalidJSON)
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		st.c.reportError(errInvalidJSON)
		st.appendStr(placeholderInvalidJSON)
		return
	}
	st.appendAny(v, p, depth)
}

// appendNumber writes a json.Number (from MarshalJSON output, or decoded
// with UseNumber by the application) as its own text when that is a valid
// JSON number, so neither 12.50 nor 12345678901234567890 is rounded through
// float64; a decimal beyond the float64 range is the string of ±Inf, as a
// float64 would be. Value rules see the text, as in redact.Value (a card
// number sent as a JSON number). Anything that is not a JSON number is
// written as the closest number, or as a string if it is none.
func (st *state) appendNumber(n json.Number) {
	s := string(n)
	if st.c.valueRules && !st.noRedact && st.c.rules.MatchValue(s) {
		st.buf = append(st.buf, '"')
		st.buf = st.c.rules.AppendMask(st.buf, s)
		st.buf = append(st.buf, '"')
		return
	}
	if integer, ok := jsonenc.ScanNumber(s); ok {
		if integer {
			st.buf = append(st.buf, s...)
			return
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			st.buf = append(st.buf, s...)
			return
		}
	}
	if i, err := n.Int64(); err == nil {
		st.buf = jsonenc.AppendInt(st.buf, i)
		return
	}
	if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
		st.buf = jsonenc.AppendUint(st.buf, u)
		return
	}
	f, err := strconv.ParseFloat(s, 64) // out of range: ±Inf
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		st.appendStr(s)
		return
	}
	st.appendFloat(f, 64)
}

// appendList writes n elements (at most MaxListLen, then the marker).
func (st *state) appendList(n int, elem func(i int)) {
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
		st.buf = appendMarker(st.buf)
	}
	st.buf = append(st.buf, ']')
}

// appendReflect projects a value by its reflect.Kind.
func (st *state) appendReflect(rv reflect.Value, p redaction.Path, depth int) {
	for i := 0; rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface; i++ {
		if rv.IsNil() {
			st.buf = append(st.buf, "null"...)
			return
		}
		if i >= maxChain || st.chain >= maxChain {
			st.buf = appendMarker(st.buf)
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
		st.buf = append(st.buf, "null"...)
	case reflect.String:
		st.appendStr(rv.String())
	case reflect.Bool:
		st.buf = jsonenc.AppendBool(st.buf, rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		st.buf = jsonenc.AppendInt(st.buf, rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		st.buf = jsonenc.AppendUint(st.buf, rv.Uint())
	case reflect.Float32:
		st.appendFloat(rv.Float(), 32)
	case reflect.Float64:
		st.appendFloat(rv.Float(), 64)
	case reflect.Complex64, reflect.Complex128:
		st.appendStr(strconv.FormatComplex(rv.Complex(), 'g', -1, 128))
	case reflect.Slice:
		if rv.IsNil() {
			st.buf = append(st.buf, "null"...)
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
				st.buf = st.c.appendQuotedMask(st.buf, s)
				return
			}
		}
		st.appendList(rv.Len(), func(i int) { st.appendElem(rv.Index(i), p, depth+1) })
	case reflect.Map:
		if rv.IsNil() {
			st.buf = append(st.buf, "null"...)
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
		st.buf = appendMarker(st.buf)
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
	st.buf = append(st.buf, '{')
	for i, m := range ms {
		if i > 0 {
			st.buf = append(st.buf, ',')
		}
		st.buf = append(st.buf, '"')
		st.buf = append(st.buf, m.esc...)
		st.buf = append(st.buf, '"', ':')
		mp := p
		if st.c.redacts && !st.noRedact {
			if mp = st.c.rules.EnterField(p, m.key, m.goName); mp.Sensitive() {
				st.appendSensitiveMember(m)
				continue
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
	if cut {
		if len(ms) > 0 {
			st.buf = append(st.buf, ',')
		}
		st.buf = append(st.buf, `"_truncated":"`+TruncatedMarker+`"`...)
	}
	st.buf = append(st.buf, '}')
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
	st.buf = append(st.buf, '"')
	if isString {
		st.buf = st.c.rules.AppendMask(st.buf, s)
	} else {
		st.buf = append(st.buf, redact.Marker...)
	}
	st.buf = append(st.buf, '"')
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
