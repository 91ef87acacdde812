package redact

import (
	"fmt"
	"log/slog"
	"strconv"
)

// Secret is a string that never shows its content in a log: it renders as
// Marker through slog (as a LogValuer), fmt (every verb, including %#v), and
// encoding/json or any encoding.TextMarshaler consumer. Only an explicit
// string(s) conversion yields the value, so code can still use it.
//
//	logger.Info("login", "password", redact.Secret(pw)) // "password":"[REDACTED]"
//
// It works by its methods, so it cannot help where nothing calls them. fmt
// prints an unexported struct field by reflection, without calling its
// methods, so a Secret in an unexported field shows in full in %v, %+v, %#v
// and %s of the struct or of a pointer to it, and so in slog.TextHandler,
// which formats a struct with %+v. (encoding/json skips unexported fields, as
// do Redactor.Value, Redactor.ReplaceAttr, Redactor.Middleware and the
// slogaudit handler.) Keep a Secret in an exported field, or give the struct
// its own String or LogValue method. And encoding/json writes a map key whose
// type has string kind as it is, so do not use a Secret as a map key.
type Secret string

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(Marker) }

// String implements fmt.Stringer.
func (Secret) String() string { return Marker }

// Format implements fmt.Formatter, so that no verb (%x, %q, %#v) can print
// the content.
func (Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprint(f, strconv.Quote(Marker))
		return
	}
	fmt.Fprint(f, Marker)
}

// MarshalJSON implements json.Marshaler.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Marker + `"`), nil }

// MarshalText implements encoding.TextMarshaler.
func (Secret) MarshalText() ([]byte, error) { return []byte(Marker), nil }
