package redaction

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
// redacted value that is not a string (redact.Marker).
const Marker = "[REDACTED]"

// HashPrefix starts every HMAC pseudonym (redact.HashPrefix).
const HashPrefix = "hmac-sha256:"

// Options are redact.Options, field for field, so that package redact
// converts one into the other; see there for what each field means.
type Options struct {
	SensitiveKeys           []string
	ReplaceDefaults         bool
	Allowlist               []string
	ValuePatterns           []string
	Detectors               []string
	ReplaceDefaultDetectors bool
	HMACKey                 []byte
}

// Rules are the compiled rules of a redact.Redactor, which holds them by
// value: they decide which keys and values are sensitive and what replaces
// them. After Init or InitNone they are immutable and safe for concurrent
// use; zero Rules have no rules at all.
type Rules struct {
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

// Init compiles opts into r, which must be zero and must not move afterwards
// (the HMAC pool refers to it): the default sensitive keys and detectors plus
// those of opts. It fails on an invalid value pattern or one that matches the
// empty string (it would redact everything), an unknown detector name, or a
// key or allowlist entry that has no letter or digit left after compaction
// (such an entry would silently match nothing or everything).
func (r *Rules) Init(opts Options) error {
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
			return fmt.Errorf("redact: sensitive key %q has no letters or digits", k)
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
			return fmt.Errorf("redact: allowlist entry %q has no letters or digits", a)
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
			return fmt.Errorf("redact: invalid value pattern %q: %w", p, err)
		}
		if re.MatchString("") {
			// `secret|` or `(token)?`: it matches every string, so every
			// value would be redacted. Almost always a typo.
			return fmt.Errorf("redact: value pattern %q matches the empty string, so it would redact every value", p)
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
			return fmt.Errorf("redact: unknown detector %q (known: %q)", name, DetectorNames())
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
	return nil
}

// InitNone makes r redact nothing (redact.None).
func (r *Rules) InitNone() { r.off = true }

// Redacts reports whether r redacts anything at all (false after InitNone).
func (r *Rules) Redacts() bool { return !r.off }

// HasValueRules reports whether any value pattern or detector is enabled, so
// a caller can skip handing every string to MatchValue.
func (r *Rules) HasValueRules() bool { return r.values }

// MatchValue reports whether the string value s matches a value pattern or an
// enabled detector, so that it must be replaced as a whole. With no value
// rules it returns false at once. It does not allocate, and it neither keeps
// nor modifies s, so a caller may pass the bytes of a []byte in place
// (unsafe.String).
func (r *Rules) MatchValue(s string) bool {
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
func (r *Rules) Prescanned() bool { return r.fast != 0 && r.minMatch == r.fastMin }

// match is MatchValue for a string no shorter than minMatch.
func (r *Rules) match(s string) bool {
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
func (r *Rules) HasHMAC() bool { return len(r.key) > 0 }

// Mask returns what replaces the sensitive string s: Marker, or with an HMAC
// key its pseudonym (see Hash). The Marker itself is never hashed, so a value
// that is already masked (a [Secret], say) stays "[REDACTED]".
func (r *Rules) Mask(s string) string {
	if len(r.key) == 0 || s == Marker {
		return Marker
	}
	return string(r.AppendMask(make([]byte, 0, len(HashPrefix)+2*sha256.Size), s))
}

// AppendMask appends Mask(s) to dst. The result never needs JSON escaping. It
// allocates only when dst must grow.
func (r *Rules) AppendMask(dst []byte, s string) []byte {
	if len(r.key) == 0 || s == Marker {
		return append(dst, Marker...)
	}
	return r.appendHash(dst, s)
}

// Hash returns the pseudonym "hmac-sha256:<hex>" of s, the lower-case hex
// HMAC-SHA256 of s under the HMAC key, so an investigator holding a known
// value can find the lines that carried it. Without an HMAC key it returns
// Marker.
func (r *Rules) Hash(s string) string {
	if len(r.key) == 0 {
		return Marker
	}
	return string(r.appendHash(make([]byte, 0, len(HashPrefix)+2*sha256.Size), s))
}

func (r *Rules) appendHash(dst []byte, s string) []byte {
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
