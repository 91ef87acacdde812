package slogaudit

import (
	"unicode/utf8"

	"github.com/secaudit/auditkit/internal/jsonenc"
)

// truncRunes returns the first n runes of s and whether it cut anything.
// Each invalid UTF-8 byte counts as one rune, as it becomes one U+FFFD.
func truncRunes(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false // bytes bound runes
	}
	i, count := 0, 0
	for i < len(s) {
		if count == n {
			return s[:i], true
		}
		if s[i] < utf8.RuneSelf {
			i++
		} else {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
		count++
	}
	return s, false
}

// appendCut appends s as a JSON string of at most n runes; a cut string ends
// in the truncation marker.
func appendCut(dst []byte, s string, n int) []byte {
	if len(s) <= n {
		// Bytes bound runes: if s needs no escaping, it is copied.
		var ok bool
		if dst, ok, _ = jsonenc.AppendPlain(dst, nil, s, false); ok {
			return dst
		}
	}
	s, cut := truncRunes(s, n)
	dst = append(dst, '"')
	dst = jsonenc.AppendEscaped(dst, s)
	if cut {
		dst = append(dst, TruncatedMarker...)
	}
	return append(dst, '"')
}

// appendMarker appends the truncation marker as a JSON string.
func appendMarker(dst []byte) []byte {
	return append(dst, `"`+TruncatedMarker+`"`...)
}
