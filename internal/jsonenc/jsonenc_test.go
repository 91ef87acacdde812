package jsonenc

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain ascii text, long enough for words", `"plain ascii text, long enough for words"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"line\nbreak\r\ttab\b\f", `"line\nbreak\r\ttab\b\f"`},
		{"\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"<html>&amp;", `"<html>&amp;"`},
		{"sep\u2028para\u2029", `"sep\u2028para\u2029"`},
		{"bad\xffutf8\xc3", "\"bad\uFFFDutf8\uFFFD\""},
		{"héllo wörld ✓", `"héllo wörld ✓"`},
		{"12345678\n12345678", `"12345678\n12345678"`},
		{"1234567\"", `"1234567\""`},
	}
	for _, tt := range tests {
		if got := string(AppendString(nil, tt.in)); got != tt.want {
			t.Errorf("AppendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestAppendIntUint compares the decimal formatting with strconv across
// every digit count and both edges of the integer types.
func TestAppendIntUint(t *testing.T) {
	ints := []int64{0, 1, 9, 10, 99, 100, 101, 999, 1000, 183000, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	for p := int64(1); p < math.MaxInt64/10; p *= 10 {
		ints = append(ints, p-1, p, p+1, -p, -p-1)
	}
	for _, n := range ints {
		if got, want := string(AppendInt([]byte("x"), n)), "x"+strconv.FormatInt(n, 10); got != want {
			t.Errorf("AppendInt(%d) = %s, want %s", n, got, want)
		}
		if n >= 0 {
			if got, want := string(AppendUint(nil, uint64(n))), strconv.FormatUint(uint64(n), 10); got != want {
				t.Errorf("AppendUint(%d) = %s, want %s", n, got, want)
			}
		}
	}
}

func TestAppendNumbers(t *testing.T) {
	tests := []struct {
		got  []byte
		want string
	}{
		{AppendInt(nil, -42), "-42"},
		{AppendUint(nil, math.MaxInt64), "9223372036854775807"},
		{AppendUint(nil, math.MaxUint64), `"18446744073709551615"`},
		{AppendFloat(nil, math.NaN(), 64), `"NaN"`},
		{AppendFloat(nil, math.Inf(1), 64), `"+Inf"`},
		{AppendFloat(nil, math.Inf(-1), 64), `"-Inf"`},
		{AppendFloat(nil, 1.5, 64), "1.5"},
		{AppendFloat(nil, 1e21, 64), "1e+21"},
		{AppendFloat(nil, 1e-7, 64), "1e-7"},
		{AppendFloat(nil, 0.1, 32), "0.1"},
		{AppendBool(nil, true), "true"},
		{AppendTime(nil, time.Date(2026, 4, 5, 6, 7, 8, 9, time.FixedZone("x", 3600))), `"2026-04-05T05:07:08.000000009Z"`},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}

// FuzzAppendString checks that any string encodes to one valid JSON string
// without raw line breaks that decodes to the string with each invalid UTF-8
// byte replaced by U+FFFD.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", "\n", "\xff", "\u2028", `"\`, "abcdefgh\x00ijklmnop", "ünïcödé"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := AppendString(nil, s)
		if strings.ContainsAny(string(b), "\n\r\u2028\u2029") {
			t.Fatalf("line break in %q", b)
		}
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("invalid JSON %q: %v", b, err)
		}
		if want := string([]rune(s)); got != want {
			t.Fatalf("round trip: got %q, want %q", got, want)
		}
		// AppendPlain writes the same bytes, or refuses and leaves dst.
		p, ok, scan := AppendPlain([]byte("x"), []byte("y"), s, true)
		if ok != IsPlain(s) || ok && string(p) != "xy"+string(b) || !ok && string(p) != "x" {
			t.Fatalf("AppendPlain(%q) = %q, %v; AppendString %q", s, p, ok, b)
		}
		// The pre-scan has no false negatives: a string it clears holds
		// no byte a detector's match must contain.
		if ok && !scan && strings.IndexFunc(s, isTrigger) >= 0 {
			t.Fatalf("AppendPlain(%q): scan false, but it holds a trigger byte", s)
		}
	})
}

func BenchmarkAppendEscaped(b *testing.B) {
	s := "/api/{account}/transfer/8bdc1a77fb744594ad67a59004a4a42b"
	buf := make([]byte, 0, 256)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = AppendEscaped(buf[:0], s)
	}
}

func BenchmarkCopyOnly(b *testing.B) {
	s := "/api/{account}/transfer/8bdc1a77fb744594ad67a59004a4a42b"
	buf := make([]byte, 0, 256)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = append(buf[:0], s...)
	}
}

// TestPlainLen checks the word-at-a-time scan against the byte table for
// every length up to three words and every position of one byte that needs
// escaping: a prefix that is too short would escape plain bytes as \u00XX
// (still valid JSON, so the round trip alone would not notice).
func TestPlainLen(t *testing.T) {
	for n := range 25 {
		plain := strings.Repeat("a", n)
		if got := PlainLen(plain); got != n {
			t.Errorf("PlainLen(%q) = %d, want %d", plain, got, n)
		}
		for i := range n {
			for _, c := range []byte{'"', '\\', '\n', 0x1f, 0x00, 0x80, 0xff} {
				b := []byte(plain)
				b[i] = c
				s := string(b)
				if got := PlainLen(s); got != i {
					t.Errorf("PlainLen(%q) = %d, want %d", s, got, i)
				}
			}
		}
	}
}

