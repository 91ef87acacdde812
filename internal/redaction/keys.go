package redaction

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// DefaultSensitiveKeys returns a copy of the default denylist
// (redact.DefaultSensitiveKeys, which documents it).
//
// Some additions are already implied by a shorter entry (setcookie by cookie,
// refreshtoken by token); they are listed so that the list reads as the
// checklist it is and survives a user dropping the shorter entry from a copy.
func DefaultSensitiveKeys() []string {
	return []string{
		// The seed's list, verbatim and in order.
		"password", "passwd", "pwd", "passcode", "secret", "token", "apikey",
		"authorization", "bearer", "jwt", "cookie", "sessionid", "csrf",
		"creditcard", "ssn",
		// Credentials and key material.
		"pass", "pw", "passphrase", "credential", "privatekey", "privkey",
		"clientsecret", "secretkey", "accesskey", "refreshtoken", "sessionkey",
		"setcookie", "xapikey", "xsrf", "signature", "signingkey",
		"encryptionkey", "masterkey", "hmackey", "mnemonic", "seedphrase",
		// Connection strings, which carry passwords.
		"connectionstring", "dsn", "databaseurl",
		// Single sign-on assertions.
		"samlresponse", "clientassertion",
		// One-time and second-factor codes.
		"otp", "totp", "otpcode", "mfacode", "authcode", "recoverycode", "pin",
		// Payment cards.
		"cardnum", "cvv", "cvc", "cvvcode",
	}
}

// maxShort is the length up to which a compacted denylist entry must equal a
// whole key segment instead of matching as a substring: a three-letter entry
// such as "ssn" occurs by chance inside ordinary words ("classname",
// "business_name"), a longer one rarely does.
const maxShort = 3

// wordEntries are the longer entries that must equal a whole key segment all
// the same, because as substrings they are common inside harmless words:
// "pass" is in "passport", "compass" and "bypass". The rule belongs to the
// entry, wherever it comes from, so a copy of DefaultSensitiveKeys handed back
// through Options behaves as the defaults do. Each is exactly maxWord bytes,
// the segment prefix the matcher keeps.
var wordEntries = []string{"pass"}

// maxWord is the length of the wordEntries, and the number of leading bytes of
// a segment that the matcher keeps.
const maxWord = 4

// wholeSegment reports whether the compacted entry c must equal a whole key
// segment (see maxShort and wordEntries).
func wholeSegment(c string) bool {
	return len(c) <= maxShort || slices.Contains(wordEntries, c)
}

// alphabet is the number of symbols a compacted key is made of: a-z and 0-9.
const alphabet = 36

// symbol maps a compacted byte (a-z, 0-9) to its automaton column.
func symbol(c byte) int32 {
	if c >= 'a' {
		return int32(c - 'a')
	}
	return int32(c-'0') + 26
}

// automaton is an Aho–Corasick automaton over the long denylist entries,
// folded into a complete transition table so that each compacted byte costs
// one table load. A negative entry means "an entry ends here": the caller
// stops, because the path is then sensitive and nothing more is needed.
type automaton struct {
	next []int32 // next[row+symbol] is the next row (state*alphabet), or -1
}

