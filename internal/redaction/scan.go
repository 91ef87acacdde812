package redaction

import (
	"encoding/binary"
	"math/bits"
	"unsafe"

	"github.com/secaudit/auditkit/internal/prescan"
)

// The default detectors run on every string value of every record, so their
// cost on clean strings is the cost of redaction. Run one after the other they
// scan a string eleven times (strings.Index, IndexByte per prefix, a
// byte-by-byte case-folding search for "bearer" and "basic"): 99 ns for
// "POST" and 550 ns for a browser User-Agent on the benchmark machine
// (BenchmarkMatchValueClean, before this file). Instead, candidates makes one
// pass over the string that looks only for the few bytes that every match of
// a default detector must contain, checks a few neighbouring bytes where it
// finds one, and returns the detectors that could match; MatchValue then runs
// only those, unchanged, on the whole string. A clean string usually runs
// none. The detectors' results are the same (FuzzMatchValue compares
// MatchValue with the detectors run one after the other), only cheaper.

// Bits of the detectors that share the pre-scan (detector.bit).
const (
	bitBearer uint16 = 1 << iota
	bitBasic
	bitJWT
	bitPrivateKey
	bitURLCredentials
	bitAWS
	bitGitHub
	bitGitLab
	bitSlack
	bitGoogle
	bitStripe
)

// Trigger bytes: every match of a pre-scanned detector contains one of them
// at a place where the bytes around it are fixed, which scanTable marks. They
// are the necessary conditions below, one per detector:
//
//	bearer, basic    "bearer" or "basic" (ASCII case-insensitive, as indexFold
//	                 compares) directly followed by ' ' or '\t'
//	private-key      "-----BEGIN" directly followed by ' '
//	url-credentials  an '@'
//	jwt              "eyJ", found at its 'J'
//	aws              "AKIA", "ASIA", "ABIA" or "ACCA", found at the 'A'
//	google-api-key   "AIza", found at the 'A'
//	github-token     "gh?_" or "github_", found at the '_'
//	stripe-key       "sk_", "rk_" or "whsec_", found at the '_'
//	gitlab-token     "glpat-", found at the '-'
//	slack-token      "xo" or "xa" (xoxb-, xapp-, xoxe., ...), found at the
//	                 'x', or "/T" (".../services/T" of the webhook URL),
//	                 found at the 'T'
//
// Chunks of eight bytes without a trigger are skipped whole (see
// mayTrigger); in the others each byte costs a table load.
var scanTable = func() (t [256]uint8) {
	for _, c := range []byte{' ', '\t', '@', 'J', 'A', '_', '-', 'x', 'T'} {
		t[c] = 1
	}
	return
}()

// foldHas reports whether s[i:] starts with lower (lower-case ASCII letters)
// under the case folding of indexFold (c|0x20).
func foldHas(s string, i int, lower string) bool {
	if i < 0 || len(s)-i < len(lower) {
		return false
	}
	for j := 0; j < len(lower); j++ {
		if s[i+j]|0x20 != lower[j] {
			return false
		}
	}
	return true
}

// has reports whether s[i:] starts with p.
func has(s string, i int, p string) bool {
	return i >= 0 && len(s)-i >= len(p) && s[i:i+len(p)] == p
}

// mayTrigger is prescan.Word: whether the eight bytes of x may hold a
// trigger byte. A word it rejects needs no closer look; one it accepts is
// looked at byte by byte. It costs about 2.5 ns a word here, the same as
// eight loads from scanTable OR-ed together (candidates for the 32-byte
// request id: 10-11 ns either way); it is kept because it touches no table
// in a handler's hot loop, and because the handler runs the same test while
// it copies a string (internal/prescan), which makes a clean string's scan
// nearly free there. What made the difference was the trigger set: with '.'
// in it (for "xoxe." and "hooks.") the dotted event type cost 33 ns in
// candidates; finding Slack tokens at the 'x' and the "/T" instead took it
// to 20 ns.
func mayTrigger(x uint64) bool { return prescan.Word(x) }

