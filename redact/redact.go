package redact

import "github.com/secaudit/auditkit/internal/redaction"

func init() {
	// The handler and middleware of the sibling packages reach the rules
	// through internal/redaction, once per construction.
	redaction.Install(func(r any) *redaction.Rules { return &r.(*Redactor).rules })
}

// Marker replaces a redacted value when no HMAC key is configured, and any
// redacted value that is not a string.
const Marker = "[REDACTED]"

// HashPrefix starts every HMAC pseudonym: "hmac-sha256:<64 hex>", the form
// HashiCorp Vault's audit log uses, so an investigator recognises it.
const HashPrefix = "hmac-sha256:"

// Options configure a Redactor. A zero Options redacts the keys of
// [DefaultSensitiveKeys] and the values that the detectors of
// [DefaultDetectors] find, with [Marker]; it is what [Default] uses.
type Options struct {
	// SensitiveKeys are added to DefaultSensitiveKeys (or replace them, see
	// ReplaceDefaults). Each is compacted like a key; entries of three
	// characters or fewer must equal a whole key segment, longer ones match
	// anywhere in the compacted key path.
	SensitiveKeys []string
	// ReplaceDefaults makes SensitiveKeys the whole denylist.
	ReplaceDefaults bool
	// Allowlist lists keys that are never sensitive, compared after
	// compaction with the whole key and with its last dot-separated
	// component ("credit_card_last4", "token_expiry").
	Allowlist []string
	// ValuePatterns are RE2 regular expressions; a string value in which one
	// matches is replaced as a whole, and so is a map key. A
	// pattern that matches the empty string ("secret|") would match every
	// value, so New rejects it.
	ValuePatterns []string
	// Detectors names built-in value detectors (see [DetectorNames]) to
	// enable in addition to [DefaultDetectors] (or instead of them, see
	// ReplaceDefaultDetectors); like ValuePatterns, a match replaces the
	// whole string. Card numbers, say, are opt-in:
	// Detectors: []string{DetectorCardNumber}.
	Detectors []string
	// ReplaceDefaultDetectors makes Detectors the whole list of detectors:
	// with no Detectors, no detector runs at all.
	ReplaceDefaultDetectors bool
	// HMACKey, when set, replaces redacted strings with the pseudonym
	// "hmac-sha256:<hex>" of the original instead of Marker, so that equal
	// secrets can be correlated across lines without being revealed. Use at
	// least 16 random bytes (32 is better) and keep the key out of the logs:
	// anyone who holds it can test guesses of a low-entropy secret (a PIN,
	// a short password) against the pseudonyms. New accepts any length.
	HMACKey []byte
}

// Redactor decides which keys and values are sensitive and what replaces
// them. It is immutable and safe for concurrent use. Make one with [New],
// [Default] or [None]; a nil *Redactor is not valid, and a zero Redactor has
// no rules.
type Redactor struct {
	rules redaction.Rules // the engine; see internal/redaction
}

// New validates opts and returns a Redactor: the default sensitive keys and
// detectors plus those of opts (see [Options]). It fails on an invalid value
// pattern or one that matches the empty string (it would redact everything),
// an unknown detector name, or a key or allowlist entry that has no letter or
// digit left after compaction (such an entry would silently match nothing or
// everything).
func New(opts Options) (*Redactor, error) {
	r := &Redactor{}
	if err := r.rules.Init(redaction.Options(opts)); err != nil {
		return nil, err
	}
	return r, nil
}

var (
	defaultRedactor = mustNew(Options{})
	noneRedactor    = func() *Redactor {
		r := &Redactor{}
		r.rules.InitNone()
		return r
	}()
)

func mustNew(opts Options) *Redactor {
	r, err := New(opts)
	if err != nil {
		panic(err) // only for the built-in defaults, which a test covers
	}
	return r
}

// Default returns the Redactor for a zero Options: the default denylist
// ([DefaultSensitiveKeys]), no allowlist, the default detectors
// ([DefaultDetectors]: bearer and basic credentials, JWTs, private keys,
// credentials in URLs and well-known API key formats) on every string value,
// no value patterns, Marker as the replacement. It is shared and immutable.
func Default() *Redactor { return defaultRedactor }

// None returns a Redactor that redacts nothing. It is shared and immutable.
func None() *Redactor { return noneRedactor }

// Mask returns what replaces the sensitive string s: Marker, or with an HMAC
// key its pseudonym (see Hash). The Marker itself is never hashed, so a value
// that is already masked (a [Secret], say) stays "[REDACTED]".
func (r *Redactor) Mask(s string) string { return r.rules.Mask(s) }

// Hash returns the pseudonym "hmac-sha256:<hex>" of s, the lower-case hex
// HMAC-SHA256 of s under the HMAC key, so an investigator holding a known
// value can find the lines that carried it. Without an HMAC key it returns
// Marker.
func (r *Redactor) Hash(s string) string { return r.rules.Hash(s) }
