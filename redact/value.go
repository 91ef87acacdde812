package redact

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/secaudit/auditkit/internal/redaction"
	"io"
	"log/slog"
	"net/url"
	"reflect"
	"time"
	"unsafe"

	"github.com/secaudit/auditkit/internal/jsonfields"
	"github.com/secaudit/auditkit/internal/placeholder"
)

// Bounds of a deep walk. Values come from the application, not from an
// attacker, but a cyclic or enormous value must not hang or exhaust a
// request; what lies beyond a bound is replaced by Marker, never passed on
// unexamined.
const (
	maxWalkDepth = 32
	maxWalkNodes = 1 << 14
)

// Value returns a redacted deep copy of v as it would be logged under key
// (a dotted path; "" for the root). Maps (with keys of any type, stringified
// for matching), structs (exported fields under their json tag names, as
// map[string]any), slices and arrays (as []any), pointers and interfaces are
// walked; a sensitive key replaces everything under it, and a map key that
// matches a value rule is masked. Other values are resolved the way the
// slogaudit handler resolves them: slog.LogValuer, then time.Time and
// time.Duration (kept), error (its text, as a string: never its fields or
// marshalers), json.Marshaler (its output decoded and walked, so keys inside
// it are matched too), encoding.TextMarshaler and fmt.Stringer (their text).
// A method that panics or fails gives a fixed placeholder ("[PANIC]",
// "[ERROR]", "[INVALID JSON]"), never the panic's or the error's text. A
// struct field is sensitive when its JSON name or its Go name is (a field
// Password tagged json:"p" is still a password; see Keys in the package
// documentation).
// Strings that match a value rule are masked; other scalars are returned as
// their basic type. A []byte (or a named byte-slice type) is returned as a
// plain []byte copy, which JSON handlers write as base64; the value rules
// see its raw bytes, and a match replaces it with the mask of the bytes read
// as a string. A byte array is checked the same way and otherwise becomes a
// list of numbers, as encoding/json writes it. A nil pointer is nil, and a
// [Pseudonym] is returned unchanged, under any key. A cycle, or nesting
// deeper than 32 levels, becomes Marker. The result holds
// no value of the application's own types, so no method of theirs runs when
// a handler serialises it.
//
// With None, v is returned as it is. httpaudit uses Value for captured JSON
// bodies and query values; decode JSON with json.Decoder.UseNumber so that
// value rules also see numbers (a card number sent as a JSON number).
func (r *Redactor) Value(key string, v any) any {
	if !r.rules.Redacts() {
		return v
	}
	w := walker{r: r, budget: maxWalkNodes}
	return w.any(r.rules.Enter(redaction.Path{}, key), v, 0)
}

// walker carries the bounds of one deep walk: a node budget and the stack of
// maps, slices and pointers being walked, which detects cycles.
type walker struct {
	r      *Redactor
	budget int
	stack  [maxWalkDepth + 1]uintptr
	n      int
}

// masked is what replaces v under a sensitive path: a string's mask (its
// pseudonym with an HMAC key), Marker for anything else. A Pseudonym is
// already safe and stays.
func (w *walker) masked(v any) any {
	switch x := v.(type) {
	case string:
		return w.r.Mask(x)
	case Pseudonym:
		return x
	case Secret:
		return Marker
	case slog.LogValuer:
		// Only a pseudonym needs the value; a plain mask does not.
		if w.r.rules.HasHMAC() {
			if rv := resolve(slog.AnyValue(x)); rv.Kind() == slog.KindString && rv.String() != placeholder.Panic {
				return w.r.Mask(rv.String())
			}
		}
	}
	return Marker
}

func (w *walker) str(s string) any {
	if w.r.rules.MatchValue(s) {
		return w.r.Mask(s)
	}
	return s
}

// bytes is a []byte with value rules applied to its raw bytes: the mask of
// the bytes read as a string if one matches, else a copy that the caller
// cannot change under the handler (JSON handlers write it as base64).
func (w *walker) bytes(b []byte) any {
	if len(b) > 0 && w.r.rules.HasValueRules() {
		// The detectors and patterns neither keep nor modify the string, so
		// they can read the bytes in place: converting would allocate a
		// copy of every []byte only to look at it.
		if s := unsafe.String(&b[0], len(b)); w.r.rules.MatchValue(s) {
			return w.r.Mask(s)
		}
	}
	if b == nil {
		return []byte(nil)
	}
	return bytes.Clone(b)
}

// text is the string an application method returns, with value rules
// applied, or a fixed placeholder for its error or panic.
func (w *walker) text(f func() ([]byte, error)) any {
	failed := false
	s := safeText(func() string {
		b, err := f()
		if err != nil {
			failed = true
			return ""
		}
		return string(b)
	})
	if failed {
		return placeholder.Error
	}
	return w.strText(s)
}