// buildAutomaton constructs the automaton for entries (compacted, each longer than
// maxShort). With no entries the automaton has one state that loops on itself.
func buildAutomaton(entries []string) automaton {
	type node struct {
		child [alphabet]int32 // 0 = none (the root is never a child)
		fail  int32
		out   bool
	}
	nodes := []node{{}}
	for _, e := range entries {
		s := int32(0)
		for i := 0; i < len(e); i++ {
			c := symbol(e[i])
			if nodes[s].child[c] == 0 {
				nodes = append(nodes, node{})
				nodes[s].child[c] = int32(len(nodes) - 1)
			}
			s = nodes[s].child[c]
		}
		nodes[s].out = true
	}
	// Breadth-first: fill the missing transitions with those of the failure
	// state, which is already complete because it is shallower.
	next := make([]int32, len(nodes)*alphabet)
	queue := make([]int32, 0, len(nodes))
	for c := int32(0); c < alphabet; c++ {
		if ch := nodes[0].child[c]; ch != 0 {
			nodes[ch].fail = 0
			queue = append(queue, ch)
			next[c] = ch
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		nodes[s].out = nodes[s].out || nodes[nodes[s].fail].out
		for c := int32(0); c < alphabet; c++ {
			if ch := nodes[s].child[c]; ch != 0 {
				nodes[ch].fail = next[nodes[s].fail*alphabet+c]
				queue = append(queue, ch)
				next[s*alphabet+c] = ch
			} else {
				next[s*alphabet+c] = next[nodes[s].fail*alphabet+c]
			}
		}
	}
	// Every out flag is final now (a failure state is shallower, so BFS
	// finished it first). Mark transitions into accepting states, and store
	// the others as row offsets (state*alphabet): a lookup is then one add
	// and one load, with no multiplication in the chain from byte to byte.
	for i, t := range next {
		if t > 0 && nodes[t].out {
			next[i] = -1
		} else {
			next[i] = t * alphabet
		}
	}
	return automaton{next: next}
}

// noEntries is the automaton of an empty denylist: one state, looping.
var noEntries [alphabet]int32

// Path is the redaction state of a key path: the group names, the attribute
// key, then nested map keys or struct field names, as fed to
// [Rules.Enter]. The zero Path is the root. It is a small comparable value,
// so a handler keeps one per open group instead of joining strings, and a Path
// is only meaningful to the Rules whose Enter produced it.
type Path struct {
	state     int32 // automaton row (state*alphabet) after the compacted path so far
	sensitive bool
}

// Sensitive reports whether everything at and under p must be redacted.
func (p Path) Sensitive() bool { return p.sensitive }

// Character classes that drive segmentation.
const (
	clsSep   = iota // not a letter or digit: ends a segment
	clsLower        // lower-case letter
	clsUpper        // upper-case letter
	clsDigit        // digit
	clsOther        // letter without case (or a mark): part of a segment
)

// asciiClass and asciiLow are classify for ASCII, as tables: the hot path
// looks a byte up instead of branching on ranges.
var asciiClass, asciiLow = func() (cls, low [utf8.RuneSelf]uint8) {
	for c := rune(0); c < utf8.RuneSelf; c++ {
		cls[c], low[c] = classify(c)
	}
	return
}()

// asciiSym is symbol for the compacted form of each ASCII byte (0 for bytes
// that compaction drops, which never reach the automaton).
var asciiSym = func() (sym [utf8.RuneSelf]int32) {
	for c := range sym {
		if l := asciiLow[c]; l != 0 {
			sym[c] = symbol(l)
		}
	}
	return
}()

// classify returns the class of rune c and its compacted byte (0 when
// compaction drops it). Compaction keeps a-z and 0-9: a non-ASCII rune is kept
// when it lower-cases to one ('İ' to 'i') or when its simple case folding
// reaches one (the long s 'ſ' folds to 's', the Kelvin sign to 'k'), because
// encoding/json and strings.EqualFold match keys that way, so an application
// may well accept "paſſword" as "password". Other runes ('é', full-width
// letters) disappear.
func classify(c rune) (cls, low uint8) {
	switch {
	case 'a' <= c && c <= 'z':
		return clsLower, byte(c)
	case 'A' <= c && c <= 'Z':
		return clsUpper, byte(c + 'a' - 'A')
	case '0' <= c && c <= '9':
		return clsDigit, byte(c)
	case c < utf8.RuneSelf:
		return clsSep, 0
	}
	low = foldASCII(c)
	switch {
	case unicode.IsUpper(c):
		return clsUpper, low
	case unicode.IsLower(c):
		return clsLower, low
	case unicode.IsDigit(c):
		return clsDigit, low
	case unicode.IsLetter(c) || unicode.IsMark(c):
		return clsOther, low
	}
	return clsSep, 0
}

// foldASCII returns the lower-case ASCII letter or the digit that the
// non-ASCII rune c lower-cases to or lies in the case-folding orbit of, or 0.
func foldASCII(c rune) byte {
	if l := unicode.ToLower(c); 'a' <= l && l <= 'z' || '0' <= l && l <= '9' {
		return byte(l)
	}
	// An orbit holds each case variant once, so at most one of them is in
	// A-Z and its lower case is in the orbit as well.
	for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
		if 'a' <= f && f <= 'z' || '0' <= f && f <= '9' {
			return byte(f)
		}
	}
	return 0
}

// packShort packs a compacted string of at most maxShort bytes into a uint32,
// its length in the top byte, so that short entries compare as integers.
func packShort(b []byte) uint32 {
	var v uint32
	for _, c := range b {
		v = v<<8 | uint32(c)
	}
	return uint32(len(b))<<24 | v
}

// packWord packs a compacted entry of exactly maxWord bytes as the matcher
// keeps a segment's first bytes.
func packWord(c string) uint32 {
	var v uint32
	for i := 0; i < maxWord; i++ {
		v = v<<8 | uint32(c[i])
	}
	return v
}

func (r *Rules) isShort(packed uint32) bool {
	for _, s := range r.short {
		if s == packed {
			return true
		}
	}
	return false
}

