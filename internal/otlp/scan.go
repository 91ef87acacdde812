package otlp

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/secaudit/auditkit/internal/jsonenc"
)

// scanner reads one JSON text. It validates what it reads and never
// allocates: strings are decoded into the caller's buffer, everything else
// is returned as a span of the input.
type scanner struct {
	b   []byte
	pos int
	key []byte // a member name with escapes, decoded
	// escaped is whether the last string read had escapes: one without
	// is copied as it is instead of scanned again (with the inlined first
	// tests of expect and peek, callgrind, BenchmarkBatch/protobuf:
	// 69 100 → 56 000 instructions a line).
	escaped bool
}

var errDepth = errors.New("nested too deeply")

// maxDepth bounds nesting; the handler's own lines stay far below it
// (Limits.MaxDepth), and a hostile line must not exhaust the stack.
const maxDepth = 64

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: "+format, append([]any{s.pos}, args...)...)
}

func (s *scanner) ws() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	if s.pos < len(s.b) && s.b[s.pos] > ' ' { // the handler writes no spaces
		return s.b[s.pos]
	}
	s.ws()
	if s.pos < len(s.b) {
		return s.b[s.pos]
	}
	return 0
}

// expect consumes c. The first test, inlined, is the common case.
func (s *scanner) expect(c byte) error {
	if s.pos < len(s.b) && s.b[s.pos] == c {
		s.pos++
		return nil
	}
	return s.expectAfterSpace(c)
}

func (s *scanner) expectAfterSpace(c byte) error {
	if s.peek() != c {
		return s.errorf("want %q", c)
	}
	s.pos++
	return nil
}

// object calls field for each member of the object that starts here, with
// the member's decoded name (valid during the call); field must consume the
// value.
func (s *scanner) object(field func(key []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		key, err := s.rawString()
		if err != nil {
			return err
		}
		if s.escaped { // "b\u006fdy" is "body"
			s.key = unescape(s.key[:0], key)
			key = s.key
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.errorf("want ',' or '}'")
		}
	}
}

// array calls elem for each element of the array that starts here; elem
// must consume the element.
func (s *scanner) array(elem func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.pos++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.errorf("want ',' or ']'")
		}
	}
}

// rawString returns the contents of the string that starts here, escapes
// not decoded, after checking them.
func (s *scanner) rawString() ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return nil, err
	}
	start := s.pos
	s.escaped = false
	for s.pos < len(s.b) {
		s.pos += jsonenc.PlainLen(view(s.b[s.pos:]))
		if s.pos >= len(s.b) {
			break
		}
		c := s.b[s.pos]
		switch {
		case c == '"':
			s.pos++
			return s.b[start : s.pos-1], nil
		case c == '\\':
			s.escaped = true
			if s.pos+1 >= len(s.b) {
				return nil, s.errorf("unterminated escape")
			}
			switch s.b[s.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos += 2
			case 'u':
				if s.pos+6 > len(s.b) || !isHex4(s.b[s.pos+2:s.pos+6]) {
					return nil, s.errorf("bad \\u escape")
				}
				s.pos += 6
			default:
				return nil, s.errorf("bad escape")
			}
		case c < 0x20:
			return nil, s.errorf("control character in string")
		default: // not ASCII
			s.pos++
		}
	}
	return nil, s.errorf("unterminated string")
}

// appendString decodes the string that starts here onto dst.
func (s *scanner) appendString(dst []byte) ([]byte, error) {
	raw, err := s.rawString()
	if err != nil {
		return dst, err
	}
	return s.decoded(dst, raw), nil
}

// decoded appends raw, the string just read, decoded.
func (s *scanner) decoded(dst, raw []byte) []byte {
	if !s.escaped {
		return append(dst, raw...)
	}
	return unescape(dst, raw)
}

