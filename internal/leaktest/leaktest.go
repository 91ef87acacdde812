// Package leaktest builds the values of the redaction property tests: a
// secret nested in maps, slices, groups, structs (also under a renamed
// field: Password tagged json:"inner"), pointers, LogValuers, errors,
// fmt.Stringers, []byte, json.Marshalers and encoding.TextMarshalers, under
// a sensitive key or matching a value rule. The redact package's tests and the slogaudit
// handler's tests both assert that such a secret never reaches their output.
package leaktest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
)

// Case is one generated nesting and where to log it.
type Case struct {
	// Secret is the bytes that must never appear in a redacted output.
	Secret string
	// Value holds the secret, Key is its attribute key, Group the WithGroup
	// name; the sensitive key may be any of them.
	Value any
	Key   string
	Group string
	// Visible reports whether the secret shows in an output without any
	// redaction (false behind an opaque layer, which logs only its text).
	Visible bool
	// SensitiveAt is the layer that carries the sensitive key (len(ops): the
	// attribute key; len(ops)+1: the group), or -2 when a value rule must
	// catch the secret.
	SensitiveAt int
	// Forms are other spellings of the secret that an output may show: the
	// base64 of a []byte that holds it, as JSON encoders write bytes.
	Forms []string
}

// Shows reports whether out contains the secret in any of its forms.
func (c *Case) Shows(out []byte) bool {
	if bytes.Contains(out, []byte(c.Secret)) {
		return true
	}
	for _, f := range c.Forms {
		if bytes.Contains(out, []byte(f)) {
			return true
		}
	}
	return false
}

// LayerKinds is the number of distinct layers an op byte selects from.
const LayerKinds = 16

// MaxLayers bounds the nesting depth.
const MaxLayers = 12

var (
	neutralKeys = []string{"a", "data", "items", "user", "info", "ClassName", "monkey"}
	// sensitiveKeys are denylisted by default; each layer kind can carry them.
	sensitiveKeys = []string{"password", "db.password", "X-Api-Key", "user_ssn", "refreshToken",
		"Set-Cookie", "credentials", "PIN", "paſſword", "user_pass"}
)

// Build makes the case for ops (one layer per byte, innermost first), at (the
// sensitive layer and key), raw (the secret's seed) and mode (0: under a
// sensitive key; 1: a bearer credential, for a detector; 2: plain, for the
// value pattern `zq[0-9A-Za-z]{6,}`). project renders a value the way an
// application type would put it in its MarshalJSON or MarshalText output.
func Build(ops []byte, at int, raw string, mode byte, project func(any) any) Case {
	if len(ops) > MaxLayers {
		ops = ops[:MaxLayers]
	}
	c := Case{Secret: SecretOf(raw), Key: "attr", Group: "grp", Visible: true, SensitiveAt: -2}
	var leaf any = c.Secret
	switch mode % 3 {
	case 0:
		c.SensitiveAt = at % (len(ops) + 2)
	case 1:
		leaf = "Authorization: Bearer " + c.Secret
	}
	sk := sensitiveKeys[(at/7)%len(sensitiveKeys)]
	l := layers{project}
	v := leaf
	for i, op := range ops {
		key := neutralKeys[(int(op)/LayerKinds)%len(neutralKeys)]
		if i == c.SensitiveAt {
			key = sk
		}
		if opaque(op) && i > 0 {
			c.Visible = false // its text does not show what it wraps
		}
		if projects(op) && len(c.Forms) > 0 {
			// The application's own MarshalJSON or MarshalText writes the
			// bytes as base64 text: a string to every handler, which no
			// value rule can read. A known gap, like any encoding.
			c.Forms, c.Visible = nil, false
		}
		if op%LayerKinds == kindBytes {
			if s, ok := v.(string); ok {
				c.Forms = append(c.Forms, base64.StdEncoding.EncodeToString([]byte(s)))
			}
		}
		v = l.wrap(op, key, i == c.SensitiveAt, v)
	}
	c.Value = v
	switch c.SensitiveAt {
	case len(ops):
		c.Key = sk
	case len(ops) + 1:
		c.Group = sk
	}
	return c
}

// SecretOf makes a secret that JSON shows byte for byte and that cannot occur
// by chance in keys, markers or hex pseudonyms ('z' and 'q').
func SecretOf(s string) string {
	var b strings.Builder
	b.WriteString("zq")
	for _, c := range s {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			b.WriteRune(c)
		}
	}
	for b.Len() < 8 {
		b.WriteByte('Q')
	}
	return b.String()
}

// Layer kinds logged as their text (or bytes) only.
const (
	kindStringer = 13
	kindError    = 14
	kindBytes    = 15
)