func TestScanNumber(t *testing.T) {
	tests := []struct {
		in          string
		integer, ok bool
	}{
		{"0", true, true}, {"-0", true, true}, {"12", true, true}, {"12345678901234567890", true, true},
		{"12.50", false, true}, {"-1.5e-3", false, true}, {"1E+400", false, true}, {"0.0", false, true},
		{"", false, false}, {"-", false, false}, {"01", false, false}, {"+1", false, false},
		{"1.", false, false}, {".5", false, false}, {"1e", false, false}, {"1e+", false, false},
		{"0x10", false, false}, {"1_000", false, false}, {"Inf", false, false}, {"NaN", false, false},
		{" 1", false, false}, {"1 ", false, false}, {"1.5.5", false, false},
	}
	for _, tt := range tests {
		integer, ok := ScanNumber(tt.in)
		if ok != tt.ok || ok && integer != tt.integer {
			t.Errorf("ScanNumber(%q) = %v, %v; want %v, %v", tt.in, integer, ok, tt.integer, tt.ok)
		}
	}
}

// FuzzScanNumber checks ScanNumber against encoding/json: a string is a
// number literal exactly when it is valid JSON that decodes to a number.
func FuzzScanNumber(f *testing.F) {
	for _, s := range []string{"0", "-12.5e+3", "01", "1.", "12345678901234567890", " 1", "1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		integer, ok := ScanNumber(s)
		var n json.Number
		want := strings.TrimSpace(s) == s && json.Unmarshal([]byte(s), &n) == nil && json.Valid([]byte(s)) && len(s) > 0 && (s[0] == '-' || s[0] >= '0' && s[0] <= '9')
		if ok != want {
			t.Fatalf("ScanNumber(%q) ok = %v, want %v", s, ok, want)
		}
		if ok && integer != !strings.ContainsAny(s, ".eE") {
			t.Fatalf("ScanNumber(%q) integer = %v", s, integer)
		}
	})
}

// TestDigits8 checks the lane arithmetic against strconv: every value of
// each four-digit lane (the lanes do not interact), and a spread of others.
func TestDigits8(t *testing.T) {
	check := func(x uint32) {
		var b [8]byte
		w := Digits8(x)
		for i := range b {
			b[i] = byte(w >> (8 * i))
		}
		if want := fmt.Sprintf("%08d", x); string(b[:]) != want {
			t.Fatalf("Digits8(%d) = %q, want %q", x, b[:], want)
		}
	}
	for i := uint32(0); i < 10000; i++ {
		check(i)
		check(i * 10000)
		check(i*10000 + 9999 - i)
	}
	for x := uint32(0); x < 1e8; x += 999_983 {
		check(x)
	}
	check(99_999_999)
}

// TestAppendPlain checks AppendPlain against IsPlain and AppendString for
// every length up to 40 with each byte position holding, in turn, a byte
// that needs escaping, and that a refused string leaves dst as it was.
func TestAppendPlain(t *testing.T) {
	bad := []byte{'"', '\\', '\n', 0, 0x1f, 0x7f, 0x80, 0xff}
	check := func(s string) {
		t.Helper()
		dst := []byte("[]")[:1]
		got, ok, _ := AppendPlain(dst, []byte(`,"k":`), s, false)
		if ok != IsPlain(s) {
			t.Fatalf("AppendPlain(%q) ok = %v, IsPlain = %v", s, ok, IsPlain(s))
		}
		if !ok {
			if string(got) != "[" {
				t.Fatalf("AppendPlain(%q) refused but changed dst to %q", s, got)
			}
			return
		}
		if want := `[,"k":` + string(AppendString(nil, s)); string(got) != want {
			t.Fatalf("AppendPlain(%q) = %s, want %s", s, got, want)
		}
	}
	for n := 0; n <= 40; n++ {
		s := []byte(strings.Repeat("abcdefghij", 4)[:n])
		check(string(s))
		for i := range n {
			for _, c := range bad {
				r := append([]byte(nil), s...)
				r[i] = c
				check(string(r))
			}
		}
	}
}

// isTrigger reports whether c is one of redact's trigger bytes (see
// internal/prescan).
func isTrigger(c rune) bool {
	return c == ' ' || c == '\t' || c == '-' || c == '@' || c == '_' || c == 'x' || 'A' <= c && c <= 'Z'
}

// AppendPlain's scan result: every trigger byte at every position of every
// length is seen, and a string of lower-case letters, digits, '.', '/' and
// ':' is cleared (the control: the test can tell the two apart).
func TestAppendPlainScan(t *testing.T) {
	for n := 1; n <= 40; n++ {
		base := strings.Repeat("abc.def/9:", 4)[:n]
		if _, ok, scan := AppendPlain(nil, nil, base, true); !ok || scan && n >= 4 {
			t.Fatalf("AppendPlain(%q) = ok %v, scan %v; want cleared", base, ok, scan)
		}
		for i := range n {
			for _, c := range []byte(" \t-@_xAZ") {
				b := []byte(base)
				b[i] = c
				if _, _, scan := AppendPlain(nil, nil, string(b), true); !scan {
					t.Fatalf("AppendPlain(%q): trigger %q at %d not seen", b, c, i)
				}
			}
		}
	}
}