// unescape appends raw, a string's checked contents, decoded. Bytes that
// are not ASCII are copied as they are (the Collector's decoder keeps
// invalid UTF-8 too); a lone surrogate escape becomes U+FFFD.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		n := jsonenc.PlainLen(view(raw[i:]))
		dst = append(dst, raw[i:i+n]...)
		if i += n; i == len(raw) {
			break
		}
		if raw[i] != '\\' { // not ASCII: copied as it is, valid UTF-8 or not, as the Collector does
			dst = append(dst, raw[i])
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(raw[i+2 : i+6]))
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if d := utf16.DecodeRune(r, rune(hex4(raw[i+2:i+6]))); d != utf8.RuneError {
						r2 = d
						i += 6
					}
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // " \ /
			dst = append(dst, raw[i+1])
		}
		i += 2
	}
	return dst
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if unhex(c) < 0 {
			return false
		}
	}
	return true
}

func hex4(b []byte) uint16 {
	var v uint16
	for _, c := range b[:4] {
		v = v<<4 | uint16(unhex(c))
	}
	return v
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

// number returns the span of the number that starts here.
func (s *scanner) number() ([]byte, error) {
	s.ws()
	start := s.pos
	if s.pos < len(s.b) && s.b[s.pos] == '-' {
		s.pos++
	}
	digits := s.digits()
	if digits == 0 || (digits > 1 && s.b[start] == '0') || (digits > 1 && s.b[start] == '-' && s.b[start+1] == '0') {
		return nil, s.errorf("bad number")
	}
	if s.pos < len(s.b) && s.b[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return nil, s.errorf("bad number")
		}
	}
	if s.pos < len(s.b) && (s.b[s.pos] == 'e' || s.b[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.b) && (s.b[s.pos] == '+' || s.b[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return nil, s.errorf("bad number")
		}
	}
	return s.b[start:s.pos], nil
}

func (s *scanner) digits() int {
	n := 0
	for s.pos < len(s.b) && '0' <= s.b[s.pos] && s.b[s.pos] <= '9' {
		s.pos++
		n++
	}
	return n
}

// literal consumes word (true, false, null).
func (s *scanner) literal(word string) bool {
	s.ws()
	if len(s.b)-s.pos >= len(word) && string(s.b[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return true
	}
	return false
}

// skip consumes any value, checking it.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return errDepth
	}
	switch c := s.peek(); c {
	case '{':
		return s.object(func([]byte) error { return s.skip(depth + 1) })
	case '[':
		return s.array(func() error { return s.skip(depth + 1) })
	case '"':
		_, err := s.rawString()
		return err
	case 't', 'f', 'n':
		if s.literal("true") || s.literal("false") || s.literal("null") {
			return nil
		}
		return s.errorf("bad literal")
	default:
		_, err := s.number()
		return err
	}
}

// span consumes any value and returns its bytes.
func (s *scanner) span(depth int) ([]byte, error) {
	s.ws()
	start := s.pos
	if err := s.skip(depth); err != nil {
		return nil, err
	}
	return s.b[start:s.pos], nil
}

// int64Value reads an int64 given as a JSON number or a decimal string, as
// proto3's JSON mapping allows.
func (s *scanner) int64Value() (int64, error) {
	raw, err := s.numberOrString()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(view(raw), 10, 64)
	if err != nil {
		return 0, s.errorf("bad integer %q", raw)
	}
	return n, nil
}

// uint64Value is int64Value for unsigned fields.
func (s *scanner) uint64Value() (uint64, error) {
	raw, err := s.numberOrString()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(view(raw), 10, 64)
	if err != nil {
		return 0, s.errorf("bad unsigned integer %q", raw)
	}
	return n, nil
}

func (s *scanner) numberOrString() ([]byte, error) {
	if s.peek() == '"' {
		return s.rawString()
	}
	return s.number()
}

// view returns b as a string without copying, for parsing a number: strconv
// would make the conversion allocate (its errors keep the text). The string
// must not outlive the call, so errors are reported with a copy.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