// segHit reports whether the first m bytes of a segment of n compacted bytes
// equal a whole-segment entry. v holds the segment's first min(n, maxWord)
// bytes, and 0 < m <= min(n, maxWord).
func (r *Rules) segHit(v uint32, n, m int) bool {
	w := v >> (8 * (min(n, maxWord) - m))
	if m == maxWord {
		for _, e := range r.words {
			if e == w {
				return true
			}
		}
		return false
	}
	return r.isShort(uint32(m)<<24 | w)
}

// shortHit reports whether a segment equals a whole-segment entry, either
// whole or without its trailing digits ("cvv2"). Callers on the hot path skip
// the call when segN-segTail > r.segMax, which rules out both. The segment is
// n compacted bytes, of which the last tail are digits; v holds its first
// min(n, maxWord) bytes.
func (r *Rules) shortHit(v uint32, n, tail int) bool {
	if n == 0 || r.segMax == 0 {
		return false
	}
	if n <= r.segMax && r.segHit(v, n, n) {
		return true
	}
	if m := n - tail; tail > 0 && m > 0 && m <= r.segMax {
		return r.segHit(v, n, m)
	}
	return false
}

// Enter returns the state of p extended by key: a group name, an attribute
// key, a map key or a struct field name. The key may itself be a dotted path
// ("db.password"). An empty key leaves p unchanged, as slog inlines groups
// with an empty name.
//
// Enter neither allocates nor runs a regular expression: it feeds the
// compacted key through a precomputed automaton whose state p carries, and
// compares short segments with the short entries as integers.
func (r *Rules) Enter(p Path, key string) Path {
	if p.sensitive || r.off || key == "" {
		return p
	}
	if len(r.allow) > 0 && r.allowed(key) {
		// An allowlisted key is never sensitive, and no entry may match
		// across it: its children start from a fresh automaton state.
		return Path{}
	}
	next := r.auto.next
	if next == nil {
		next = noEntries[:] // zero Rules: no long entries
	}
	// This loop handles ASCII keys, nearly all of them, with table lookups,
	// a tight inner loop for runs of lower-case letters and a short path for
	// separators; enterUnicode does the same with full rune handling, and
	// takes over when a non-ASCII byte turns up. (enterUnicode alone is 1.6
	// to 2.5 times slower on ASCII keys.)
	state := p.state
	// The current segment: first four compacted bytes, length, and how many
	// trailing bytes are digits.
	var segV uint32
	var segN, segTail int
	var prev, prev2, prevLow uint8 // class of the last two bytes; last compacted byte
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= utf8.RuneSelf {
			return r.enterUnicode(p, key, next)
		}
		cls, low := asciiClass[c], asciiLow[c]
		if cls == clsLower && prev != clsUpper {
			// A run of lower-case letters continues the segment: feed it
			// to the automaton in a tight loop, then account for it.
			j := i
			for ; j < len(key) && key[j]-'a' <= 'z'-'a'; j++ {
				if state = next[state+int32(key[j]-'a')]; state < 0 {
					return Path{sensitive: true}
				}
			}
			for k := i; k < j && k-i+segN < maxWord; k++ {
				segV = segV<<8 | uint32(key[k]) // only the first maxWord bytes count
			}
			segN += j - i
			segTail = 0
			if j-i > 1 {
				prev2 = clsLower
			} else {
				prev2 = prev
			}
			prev, prevLow = clsLower, key[j-1]
			i = j - 1
			continue
		}
		if cls == clsSep {
			if segN-segTail <= r.segMax && r.shortHit(segV, segN, segTail) {
				return Path{sensitive: true}
			}
			segV, segN, segTail = 0, 0, 0
			prev2, prev, prevLow = prev, clsSep, 0
			continue
		}
		switch {
		case cls == clsUpper && (prev == clsLower || prev == clsDigit):
			// camelCase and digit-to-word boundary: "userSSN", "step2OTP".
			if segN-segTail <= r.segMax && r.shortHit(segV, segN, segTail) {
				return Path{sensitive: true}
			}
			segV, segN, segTail = 0, 0, 0
		case cls == clsLower && prev == clsUpper && prev2 == clsUpper:
			// An acronym followed by a word: "SSNLast4" is SSN|Last4, so the
			// previous upper-case letter starts the new segment. The
			// acronym is the segment without its last byte, which a letter
			// ended (so it has no trailing digits).
			if n := segN - 1; n > 0 && n <= r.segMax && r.segHit(segV, segN, n) {
				return Path{sensitive: true}
			}
			segV, segN, segTail = uint32(prevLow), 1, 0
		}
		if low != 0 {
			if segN < maxWord {
				segV = segV<<8 | uint32(low)
			}
			segN++
			if low <= '9' {
				segTail++
			} else {
				segTail = 0
			}
			if state = next[state+asciiSym[c]]; state < 0 {
				return Path{sensitive: true}
			}
		}
		prev2, prev, prevLow = prev, cls, low
	}
	if segN-segTail <= r.segMax && r.shortHit(segV, segN, segTail) {
		return Path{sensitive: true}
	}
	return Path{state: state}
}

