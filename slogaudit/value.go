package slogaudit

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"time"
	"unsafe"

	"github.com/secaudit/auditkit/internal/redaction"

	"github.com/secaudit/auditkit/internal/jsonenc"
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
		st.appendMarkerVal()
		return
	}
	switch v.Kind() {
	case slog.KindString:
		st.appendStr(v.String())
	case slog.KindInt64:
		st.appendIntVal(v.Int64(), nil)
	case slog.KindUint64:
		st.appendUintVal(v.Uint64())
	case slog.KindFloat64:
		st.appendFloat(v.Float64(), 64)
	case slog.KindBool:
		st.appendBoolVal(v.Bool())
	case slog.KindDuration:
		st.appendIntVal(int64(v.Duration()), nil)
	case slog.KindTime:
		st.appendTimeVal(v.Time())
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
	if st.otlp {
		st.buf = append(st.buf, otlpString...)
		st.appendStrJSON(s)
		st.buf = append(st.buf, '}')
		return
	}
	st.appendStrJSON(s)
}

// appendStrJSON is appendStr's JSON string.
func (st *state) appendStrJSON(s string) {
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
	if st.otlp {
		st.buf = append(st.buf, otlpString...)
		defer st.closeVal()
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

// appendBytes writes b as a base64 string, cut to the string cap. The value
// rules see the raw bytes (a token in a []byte is still a token); a match
// writes the mask of the bytes as a string, as redact.Value does.
func (st *state) appendBytes(b []byte) {
	if st.otlp {
		st.buf = append(st.buf, otlpString...)
		defer st.closeVal()
	}
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
		st.appendMarkerVal()
		return
	}
	switch x := x.(type) {
	case nil:
		st.appendNullVal()
		return
	case string:
		st.appendStr(x)
		return
	case bool:
		st.appendBoolVal(x)
		return
	case int:
		st.appendIntVal(int64(x), nil)
		return
	case int64:
		st.appendIntVal(x, nil)
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
		st.appendTimeVal(x)
		return
	case time.Duration:
		st.appendIntVal(int64(x), nil)
		return
	case slog.Value:
		st.appendValue(x, p, depth)
		return
	case []byte:
		if x == nil {
			st.appendNullVal()
		} else {
			st.appendBytes(x)
		}
		return
	case map[string]any:
		if x == nil {
			st.appendNullVal()
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
			st.appendNullVal()
			return
		}
		st.appendList(len(x), func(i int) { st.appendAny(x[i], p, depth+1) })
		return
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		if rv.IsNil() {
			st.appendNullVal()
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
		st.appendNullVal()
	case hasPassword && st.c.redacts && !st.noRedact:
		st.appendRedactedVal()
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