// strText is w.str for the result of safeText: the panic placeholder stays
// as it is.
func (w *walker) strText(s string) any {
	if s == placeholder.Panic {
		return s
	}
	return w.str(s)
}

func (w *walker) any(p redaction.Path, v any, depth int) any {
	if p.Sensitive() {
		return w.masked(v)
	}
	w.budget--
	if depth > maxWalkDepth || w.budget < 0 {
		return Marker
	}
	switch x := v.(type) {
	case nil:
		return nil
	case Pseudonym:
		return x
	case Secret:
		return Marker
	case slog.Value:
		return w.slogValue(p, resolve(x), depth+1)
	case string:
		return w.str(x)
	case json.Number:
		if w.r.rules.MatchValue(string(x)) {
			return w.r.Mask(string(x))
		}
		return x
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
		uintptr, float32, float64, time.Time, time.Duration:
		return x
	case []byte:
		return w.bytes(x)
	case url.URL:
		// String has a pointer receiver: by value, the fields would be
		// walked and User written as "name:password", which no rule sees.
		return w.str(x.String())
	case *url.Userinfo:
		// "name:password" matches no value rule on its own.
		if _, hasPassword := x.Password(); hasPassword {
			return Marker
		}
		if x == nil {
			return nil
		}
		return w.str(x.Username())
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		if rv.IsNil() {
			return nil // its methods are never called, as in the slogaudit handler
		}
	}
	// Whatever is returned from here on is plain data (strings, numbers,
	// map[string]any, []any), never the application's value itself: a handler
	// would otherwise serialise it in its own way, and slog.JSONHandler
	// calls MarshalJSON or marshals the fields of an error in a list, while
	// slog.TextHandler calls MarshalText.
	switch x := v.(type) {
	case slog.LogValuer:
		return w.slogValue(p, resolve(slog.AnyValue(x)), depth+1)
	case error:
		return w.strText(safeText(x.Error))
	case json.Marshaler:
		return w.marshaler(p, x, depth)
	case encoding.TextMarshaler:
		return w.text(x.MarshalText)
	case fmt.Stringer:
		return w.strText(safeText(x.String))
	}
	return w.reflect(p, rv, depth)
}

// safeText calls f, turning a panic (a nil pointer's String, say) into
// placeholder.Panic. The slog handlers write the panic's text instead
// ("!PANIC: ..."), which can hold what the method was printing; the
// slogaudit handler and this package never do.
func safeText(f func() string) (s string) {
	defer func() {
		if p := recover(); p != nil {
			s = placeholder.Panic
		}
	}()
	return f()
}

// marshaler decodes the JSON that x produces and walks it, so that a type
// with its own MarshalJSON cannot smuggle a password past the key rules.
// A failure gives a fixed placeholder, as in the slogaudit handler:
// placeholder.Panic, placeholder.Error for an error, placeholder.InvalidJSON
// for output that is not exactly one JSON value.
func (w *walker) marshaler(p redaction.Path, x json.Marshaler, depth int) any {
	var b []byte
	panicked := false
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				panicked = true
			}
		}()
		b, err = x.MarshalJSON()
		return err
	}()
	switch {
	case panicked:
		return placeholder.Panic
	case err != nil:
		return placeholder.Error
	}
	var decoded any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&decoded); err != nil {
		return placeholder.InvalidJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return placeholder.InvalidJSON // trailing data
	}
	return w.any(p, decoded, depth+1)
}

func (w *walker) slogValue(p redaction.Path, v slog.Value, depth int) any {
	if p.Sensitive() {
		switch v.Kind() {
		case slog.KindString:
			return w.r.Mask(v.String())
		case slog.KindAny:
			if x, ok := v.Any().(Pseudonym); ok {
				return x
			}
		}
		return Marker
	}
	switch v.Kind() {
	case slog.KindString:
		return w.str(v.String())
	case slog.KindGroup:
		out := make(map[string]any, len(v.Group()))
		w.group(p, v.Group(), out, depth)
		return out
	case slog.KindAny:
		return w.any(p, v.Any(), depth)
	}
	return v.Any()
}

// group adds attrs to out, inlining groups with an empty key as slog does.
// Attribute keys are the program's own, like struct field names: value rules
// do not apply to them.
func (w *walker) group(p redaction.Path, attrs []slog.Attr, out map[string]any, depth int) {
	for _, a := range attrs {
		if a.Key == "" {
			if v := resolve(a.Value); v.Kind() == slog.KindGroup && depth < maxWalkDepth {
				w.group(p, v.Group(), out, depth+1)
			}
			continue
		}
		out[a.Key] = w.slogValue(w.r.rules.Enter(p, a.Key), resolve(a.Value), depth+1)
	}
}

// maskedKeys tracks the keys of a map under construction that value rules
// replaced (a token used as a map key), so that the result does not depend on
// map iteration order when several of them mask to the same key (Marker):
// a key that was not masked wins, then the smallest original key.
type maskedKeys map[string]string // masked key → original key

