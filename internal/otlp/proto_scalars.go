package otlp

import (
	"encoding/base64"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// The scalar fields of the transcoders in proto.go.

// severity transcodes severityNumber, a number or the enum value's name.
func (s *scanner) severity(b []byte) ([]byte, error) {
	var n int64
	if s.peek() == '"' {
		raw, err := s.rawString()
		if err != nil {
			return b, err
		}
		v, ok := severityNames[string(raw)]
		if !ok {
			return b, s.errorf("unknown severityNumber %q", raw)
		}
		n = int64(v)
	} else {
		var err error
		if n, err = s.int64Value(); err != nil {
			return b, err
		}
	}
	if n < 0 || n > 24 {
		return b, s.errorf("severityNumber %d out of range", n)
	}
	if n == 0 {
		return b, nil
	}
	b = protowire.AppendTag(b, fieldSeverity, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(n)), nil
}

// severityNames maps SeverityNumber's value names to numbers.
var severityNames = func() map[string]int {
	m := map[string]int{"SEVERITY_NUMBER_UNSPECIFIED": 0}
	for i, name := range []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"} {
		for j := 1; j <= 4; j++ {
			suffix := ""
			if j > 1 {
				suffix = strconv.Itoa(j)
			}
			m["SEVERITY_NUMBER_"+name+suffix] = 4*i + j
		}
	}
	return m
}()

func (s *scanner) fixed64Field(b []byte, num protowire.Number) ([]byte, error) {
	n, err := s.uint64Value()
	if err != nil || n == 0 {
		return b, err
	}
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, n), nil
}

func (s *scanner) uint32Field(b []byte, num protowire.Number) ([]byte, error) {
	n, err := s.uint64Value()
	if err != nil || n == 0 {
		return b, err
	}
	if n > math.MaxUint32 {
		return b, s.errorf("%d out of range for uint32", n)
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, n), nil
}

// hexField transcodes a trace or span id: OTLP/JSON writes them in hex (not
// base64, unlike other bytes fields). An empty id is omitted.
func (s *scanner) hexField(b []byte, num protowire.Number, size int) ([]byte, error) {
	raw, err := s.rawString()
	if err != nil || len(raw) == 0 {
		return b, err
	}
	if len(raw) != 2*size {
		return b, s.errorf("id of %d hex digits, want %d", len(raw), 2*size)
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(size))
	for i := 0; i < len(raw); i += 2 {
		hi, lo := unhex(raw[i]), unhex(raw[i+1])
		if hi < 0 || lo < 0 {
			return b, s.errorf("bad hex digit in id")
		}
		b = append(b, byte(hi<<4|lo))
	}
	return b, nil
}

// bytesField transcodes bytesValue: standard, padded base64, the only form
// the Collector's decoder takes.
func (s *scanner) bytesField(b []byte) ([]byte, error) {
	raw, err := s.rawString()
	if err != nil {
		return b, err
	}
	var start int
	b, start = begin(b, fieldBytes)
	out, err := base64.StdEncoding.AppendDecode(b, raw)
	if err != nil {
		return b, s.errorf("bad base64 in bytesValue")
	}
	return end(out, start), nil
}

// double reads a double: a JSON number, or one of the strings proto3's JSON
// mapping allows ("NaN", "Infinity", "-Infinity", or a number in quotes).
func (s *scanner) double() (float64, error) {
	raw, err := s.numberOrString()
	if err != nil {
		return 0, err
	}
	switch string(raw) {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	f, err := strconv.ParseFloat(view(raw), 64)
	if err != nil {
		return 0, s.errorf("bad double %q", raw)
	}
	return f, nil
}
