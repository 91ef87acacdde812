package slogaudit

import (
	"log/slog"
	"strings"
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

// bodyNames applies IncludeUsernames to a captured body: username fields
// are dropped, or replaced by their pseudonyms with an HMAC key. The map is
// copied only when it holds one.
func (st *state) bodyNames(v slog.Value) slog.Value {
	m, ok := v.Any().(map[string]any)
	if !ok || v.Kind() != slog.KindAny {
		return v
	}
	found := false
	for k := range m {
		if isUsernameField(k) {
			found = true
			break
		}
	}
	if !found {
		return v
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		switch {
		case !isUsernameField(k):
			out[k] = x
		case st.c.hmacNames:
			out[k] = st.c.redactor.Mask(stringOf(slog.AnyValue(x)))
		}
	}
	return slog.AnyValue(out)
}
