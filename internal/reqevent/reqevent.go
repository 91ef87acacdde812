// Package reqevent holds the small pieces httpaudit and grpcaudit share in
// writing a request's (or call's) event and its lazy scope values.
package reqevent

import (
	"log/slog"
	"strings"

	"github.com/secaudit/auditkit/redact"
)

// Optional is s as a log value, or an empty group (which handlers omit)
// when s is "".
func Optional(s string) slog.Value {
	if s == "" {
		return slog.GroupValue()
	}
	return slog.StringValue(s)
}

// Pseudonym is the log value of a session id: a redact.Pseudonym, which
// redaction passes through although "session.id" is a sensitive key (the
// id is a keyed hash, safe to log and useless masked); "" is omitted.
func Pseudonym(id string) slog.Value {
	if id == "" {
		return slog.GroupValue()
	}
	return slog.AnyValue(redact.Pseudonym(id))
}

// AppendString appends key=v to a unless v is "".
func AppendString(a []slog.Attr, key, v string) []slog.Attr {
	if v == "" {
		return a
	}
	return append(a, slog.String(key, v))
}

// HostOnly strips the port from a Host header or :authority value
// ("[2001:db8::1]:443" → "2001:db8::1", "api.example:8443" → "api.example").
func HostOnly(h string) string {
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			return h[1:i]
		}
		return h
	}
	if i := strings.IndexByte(h, ':'); i >= 0 && strings.IndexByte(h[i+1:], ':') < 0 {
		return h[:i]
	}
	return h
}
