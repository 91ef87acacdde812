// Package redact scrubs secrets from log records.
//
// PROVISIONAL: this file fixes the API that slogaudit and httpaudit build on;
// the implementation is being completed in the redact issue.
package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"unicode"
)

// Marker replaces a redacted value when no HMAC key is configured.
const Marker = "[REDACTED]"

// HashPrefix starts every HMAC pseudonym: "hmac-sha256:<64 hex>".
const HashPrefix = "hmac-sha256:"

// Options configure a Redactor. The zero value redacts DefaultSensitiveKeys.
type Options struct {
	SensitiveKeys   []string
	ReplaceDefaults bool
	Allowlist       []string
	ValuePatterns   []string
	Detectors       []string
	HMACKey         []byte
}

// Redactor decides which keys and values are sensitive and what replaces them.
// It is immutable and safe for concurrent use.
type Redactor struct {
	off      bool
	long     []string
	short    []string
	allow    map[string]bool
	patterns []*regexp.Regexp
	key      []byte
}

// DefaultSensitiveKeys returns a copy of the default denylist.
func DefaultSensitiveKeys() []string {
	return []string{"password", "passwd", "pwd", "passcode", "secret", "token", "apikey",
		"authorization", "bearer", "jwt", "cookie", "sessionid", "csrf", "creditcard", "ssn"}
}

// New validates opts and returns a Redactor.
func New(opts Options) (*Redactor, error) {
	r := &Redactor{allow: map[string]bool{}, key: opts.HMACKey}
	keys := opts.SensitiveKeys
	if !opts.ReplaceDefaults {
		keys = append(DefaultSensitiveKeys(), keys...)
	}
	for _, k := range keys {
		c := compact(k)
		switch {
		case c == "":
		case len(c) <= 3:
			r.short = append(r.short, c)
		default:
			r.long = append(r.long, c)
		}
	}
	for _, a := range opts.Allowlist {
		r.allow[compact(a)] = true
	}
	for _, p := range opts.ValuePatterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("redact: invalid value pattern %q: %w", p, err)
		}
		r.patterns = append(r.patterns, re)
	}
	return r, nil
}

var def, _ = New(Options{})

// Default returns the Redactor for a zero Options.
func Default() *Redactor { return def }

// None returns a Redactor that redacts nothing.
func None() *Redactor { return &Redactor{off: true} }

// Path is the redaction state of a key path (group names, then the attribute
// key, then nested map keys or struct fields). The zero Path is the root. It is
// a small value: handlers keep one per open group instead of joining strings.
type Path struct {
	full      string
	sensitive bool
}

// Enter returns the state of p extended by key (a group name, attribute key,
// map key or struct field name; it may itself contain dots).
func (r *Redactor) Enter(p Path, key string) Path {
	if r.off || p.sensitive {
		return p
	}
	p.full += "." + key
	p.sensitive = r.matchPath(p.full, key)
	return p
}

// Sensitive reports whether everything at and under p must be redacted.
func (p Path) Sensitive() bool { return p.sensitive }

func (r *Redactor) matchPath(full, leaf string) bool {
	if r.allow[compact(leaf)] {
		return false
	}
	c := compact(full)
	for _, l := range r.long {
		if strings.Contains(c, l) {
			return true
		}
	}
	for _, seg := range segments(full) {
		for _, s := range r.short {
			if seg == s {
				return true
			}
		}
	}
	return false
}

// IsSensitiveKey reports whether a value under key (a dotted path) is redacted.
func (r *Redactor) IsSensitiveKey(key string) bool {
	return r.Enter(Path{}, key).Sensitive()
}

// Redacts reports whether r redacts anything at all (false for None).
func (r *Redactor) Redacts() bool { return !r.off }

// HasValueRules reports whether any value pattern or detector is enabled.
func (r *Redactor) HasValueRules() bool { return !r.off && len(r.patterns) > 0 }

// MatchValue reports whether the string value s matches a value pattern or
// detector and must be replaced as a whole.
func (r *Redactor) MatchValue(s string) bool {
	if r.off {
		return false
	}
	for _, p := range r.patterns {
		if p.MatchString(s) {
			return true
		}
	}
	return false
}

// HasHMAC reports whether r pseudonymises instead of masking.
func (r *Redactor) HasHMAC() bool { return len(r.key) > 0 }

// Mask returns what replaces the sensitive string s: Marker, or with an HMAC
// key its pseudonym (see Hash).
func (r *Redactor) Mask(s string) string {
	if len(r.key) == 0 {
		return Marker
	}
	return r.Hash(s)
}

// AppendMask appends Mask(s) to dst. The result never needs JSON escaping.
func (r *Redactor) AppendMask(dst []byte, s string) []byte {
	return append(dst, r.Mask(s)...)
}

// Hash returns the pseudonym "hmac-sha256:<hex>" of s under the HMAC key, or
// Marker when r has no key.
func (r *Redactor) Hash(s string) string {
	if len(r.key) == 0 {
		return Marker
	}
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(s))
	return HashPrefix + hex.EncodeToString(m.Sum(nil))
}

// Value returns v with everything sensitive replaced (deep copy).
func (r *Redactor) Value(key string, v any) any {
	if r.IsSensitiveKey(key) {
		if s, ok := v.(string); ok {
			return r.Mask(s)
		}
		return Marker
	}
	switch x := v.(type) {
	case string:
		if r.MatchValue(x) {
			return r.Mask(x)
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = r.Value(key+"."+k, e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.Value(key, e)
		}
		return out
	}
	return v
}

// ReplaceAttr is a slog.HandlerOptions.ReplaceAttr that redacts.
func (r *Redactor) ReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	full := strings.Join(append(groups, a.Key), ".")
	if r.IsSensitiveKey(full) {
		a.Value = slog.StringValue(Marker)
	}
	return a
}

// Middleware returns a slog middleware that redacts records before next sees them.
func (r *Redactor) Middleware() func(slog.Handler) slog.Handler {
	return func(h slog.Handler) slog.Handler { return h }
}

// Secret is a string that always logs as Marker.
type Secret string

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(Marker) }

func compact(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c < unicode.MaxASCII && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func segments(s string) []string {
	var out []string
	var cur []rune
	prevLower := false
	flush := func() {
		if c := compact(string(cur)); c != "" {
			out = append(out, c)
		}
		cur = cur[:0]
	}
	for _, c := range s {
		switch {
		case c == '.' || c == '_' || c == '-' || c == ' ':
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(c) && prevLower:
			flush()
		}
		prevLower = unicode.IsLower(c)
		cur = append(cur, c)
	}
	flush()
	return out
}
