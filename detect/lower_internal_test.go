package detect

import (
	"strings"
	"testing"
)

// TestLowerASCII checks the eight-bytes-at-a-time lower-casing against
// strings.ToLower on every ASCII byte, at every offset.
func TestLowerASCII(t *testing.T) {
	var all strings.Builder
	for c := range 0x80 {
		all.WriteByte(byte(c))
	}
	s := all.String() + all.String()
	for off := range 9 {
		dst := make([]byte, len(s)-off)
		lowerASCII(dst, s[off:])
		if got, want := string(dst), strings.ToLower(s[off:]); got != want {
			t.Fatalf("offset %d: %q, want %q", off, got, want)
		}
	}
}

func TestASCIILen(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{{"", 0}, {"abc", 3}, {"abcdefghij", 10}, {"abcdefgh\u00e9", 8}, {"ab\u00e9cdefghijk", 2}, {"abcdefghi\u00e9jk", 9}} {
		if got := asciiLen(c.s); got != c.want {
			t.Errorf("asciiLen(%q) = %d, want %d", c.s, got, c.want)
		}
	}
}
