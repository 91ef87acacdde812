package jsonenc

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/secaudit/auditkit/internal/prescan"
)

// safe[b] is true for the ASCII bytes that are copied as they are inside a
// JSON string. Bytes >= 0x80 are false so the slow path can validate UTF-8.
var safe = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// replacement is U+FFFD in UTF-8; it replaces each invalid byte, as a range
// loop over the string (and encoding/json) would.
const replacement = "\uFFFD"

// AppendString appends s as a quoted JSON string.
func AppendString(dst []byte, s string) []byte {
	if PlainLen(s) == len(s) {
		// The common case: one capacity check and one copy.
		n := len(dst)
		dst = slices.Grow(dst, len(s)+2)[:n+len(s)+2]
		dst[n] = '"'
		copy(dst[n+1:], s)
		dst[len(dst)-1] = '"'
		return dst
	}
	dst = append(dst, '"')
	dst = AppendEscaped(dst, s)
	return append(dst, '"')
}

// AppendPlain appends prefix and then s as a quoted JSON string, and
// reports true, when s needs no escaping (see IsPlain). Otherwise it
// reports false and returns dst with its contents unchanged (bytes past its
// length may be overwritten). Scanning and copying s a word at a time, in
// one pass, costs less than IsPlain followed by a copy.
//
// With prescan set, hit reports whether some word of s passed prescan.Word,
// that is whether redact's built-in detectors could match s (always true
// below four bytes, where no word is loaded). Testing the words already
// loaded for the copy costs about 300 instructions for slogaudit's benchmark
// record; running the detectors' own pre-scan over its strings cost 726.
// Without prescan, hit is true.
func AppendPlain(dst, prefix []byte, s string, prescan bool) (_ []byte, ok, hit bool) {
	var trig uint64 // prescan.Mask of the words so far
	n := len(dst)
	b := slices.Grow(dst, len(prefix)+len(s)+2)
	b = b[:n+copy(b[n:cap(b)], prefix)]
	k := len(b) // the opening quote
	b = b[:k+len(s)+2]
	o := b[k+1 : k+1+len(s)] // where s goes
	switch {
	case len(o) >= 8:
		for r := s; len(r) > 8; r, o = r[8:], o[8:] {
			w := load64(r, 0)
			if needsEscape8(w) {
				return b[:n], false, true
			}
			if prescan {
				trig |= wordMask(w)
			}
			binary.LittleEndian.PutUint64(o, w)
		}
		// The last word ends at the end of s, overlapping the one before.
		o = b[len(b)-9 : len(b)-1]
		w := load64(s, len(s)-8)
		if needsEscape8(w) {
			return b[:n], false, true
		}
		if prescan {
			trig |= wordMask(w)
		}
		binary.LittleEndian.PutUint64(o, w)
	case len(o) >= 4:
		w0, w1 := load32(s, 0), load32(s, len(s)-4)
		w := uint64(w0) | uint64(w1)<<32
		if needsEscape8(w) {
			return b[:n], false, true
		}
		if prescan {
			trig = wordMask(w)
		}
		binary.LittleEndian.PutUint32(o, w0)
		binary.LittleEndian.PutUint32(o[len(o)-4:], w1)
	default:
		trig = 1
		for i := 0; i < len(s) && i < len(o); i++ {
			if !safe[s[i]] {
				return b[:n], false, true
			}
			o[i] = s[i]
		}
	}
	b[k] = '"'
	b[len(b)-1] = '"'
	return b, true, trig != 0 || !prescan
}

// wordMask is prescan.Mask, named apart from AppendPlain's parameter.
func wordMask(w uint64) uint64 { return prescan.Mask(w) }

// IsPlain reports whether s is written as it is inside a JSON string: it
// needs no escaping and is valid ASCII. Callers that know this can copy s
// directly.
func IsPlain(s string) bool { return PlainLen(s) == len(s) }