// candidates returns the detectors among want (a set of bits) whose
// necessary condition (see scanTable) holds somewhere in s. A detector not
// returned cannot match s.
func candidates(s string, want uint16) uint16 {
	if len(s) < 8 {
		var m uint16
		for i := 0; i < len(s); i++ {
			if scanTable[s[i]] != 0 {
				m |= trigger(s, i)
			}
		}
		return m & want
	}
	// Eight bytes at a time; the last chunk overlaps the one before it
	// rather than leaving a tail, and skips the bytes that chunk examined.
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	var m uint16
	for i, done := 0, 0; ; i += 8 {
		if i > len(s)-8 {
			i = len(s) - 8
		}
		if mayTrigger(binary.LittleEndian.Uint64(b[i:])) {
			// One bit per trigger byte (the low bit of byte k for s[i+k]),
			// so that only the triggers are visited, each once: a loop
			// with a branch per byte, rescanning the overlap, made
			// MatchValue("/api/acct-9/transfer") 22 ns and the dotted
			// event type 32 ns; this, 16 ns and 22 ns.
			c := b[i : i+8]
			hits := uint64(scanTable[c[0]]) | uint64(scanTable[c[1]])<<8 |
				uint64(scanTable[c[2]])<<16 | uint64(scanTable[c[3]])<<24 |
				uint64(scanTable[c[4]])<<32 | uint64(scanTable[c[5]])<<40 |
				uint64(scanTable[c[6]])<<48 | uint64(scanTable[c[7]])<<56
			hits &^= 1<<(8*(done-i)) - 1 // bytes an earlier chunk examined
			for ; hits != 0; hits &= hits - 1 {
				m |= trigger(s, i+bits.TrailingZeros64(hits)/8)
			}
			if m&want == want {
				return want // every wanted detector is a candidate already
			}
		}
		if i == len(s)-8 {
			return m & want
		}
		done = i + 8
	}
}

// trigger returns the detectors whose necessary condition (see scanTable)
// holds at the trigger byte s[i].
func trigger(s string, i int) uint16 {
	var m uint16
	switch c := s[i]; c {
	case ' ', '\t':
		if i < 5 {
			break
		}
		// The byte before the space must end "bearer", "basic" or
		// "-----BEGIN": one comparison rules out nearly every space of a
		// sentence or a User-Agent.
		switch s[i-1] | 0x20 {
		case 'r':
			if foldHas(s, i-6, "bearer") {
				m |= bitBearer
			}
		case 'c':
			if foldHas(s, i-5, "basic") {
				m |= bitBasic
			}
		case 'n':
			if c == ' ' && has(s, i-10, "-----BEGIN") {
				m |= bitPrivateKey
			}
		}
	case '@':
		m |= bitURLCredentials
	case 'J':
		if i >= 2 && s[i-2] == 'e' && s[i-1] == 'y' {
			m |= bitJWT
		}
	case 'A':
		if i+1 < len(s) {
			switch s[i+1] {
			case 'K', 'S', 'B', 'C':
				m |= bitAWS
			case 'I':
				m |= bitGoogle
			}
		}
	case '_':
		if i >= 3 && s[i-3] == 'g' && s[i-2] == 'h' || has(s, i-6, "github") {
			m |= bitGitHub
		}
		if i >= 2 && s[i-1] == 'k' && (s[i-2] == 's' || s[i-2] == 'r') || has(s, i-5, "whsec") {
			m |= bitStripe
		}
	case '-':
		if has(s, i-5, "glpat") {
			m |= bitGitLab
		}
	case 'x':
		if i+1 < len(s) && (s[i+1] == 'o' || s[i+1] == 'a') {
			m |= bitSlack
		}
	case 'T':
		if i >= 1 && s[i-1] == '/' {
			m |= bitSlack
		}
	}
	return m
}