// enterUnicode is Enter for a key with non-ASCII runes: each rune is
// lower-cased with package unicode and kept only if that gives a-z or 0-9.
func (r *Rules) enterUnicode(p Path, key string, next []int32) Path {
	state := p.state
	var segV uint32
	var segN, segTail int
	var prev, prev2, prevLow uint8
	for i := 0; i < len(key); {
		var cls, low uint8
		if c := key[i]; c < utf8.RuneSelf {
			cls, low = asciiClass[c], asciiLow[c]
			i++
		} else {
			rc, size := utf8.DecodeRuneInString(key[i:])
			cls, low = classify(rc)
			i += size
		}
		switch {
		case cls == clsSep:
			if r.shortHit(segV, segN, segTail) {
				return Path{sensitive: true}
			}
			segV, segN, segTail = 0, 0, 0
		case cls == clsUpper && (prev == clsLower || prev == clsDigit):
			if r.shortHit(segV, segN, segTail) {
				return Path{sensitive: true}
			}
			segV, segN, segTail = 0, 0, 0
		case cls == clsLower && prev == clsUpper && prev2 == clsUpper:
			if prevLow == 0 {
				// The upper-case letter compacted to nothing: the
				// acronym segment is complete as it is.
				if r.shortHit(segV, segN, segTail) {
					return Path{sensitive: true}
				}
				segV, segN = 0, 0
			} else {
				if n := segN - 1; n > 0 && n <= r.segMax && r.segHit(segV, segN, n) {
					return Path{sensitive: true}
				}
				segV, segN = uint32(prevLow), 1
			}
			segTail = 0
		}
		if low != 0 {
			if segN < maxWord {
				segV = segV<<8 | uint32(low)
			}
			segN++
			if low <= '9' {
				segTail++
			} else {
				segTail = 0
			}
			if state = next[state+symbol(low)]; state < 0 {
				return Path{sensitive: true}
			}
		}
		prev2, prev, prevLow = prev, cls, low
	}
	if r.shortHit(segV, segN, segTail) {
		return Path{sensitive: true}
	}
	return Path{state: state}
}

// allowed reports whether key, or its last dot-separated component, compacts
// to an allowlisted key. It compacts into a stack buffer: a key longer than
// the longest allowlist entry cannot be one.
func (r *Rules) allowed(key string) bool {
	if r.allowHit(key) {
		return true
	}
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == '.' {
			return r.allowHit(key[i+1:])
		}
	}
	return false
}

func (r *Rules) allowHit(key string) bool {
	var buf [64]byte
	b := buf[:0]
	if r.maxAllow > len(buf) {
		b = make([]byte, 0, r.maxAllow) // only for very long allowlist entries
	}
	for _, c := range key {
		if _, low := classify(c); low != 0 {
			if len(b) == r.maxAllow {
				return false
			}
			b = append(b, low)
		}
	}
	_, ok := r.allow[string(b)]
	return ok
}

// EnterField is Enter for a struct field: the field is sensitive when its
// JSON name (name) or its Go name (goName) is, so a renamed field
// (a field Password tagged json:"p") is still caught. It is the one rule
// for struct fields, shared by Value, the Middleware, the slogaudit handler
// and modelaudit.Diff. The path continues from name, the key that is written.
func (r *Rules) EnterField(p Path, name, goName string) Path {
	q := r.Enter(p, name)
	if q.sensitive || goName == name || goName == "" || p.sensitive || r.off {
		return q
	}
	if len(r.allow) > 0 && r.allowed(name) {
		return q // the written name is allowlisted: the application said so
	}
	if r.Enter(p, goName).sensitive {
		q.sensitive = true
	}
	return q
}

// IsSensitiveKey reports whether a value under key is redacted. key is a
// whole path: dots separate its components, as in "db.password".
func (r *Rules) IsSensitiveKey(key string) bool {
	return r.Enter(Path{}, key).sensitive
}

// compact returns s lower-cased (Unicode-aware) with everything outside a-z
// and 0-9 removed: "API-Key", "api_key" and "apiKey" all become "apikey".
func compact(s string) string {
	b := make([]byte, 0, len(s))
	for _, c := range s {
		if _, low := classify(c); low != 0 {
			b = append(b, low)
		}
	}
	return string(b)
}