// AppendEscaped appends the contents of a JSON string for s, without quotes.
// Runs of characters that need no escaping are appended whole.
func AppendEscaped(dst []byte, s string) []byte {
	for {
		n := PlainLen(s)
		dst = append(dst, s[:n]...)
		if n == len(s) {
			return dst
		}
		s = s[n:]
		if b := s[0]; b < utf8.RuneSelf {
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			s = s[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, replacement...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but JavaScript and some log viewers treat them as
			// line terminators.
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			dst = append(dst, s[:size]...)
		}
		s = s[size:]
	}
}

// PlainLen returns the length of the longest prefix of s that is copied
// as it is: ASCII without control characters, '"' or '\\'. Readers of JSON
// (internal/otlp) use it to skip a string's plain runs a word at a time. Strings of four
// bytes or more are tested a word at a time, the last (partial) word by
// re-reading the string's final bytes, so a plain string never reaches the
// byte loop.
func PlainLen(s string) int {
	i := 0
	switch {
	case len(s) >= 8:
		for ; i+8 <= len(s); i += 8 {
			if needsEscape8(load64(s, i)) {
				return i + plainTail(s[i:])
			}
		}
		if i == len(s) || !needsEscape8(load64(s, len(s)-8)) {
			return len(s)
		}
	case len(s) >= 4:
		// Two overlapping halves cover 4 to 7 bytes.
		if !needsEscape8(uint64(load32(s, 0)) | uint64(load32(s, len(s)-4))<<32) {
			return len(s)
		}
	}
	return i + plainTail(s[i:])
}

// plainTail is PlainLen a byte at a time.
func plainTail(s string) int {
	for i := 0; i < len(s); i++ {
		if !safe[s[i]] {
			return i
		}
	}
	return len(s)
}

// Word-at-a-time tests ("SWAR"), from Bit Twiddling Hacks: a byte of x is
// < n when (x - n*lsb) &^ x & msb has its high bit set. The tests may also
// flag a byte above one that really matches (a borrow), never a word with
// no match, so the byte loop that follows stays exact.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

func load32(s string, i int) uint32 {
	b := s[i : i+4]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func load64(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// needsEscape8 reports whether any of the 8 bytes in x is a control
// character, '"', '\\' or not ASCII.
func needsEscape8(x uint64) bool {
	// (x - 0x20*lsb) | x is (x - 0x20*lsb) &^ x | x, the test for bytes
	// below 0x20 combined with the one for bytes of 0x80 and above.
	ctlOrHigh := (x - 0x20*lsb) | x
	q := x ^ ('"' * lsb)
	quote := (q - lsb) &^ q
	bs := x ^ ('\\' * lsb)
	backslash := (bs - lsb) &^ bs
	return (ctlOrHigh|quote|backslash)&msb != 0
}

// AppendInt appends n as a JSON number.
func AppendInt(dst []byte, n int64) []byte {
	if n < 0 {
		if n == math.MinInt64 {
			return strconv.AppendInt(dst, n, 10)
		}
		dst = append(dst, '-')
		n = -n
	}
	return appendDecimal(dst, uint64(n))
}

// appendDecimal appends u in decimal, two digits per division (as strconv
// does, without its general-base entry points).
func appendDecimal(dst []byte, u uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for u >= 100 {
		q := u / 100
		j := (u - q*100) * 2
		i -= 2
		buf[i], buf[i+1] = DigitPairs[j], DigitPairs[j+1]
		u = q
	}
	if u >= 10 {
		i -= 2
		buf[i], buf[i+1] = DigitPairs[u*2], DigitPairs[u*2+1]
	} else {
		i--
		buf[i] = byte('0' + u)
	}
	return append(dst, buf[i:]...)
}

// Digits8 returns the eight decimal digits of x (< 1e8, zero-padded) as
// ASCII bytes in a little-endian word, most significant digit first in
// memory: one store writes them. The digits are split in parallel lanes
// (4+4, then 2+2, then 1+1) with multiply-shift division, exact for these
// ranges, instead of four divisions and eight byte stores.
func Digits8(x uint32) uint64 {
	v := uint64(x/10000) | uint64(x%10000)<<32    // two lanes < 10000
	q := (v * 10486 >> 20) & 0x0000007F0000007F   // lane / 100
	v = q | (v-q*100)<<16                         // four lanes < 100
	t := (v * 103 >> 10) & 0x000F000F000F000F     // lane / 10
	return (t | (v-t*10)<<8) | 0x3030303030303030 // eight digits
}

// DigitPairs holds the two-digit decimals "00" to "99", for formatting two
// digits per division.
const DigitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// AppendUint appends n as a JSON number, or as a decimal string when it does
// not fit in an int64: many JSON consumers (JavaScript, OTLP's int64) would
// silently round it.
func AppendUint(dst []byte, n uint64) []byte {
	if n > math.MaxInt64 {
		dst = append(dst, '"')
		dst = appendDecimal(dst, n)
		return append(dst, '"')
	}
	return appendDecimal(dst, n)
}

// AppendFloat appends f as a JSON number formatted like encoding/json. NaN and
// the infinities, which JSON cannot represent, become the strings "NaN",
// "+Inf" and "-Inf". bitSize is 32 or 64.
func AppendFloat(dst []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Inf"`...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bitSize == 64 && (abs < 1e-6 || abs >= 1e21) ||
			bitSize == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bitSize)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// AppendBool appends true or false.
func AppendBool(dst []byte, b bool) []byte { return strconv.AppendBool(dst, b) }

// AppendTime appends t in UTC as a quoted RFC 3339 string with nanoseconds.
// The layout only produces digits and punctuation, so it needs no escaping.
func AppendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

// ScanNumber reports whether s is a JSON number literal (RFC 8259:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) and, if so, whether it
// is an integer (no fraction, no exponent). A json.Number that passes can be
// written as it is, keeping digits a float64 would round.
func ScanNumber(s string) (integer, ok bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i == len(s):
		return false, false
	case s[i] == '0':
		i++
	case '1' <= s[i] && s[i] <= '9':
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	default:
		return false, false
	}
	integer = true
	if i < len(s) && s[i] == '.' {
		integer = false
		i++
		start := i
		for ; i < len(s) && isDigit(s[i]); i++ {
		}
		if i == start {
			return false, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		integer = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for ; i < len(s) && isDigit(s[i]); i++ {
		}
		if i == start {
			return false, false
		}
	}
	return integer, i == len(s)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
