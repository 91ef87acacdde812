package redact

import (
	"fmt"
	"log/slog"
	"strconv"
)

// Secret is a string that never shows its content in a log: it renders as
// Marker through slog (as a LogValuer), fmt (every verb, including %#v), and
// encoding/json or any encoding.TextMarshaler consumer. Only an explicit
// string(s) conversion yields the value, so code can still use it. One gap
// remains: encoding/json writes a map key whose type has string kind as it
// is, so do not use a Secret as a map key.
//
//	logger.Info("login", "password", redact.Secret(pw)) // "password":"[REDACTED]"
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
