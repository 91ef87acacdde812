package slogaudit

import (
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/secaudit/auditkit/redact"
)

// usernameFields are the request body fields that carry a user name, which
// people mistype passwords into as often as into a login form's user name
// box. In a captured body (request.body, see httpaudit's BodyFields) they
// follow Options.IncludeUsernames exactly like user.name: dropped, or
// pseudonymised with the Redactor's HMAC key. They are matched as
// encoding/json matches struct fields, ignoring case.
var usernameFields = [...]string{
	"username", "user_name", "user", "login", "login_name", "email",
	"email_address", "mail", "account_name", "principal",
}

// isUsernameField reports whether a body field name is one of usernameFields.
func isUsernameField(name string) bool {
	for _, f := range usernameFields {
		if strings.EqualFold(name, f) {
			return true
		}
	}
	return false
}

// keyRequestBody is httpaudit.KeyRequestBody, the captured request body.
const keyRequestBody = "request.body"

// isBodyKey reports whether an escaped dotted key is request.body, at top
// level or under groups.
func isBodyKey(esc []byte) bool {
	const suffix = "." + keyRequestBody
	s := string(esc)
	return s == keyRequestBody || strings.HasSuffix(s, suffix)
}

// isBodyUsernameKey reports whether an escaped dotted key names a user name
// inside a flattened body: request.body.username, say.
func isBodyUsernameKey(esc []byte) bool {
	s := string(esc)
	i := strings.LastIndexByte(s, '.')
	return i > 0 && isBodyKey(esc[:i]) && isUsernameField(s[i+1:])
}

// bodyNames applies IncludeUsernames to a captured body, at any depth of
// its JSON objects and lists (a form's {"account":{"email":...}} too): user
// name fields are dropped, or replaced by their pseudonyms with an HMAC key.
// The body is copied only where it holds one; the caller's value is never
// modified.
func (st *state) bodyNames(v slog.Value) slog.Value {
	if v.Kind() != slog.KindAny {
		return v
	}
	if out, changed := st.withoutNames(v.Any(), 0); changed {
		return slog.AnyValue(out)
	}
	return v
}

// maxBodyDepth bounds withoutNames; a body nested deeper is dropped whole.
const maxBodyDepth = 32

// withoutNames returns x (a decoded JSON value) without its user name
// fields, and whether it had any.
func (st *state) withoutNames(x any, depth int) (any, bool) {
	if depth > maxBodyDepth {
		return redact.Marker, true
	}
	switch x := x.(type) {
	case map[string]any:
		var out map[string]any
		for k, v := range x {
			nv, changed := v, false
			if isUsernameField(k) {
				changed = true
			} else {
				nv, changed = st.withoutNames(v, depth+1)
			}
			if !changed {
				continue
			}
			if out == nil {
				out = maps.Clone(x)
			}
			switch {
			case !isUsernameField(k):
				out[k] = nv
			case st.c.hmacNames:
				out[k] = st.c.rules.Mask(stringOf(slog.AnyValue(v)))
			default:
				delete(out, k)
			}
		}
		return out, out != nil
	case []any:
		var out []any
		for i, v := range x {
			if nv, changed := st.withoutNames(v, depth+1); changed {
				if out == nil {
					out = slices.Clone(x)
				}
				out[i] = nv
			}
		}
		return out, out != nil
	}
	return x, false
}