// put sets out[k] = v, or out[mask of k] = v if k matches a value rule. With
// no value rules it is a plain assignment.
func (m *maskedKeys) put(r *Redactor, out map[string]any, k string, v any) {
	if !r.rules.HasValueRules() || !r.rules.MatchValue(k) {
		if *m != nil {
			delete(*m, k)
		}
		out[k] = v
		return
	}
	mk := r.Mask(k)
	if orig, ok := (*m)[mk]; ok {
		if orig <= k {
			return
		}
	} else if _, plain := out[mk]; plain {
		return
	}
	if *m == nil {
		*m = maskedKeys{}
	}
	(*m)[mk] = k
	out[mk] = v
}

// push records a container being walked and reports false if it is already
// on the stack: a cycle.
func (w *walker) push(ptr uintptr) bool {
	for _, q := range w.stack[:w.n] {
		if q == ptr {
			return false
		}
	}
	w.stack[w.n] = ptr
	w.n++
	return true
}

func (w *walker) pop() { w.n-- }

func (w *walker) reflect(p redaction.Path, rv reflect.Value, depth int) any {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if rv.IsNil() {
			return nil
		}
		if !w.push(rv.Pointer()) {
			return Marker
		}
		defer w.pop()
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return w.any(p, rv.Elem().Interface(), depth+1)
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		var keys maskedKeys
		for it := rv.MapRange(); it.Next(); {
			k := mapKey(it.Key())
			keys.put(w.r, out, k, w.any(w.r.rules.Enter(p, k), it.Value().Interface(), depth+1))
		}
		return out
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			if rv.Kind() == reflect.Slice {
				return w.bytes(rv.Bytes()) // a named byte-slice type
			}
			if w.r.rules.HasValueRules() && rv.Len() > 0 {
				// A byte array: encoding/json writes it as a list of
				// numbers, but the value rules still see its bytes.
				b := make([]byte, rv.Len())
				reflect.Copy(reflect.ValueOf(b), rv)
				if s := string(b); w.r.rules.MatchValue(s) {
					return w.r.Mask(s)
				}
			}
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = w.any(p, rv.Index(i).Interface(), depth+1)
		}
		return out
	case reflect.Struct:
		out := make(map[string]any, rv.NumField())
		w.fields(p, rv, out, depth)
		return out
	case reflect.String:
		return w.str(rv.String())
	// Named scalar types become their basic type, so no method of theirs
	// (a Format for slog.TextHandler, say) runs later.
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint()
	case reflect.Float32:
		return float32(rv.Float())
	case reflect.Float64:
		return rv.Float()
	case reflect.Complex64, reflect.Complex128:
		return fmt.Sprint(rv.Interface())
	}
	// Functions, channels and unsafe pointers have no loggable content.
	return "!" + rv.Type().String()
}

// fields adds the fields of struct rv that encoding/json would encode to out,
// under their json names (see internal/jsonfields), skipping empty
// `omitempty` fields, nil embedded pointers, and fields promoted from an
// unexported embedded struct, which reflection may not hand out.
func (w *walker) fields(p redaction.Path, rv reflect.Value, out map[string]any, depth int) {
	for _, f := range jsonfields.Of(rv.Type()) {
		fv := jsonfields.ByIndex(rv, f.Index)
		if !fv.IsValid() || !fv.CanInterface() || f.OmitEmpty && jsonfields.IsEmpty(fv) {
			continue
		}
		out[f.Name] = w.any(w.r.rules.EnterField(p, f.Name, f.GoName), fv.Interface(), depth+1)
	}
}

// mapKey stringifies a map key the way it would be logged (see
// jsonfields.MapKey); a failing MarshalText gives the same fixed placeholder
// as a failing value, as the slogaudit handler writes, never the error's
// text.
func mapKey(k reflect.Value) string {
	key, err := jsonfields.MapKey(k)
	switch {
	case err == nil:
		return key
	case errors.Is(err, jsonfields.ErrPanic):
		return placeholder.Panic
	}
	return placeholder.Error
}

// maxLogValuerChain bounds how many LogValue calls resolve makes for one
// value, as slog.Value.Resolve does.
const maxLogValuerChain = 100

// resolve is slog.Value.Resolve with the handler's placeholders: a panicking
// LogValue gives placeholder.Panic (Resolve gives an error whose text is a
// stack trace), and a chain that does not end gives placeholder.Error.
func resolve(v slog.Value) (rv slog.Value) {
	if v.Kind() != slog.KindLogValuer {
		return v
	}
	defer func() {
		if p := recover(); p != nil {
			rv = slog.StringValue(placeholder.Panic)
		}
	}()
	for range maxLogValuerChain {
		v = v.LogValuer().LogValue()
		if v.Kind() != slog.KindLogValuer {
			return v
		}
	}
	return slog.StringValue(placeholder.Error)
}
