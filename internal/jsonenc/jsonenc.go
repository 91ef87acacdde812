// Package jsonenc appends JSON tokens to byte slices without allocating.
//
// It is the leaf layer of the slogaudit encoders, in the style of log/slog's
// json_handler.go and zerolog's internal/json: every function has the shape
// AppendX(dst []byte, v T) []byte. Strings are always written as valid UTF-8
// (invalid bytes become U+FFFD) and every character that could end or split a
// log line (control characters, U+2028, U+2029) is escaped, so no value can
// forge a second line (CWE-117). HTML characters are not escaped: log lines are
// not HTML.
package jsonenc

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
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
	dst = append(dst, '"')
	dst = AppendEscaped(dst, s)
	return append(dst, '"')
}

// AppendEscaped appends the contents of a JSON string for s, without quotes.
// Runs of characters that need no escaping are appended whole.
func AppendEscaped(dst []byte, s string) []byte {
	for {
		n := plainLen(s)
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

// plainLen returns the length of the longest prefix of s that is copied
// as it is: ASCII without control characters, '"' or '\\'. It is kept small
// so the compiler keeps its loops in registers.
func plainLen(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if needsEscape8(load64(s, i)) {
			break
		}
	}
	for ; i < len(s); i++ {
		if !safe[s[i]] {
			return i
		}
	}
	return i
}

// Word-at-a-time tests ("SWAR"), from Bit Twiddling Hacks: a byte of x is
// < n when (x - n*lsb) &^ x & msb has its high bit set. The tests may also
// flag a byte above one that really matches (a borrow), never a word with
// no match, so the byte loop that follows stays exact.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

func load64(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// needsEscape8 reports whether any of the 8 bytes in x is a control
// character, '"', '\\' or not ASCII.
func needsEscape8(x uint64) bool {
	ctl := (x - 0x20*lsb) &^ x
	q := x ^ ('"' * lsb)
	quote := (q - lsb) &^ q
	bs := x ^ ('\\' * lsb)
	backslash := (bs - lsb) &^ bs
	return (ctl|quote|backslash|x)&msb != 0
}

// AppendInt appends n as a JSON number.
func AppendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// AppendUint appends n as a JSON number, or as a decimal string when it does
// not fit in an int64: many JSON consumers (JavaScript, OTLP's int64) would
// silently round it.
func AppendUint(dst []byte, n uint64) []byte {
	if n > math.MaxInt64 {
		dst = append(dst, '"')
		dst = strconv.AppendUint(dst, n, 10)
		return append(dst, '"')
	}
	return strconv.AppendUint(dst, n, 10)
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