// opaque reports whether a layer kind is logged as its text only.
func opaque(kind byte) bool {
	switch kind % LayerKinds {
	case 8, 9, 10, 12, kindStringer, kindError, kindBytes:
		return true
	}
	return false
}

// projects reports whether a layer kind renders what it wraps with the
// application's own MarshalJSON or MarshalText.
func projects(kind byte) bool {
	switch kind % LayerKinds {
	case 9, 10, 11:
		return true
	}
	return false
}

// renamedBox hides a sensitive Go field name behind a neutral JSON name:
// redaction judges both.
type renamedBox struct {
	Password any `json:"inner"`
}

// stringer is a fmt.Stringer whose text shows what it wraps.
type stringer struct{ inner any }

func (s stringer) String() string { return textOf("str: ", s.inner) }

type plainBox struct {
	Inner any `json:"inner"`
}

type secretBox struct {
	Inner any `json:"password"`
}

type groupValuer struct {
	key   string
	inner any
}

func (g groupValuer) LogValue() slog.Value { return slog.GroupValue(slog.Any(g.key, g.inner)) }

// textOf is the text of an opaque layer: the secret only when it wraps the
// bare secret string.
func textOf(prefix string, inner any) string {
	if s, ok := inner.(string); ok {
		return prefix + s
	}
	return prefix + "nested"
}

// fieldsError is an error with exported fields (slog.JSONHandler marshals
// them inside lists and maps).
type fieldsError struct {
	Msg      string
	Password any
	Inner    any
}

func (e *fieldsError) Error() string { return e.Msg }

// marshalError is an error whose MarshalJSON shows its content (and
// slog.JSONHandler calls MarshalJSON rather than Error).
type marshalError struct {
	inner   any
	project func(any) any
}

func (e marshalError) Error() string { return textOf("failed: ", e.inner) }
func (e marshalError) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"password": e.project(e.inner), "data": e.project(e.inner)})
}

// textError is an error whose MarshalText shows its content (and
// slog.TextHandler calls MarshalText rather than Error).
type textError struct {
	inner   any
	project func(any) any
}

func (e textError) Error() string { return textOf("failed: ", e.inner) }
func (e textError) MarshalText() ([]byte, error) {
	b, err := json.Marshal(e.project(e.inner))
	return append([]byte("token="), b...), err
}

// jsonValue is a json.Marshaler that shows its content under a key: its
// output is decoded and walked, so the key rules apply inside it.
type jsonValue struct {
	key     string
	inner   any
	project func(any) any
}

func (j jsonValue) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"other": 1, j.key: j.project(j.inner)})
}

// textValue is an encoding.TextMarshaler with an exported field that its text
// does not show.
type textValue struct{ Inner any }

func (t textValue) MarshalText() ([]byte, error) { return []byte(textOf("text: ", t.Inner)), nil }

type layers struct{ project func(any) any }

// wrap puts inner under one layer of the given kind with key.
func (l layers) wrap(kind byte, key string, sensitive bool, inner any) any {
	var v any
	switch kind % LayerKinds {
	case 0:
		return map[string]any{"other": 1, key: inner}
	case 1:
		if sensitive { // a list has no key of its own: put it in a map
			return map[string]any{key: []any{"x", inner}}
		}
		return []any{"x", inner}
	case 2:
		return slog.GroupValue(slog.String("other", "o"), slog.Any(key, inner))
	case 3:
		if sensitive {
			// Sensitive by its Go name only: its JSON name is neutral.
			return renamedBox{Password: inner}
		}
		return plainBox{Inner: inner}
	case 4:
		if sensitive {
			return &secretBox{Inner: inner}
		}
		return &plainBox{Inner: inner}
	case 5:
		return groupValuer{key: key, inner: inner}
	case 6:
		return map[any]any{key: inner, 7: "seven"}
	case 7:
		return map[string][]any{key: {inner}}
	case 8:
		v = &fieldsError{Msg: textOf("db: ", inner), Password: inner, Inner: inner}
	case 9:
		v = marshalError{inner, l.project}
	case 10:
		v = textError{inner, l.project}
	case 11:
		return jsonValue{key: key, inner: inner, project: l.project}
	case 12:
		v = textValue{inner}
	case kindStringer:
		v = stringer{inner}
	case kindError:
		v = errors.New(textOf("dial: ", inner))
	case kindBytes:
		v = []byte(textOf("", inner))
	}
	// An opaque layer has no key of its own either. Alone, it is an
	// attribute value or the leaf of an outer layer; in a list, it meets
	// the JSON handler's marshalling of list elements.
	switch {
	case sensitive:
		return map[string]any{key: v}
	case kind/LayerKinds%2 == 0:
		return v
	}
	return []any{v}
}
