// Package prescan is the eight-byte test that rules a string out for the
// built-in value detectors of package redact before they look at it: every
// match of one of them contains a trigger byte (a space or tab, '-', '@',
// '_', an upper-case letter, 'x'; see redact's scan.go), and Word finds
// words that may hold one with a dozen register instructions and no memory
// access. redact runs it over every string it is asked to match; the
// slogaudit handler runs it inside the loop that copies a string into the
// line (internal/jsonenc.AppendPlain), so a clean string costs the
// detectors nothing beyond that copy.
package prescan

// SWAR constants: a byte of ones, and the high bit of every byte.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// Word reports whether the eight bytes of x (in any order) may hold a
// trigger byte: one below '.' (the space, the tab, '-'), one in '@'..'_'
// (all upper-case letters, '@', '_') or an 'x'. It has no false negatives
// (each test is exact as a whole: "some byte is below n" for n <= 0x80), so
// a word it rejects needs no closer look. Lower-case letters, digits, '.',
// '/', ':' and the braces of a route, most of an audit record, pass.
func Word(x uint64) bool { return Mask(x) != 0 }

// Mask is Word before its final test: non-zero when x may hold a trigger
// byte. Masks of several words can be OR-ed and tested once, without a
// branch per word.
func Mask(x uint64) uint64 {
	low := (x - ones*'.') &^ x
	up := x ^ ones*'@'
	up = (up - ones*0x20) &^ up
	ex := x ^ ones*'x'
	ex = (ex - ones) &^ ex
	return (low | up | ex) & highs
}
