package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/bits"
	"regexp"
	"slices"
	"sync"
)

// byBit holds the pre-scanned detectors by the index of their bit.
var byBit = func() (t [16]func(string) bool) {
	for _, d := range detectors {
		if d.bit != 0 {
			t[bits.TrailingZeros16(d.bit)] = d.match
		}
	}
	return
}()

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
	off bool

	auto     automaton           // substring denylist entries
	short    []uint32            // short denylist entries, packed
	words    []uint32            // whole-segment entries of maxWord bytes, packed
	segMax   int                 // longest whole-segment entry (0 if none)
	allow    map[string]struct{} // compacted allowlist
	maxAllow int                 // longest compacted allowlist entry

	fast    uint16 // pre-scanned detectors (detector.bit), see scan.go
	fastMin int    // the shortest string one of them can match
	// minMatch is the shortest string any value rule can match: fastMin
	// with only pre-scanned detectors, 0 with patterns or other detectors,
	// and beyond any length with no value rules. See MatchValue.
	minMatch  int
	detectors []func(string) bool // detectors without a pre-scan (card-number)
	patterns  []*regexp.Regexp
	values    bool // any detector or pattern

	key   []byte
	hmacs sync.Pool // *hmacState
}

// hmacState is a reusable keyed HMAC with scratch space, pooled so that
// pseudonymising a value allocates nothing beyond its output.
type hmacState struct {
	h       hash.Hash
	sum     [sha256.Size]byte
	scratch [128]byte
}

// New validates opts and returns a Redactor: the default sensitive keys and
// detectors plus those of opts (see [Options]). It fails on an invalid value
// pattern or one that matches the empty string (it would redact everything),
// an unknown detector name, or a key or allowlist entry that has no letter or
// digit left after compaction (such an entry would silently match nothing or
// everything).
func New(opts Options) (*Redactor, error) {
	r := &Redactor{}
	var slowNames []string
	keys := opts.SensitiveKeys
	if !opts.ReplaceDefaults {
		keys = append(DefaultSensitiveKeys(), keys...)
	}
	var long []string
	for _, k := range keys {
		c := compact(k)
		switch {
		case c == "":
			return nil, fmt.Errorf("redact: sensitive key %q has no letters or digits", k)
		case len(c) <= maxShort:
			if v := packShort([]byte(c)); !slices.Contains(r.short, v) {
				r.short = append(r.short, v)
			}
			r.segMax = max(r.segMax, len(c))
		case wholeSegment(c):
			if v := packWord(c); !slices.Contains(r.words, v) {
				r.words = append(r.words, v)
			}
			r.segMax = max(r.segMax, len(c))
		case !slices.Contains(long, c):
			long = append(long, c)
		}
	}
	r.auto = buildAutomaton(long)
	for _, a := range opts.Allowlist {
		c := compact(a)
		if c == "" {
			return nil, fmt.Errorf("redact: allowlist entry %q has no letters or digits", a)
		}
		if r.allow == nil {
			r.allow = make(map[string]struct{})
		}
		r.allow[c] = struct{}{}
		r.maxAllow = max(r.maxAllow, len(c))
	}
	for _, p := range opts.ValuePatterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("redact: invalid value pattern %q: %w", p, err)
		}
		if re.MatchString("") {
			// `secret|` or `(token)?`: it matches every string, so every
			// value would be redacted. Almost always a typo.
			return nil, fmt.Errorf("redact: value pattern %q matches the empty string, so it would redact every value", p)
		}
		r.patterns = append(r.patterns, re)
	}
	names := opts.Detectors
	if !opts.ReplaceDefaultDetectors {
		names = append(DefaultDetectors(), names...)
	}
	for _, name := range names {
		d, ok := detectors[name]
		if !ok {
			return nil, fmt.Errorf("redact: unknown detector %q (known: %q)", name, DetectorNames())
		}
		switch {
		case d.bit == 0:
			if !slices.Contains(slowNames, name) {
				slowNames = append(slowNames, name)
				r.detectors = append(r.detectors, d.match)
			}
		case r.fast&d.bit == 0:
			if r.fast == 0 || d.min < r.fastMin {
				r.fastMin = d.min
			}
			r.fast |= d.bit
		}
	}
	r.values = r.fast != 0 || len(r.patterns)+len(r.detectors) > 0
	switch {
	case !r.values:
		r.minMatch = math.MaxInt
	case len(r.patterns)+len(r.detectors) == 0:
		r.minMatch = r.fastMin
	}
	if len(opts.HMACKey) > 0 {
		r.key = slices.Clone(opts.HMACKey)
		r.hmacs.New = func() any { return &hmacState{h: hmac.New(sha256.New, r.key)} }
	}
	return r, nil
}

var (
	defaultRedactor = mustNew(Options{})
	noneRedactor    = &Redactor{off: true}
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

// Redacts reports whether r redacts anything at all (false for None).
func (r *Redactor) Redacts() bool { return !r.off }

// HasValueRules reports whether any value pattern or detector is enabled, so
// a caller can skip handing every string to MatchValue.
func (r *Redactor) HasValueRules() bool { return r.values }

// MatchValue reports whether the string value s matches a value pattern or an
// enabled detector, so that it must be replaced as a whole. With no value
// rules it returns false at once. It does not allocate, and it neither keeps
// nor modifies s, so a caller may pass the bytes of a []byte in place
// (unsafe.String).
func (r *Redactor) MatchValue(s string) bool {
	// Inlined at the call site: the short strings that fill audit records
	// ("GET", "POST", "42", "https") cost a comparison and no call. With
	// the default detectors (none matches below 6 bytes: "://:p@") that
	// took slogaudit's benchmark record from 6996 to 6910 instructions.
	return len(s) >= r.minMatch && r.match(s)
}

// Prescanned reports whether every value rule of r is a built-in detector
// that shares the pre-scan of internal/prescan, so that a string in which
// no eight-byte word passes prescan.Word cannot match: a handler that runs
// the test while it copies the string calls MatchValue only for the others.
// It is false with ValuePatterns, card numbers or no value rules.
func (r *Redactor) Prescanned() bool { return r.fast != 0 && r.minMatch == r.fastMin }

// match is MatchValue for a string no shorter than minMatch.
func (r *Redactor) match(s string) bool {
	if r.fast != 0 && len(s) >= r.fastMin {
		for m := candidates(s, r.fast); m != 0; m &= m - 1 {
			if byBit[bits.TrailingZeros16(m)](s) {
				return true
			}
		}
	}
	for _, d := range r.detectors {
		if d(s) {
			return true
		}
	}
	for _, p := range r.patterns {
		if p.MatchString(s) {
			return true
		}
	}
	return false
}

// HasHMAC reports whether r pseudonymises redacted strings instead of masking
// them.
func (r *Redactor) HasHMAC() bool { return len(r.key) > 0 }

// Mask returns what replaces the sensitive string s: Marker, or with an HMAC
// key its pseudonym (see Hash). The Marker itself is never hashed, so a value
// that is already masked (a [Secret], say) stays "[REDACTED]".
func (r *Redactor) Mask(s string) string {
	if len(r.key) == 0 || s == Marker {
		return Marker
	}
	return string(r.AppendMask(make([]byte, 0, len(HashPrefix)+2*sha256.Size), s))
}

// AppendMask appends Mask(s) to dst. The result never needs JSON escaping. It
// allocates only when dst must grow.
func (r *Redactor) AppendMask(dst []byte, s string) []byte {
	if len(r.key) == 0 || s == Marker {
		return append(dst, Marker...)
	}
	return r.appendHash(dst, s)
}

// Hash returns the pseudonym "hmac-sha256:<hex>" of s, the lower-case hex
// HMAC-SHA256 of s under the HMAC key, so an investigator holding a known
// value can find the lines that carried it. Without an HMAC key it returns
// Marker.
func (r *Redactor) Hash(s string) string {
	if len(r.key) == 0 {
		return Marker
	}
	return string(r.appendHash(make([]byte, 0, len(HashPrefix)+2*sha256.Size), s))
}

func (r *Redactor) appendHash(dst []byte, s string) []byte {
	st := r.hmacs.Get().(*hmacState)
	st.h.Reset()
	// Copy through scratch space: converting s to []byte would allocate.
	for len(s) > 0 {
		n := copy(st.scratch[:], s)
		st.h.Write(st.scratch[:n])
		s = s[n:]
	}
	dst = append(dst, HashPrefix...)
	dst = hex.AppendEncode(dst, st.h.Sum(st.sum[:0]))
	r.hmacs.Put(st)
	return dst
}
