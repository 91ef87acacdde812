package slogaudit

import (
	"math"
	"time"

	"github.com/secaudit/auditkit/internal/jsonenc"
	"github.com/secaudit/auditkit/internal/redaction"
	"github.com/secaudit/auditkit/redact"
)

// The leaves of the value encoder in both formats. The value encoder
// (value.go, value_reflect.go) decides what a value becomes once, for both
// formats; only these appends differ: a JSON value in the default format, an
// OTLP AnyValue ({"stringValue":...}, {"intValue":"..."}, ...) in
// FormatOTLPJSON. Writing the AnyValues directly, rather than re-parsing the
// finished JSON line as the format once did, keeps every value's type as the
// encoder knew it (an integral float stays a double) and costs 7 518 rather
// than 13 234 instructions for the benchmark record, 1.07× the default
// format's 7 057 (valgrind, BenchmarkHandleFormat/redact.Default).

// otlpString opens a string AnyValue; closeVal closes it.
const otlpString = `{"stringValue":`

// closeVal closes the AnyValue of an OTLP leaf.
func (st *state) closeVal() { st.buf = append(st.buf, '}') }

// appendIntVal appends head, then the integer i.
func (st *state) appendIntVal(i int64, head []byte) {
	st.buf = append(st.buf, head...)
	if !st.otlp {
		st.buf = jsonenc.AppendInt(st.buf, i)
		return
	}
	st.buf = append(st.buf, `{"intValue":"`...)
	st.buf = jsonenc.AppendInt(st.buf, i)
	st.buf = append(st.buf, `"}`...)
}

// appendUintVal writes u: an integer, or beyond the int64 range its digits
// as a string.
func (st *state) appendUintVal(u uint64) {
	switch {
	case !st.otlp:
		st.buf = jsonenc.AppendUint(st.buf, u)
	case u > math.MaxInt64:
		st.buf = append(st.buf, otlpString...)
		st.buf = jsonenc.AppendUint(st.buf, u) // quoted
		st.closeVal()
	default:
		st.appendIntVal(int64(u), nil)
	}
}

func (st *state) appendBoolVal(b bool) {
	switch {
	case !st.otlp:
		st.buf = jsonenc.AppendBool(st.buf, b)
	case b:
		st.buf = append(st.buf, `{"boolValue":true}`...)
	default:
		st.buf = append(st.buf, `{"boolValue":false}`...)
	}
}

func (st *state) appendTimeVal(t time.Time) {
	if !st.otlp {
		st.buf = jsonenc.AppendTime(st.buf, t)
		return
	}
	st.buf = append(st.buf, otlpString...)
	st.buf = jsonenc.AppendTime(st.buf, t)
	st.closeVal()
}

// appendNullVal writes null: in OTLP the empty AnyValue.
func (st *state) appendNullVal() {
	if st.otlp {
		st.buf = append(st.buf, "{}"...)
		return
	}
	st.buf = append(st.buf, "null"...)
}

// appendMarkerVal writes the truncation marker as a string value.
func (st *state) appendMarkerVal() {
	if st.otlp {
		st.buf = append(st.buf, otlpString+`"`+TruncatedMarker+`"}`...)
		return
	}
	st.buf = appendMarker(st.buf)
}

// appendRedactedVal writes the redaction marker as a string value.
func (st *state) appendRedactedVal() {
	if st.otlp {
		st.buf = append(st.buf, otlpString+`"`+redact.Marker+`"}`...)
		return
	}
	st.buf = append(st.buf, `"`+redact.Marker+`"`...)
}

// appendQuotedMaskVal writes what replaces a string s a value rule matched.
func (st *state) appendQuotedMaskVal(s string) {
	if !st.otlp {
		st.buf = st.c.appendQuotedMask(st.buf, s)
		return
	}
	st.buf = append(st.buf, otlpString...)
	st.buf = st.c.appendQuotedMask(st.buf, s)
	st.closeVal()
}

// appendNumberText writes the text of a valid JSON number (a json.Number)
// as it is: in OTLP a doubleValue when it has a fraction or an exponent,
// else an intValue, or, beyond the int64 range, a stringValue of its digits.
func (st *state) appendNumberText(s string, double bool) {
	switch {
	case !st.otlp:
		st.buf = append(st.buf, s...)
		return
	case double:
		st.buf = append(st.buf, `{"doubleValue":`...)
		st.buf = append(st.buf, s...)
		st.closeVal()
		return
	case fitsInt64(s):
		st.buf = append(st.buf, `{"intValue":"`...)
	default:
		st.buf = append(st.buf, otlpString+`"`...)
	}
	st.buf = append(st.buf, s...)
	st.buf = append(st.buf, `"}`...)
}

// fitsInt64 reports whether the integer literal d is within the int64 range.
func fitsInt64(d string) bool {
	max := "9223372036854775807"
	if len(d) > 0 && d[0] == '-' {
		d, max = d[1:], "9223372036854775808"
	}
	return len(d) < len(max) || len(d) == len(max) && d <= max
}

// appendFloat writes a float value. NaN and the infinities are strings in
// both formats; in OTLP a number is a doubleValue and an integral one keeps a
// ".0" (1 → 1.0), so that it still reads as a double.
func (st *state) appendFloat(f float64, bitSize int) {
	if !st.otlp {
		st.buf = jsonenc.AppendFloat(st.buf, f, bitSize)
		return
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		st.buf = append(st.buf, otlpString...)
		st.buf = jsonenc.AppendFloat(st.buf, f, bitSize)
		st.closeVal()
		return
	}
	st.buf = append(st.buf, `{"doubleValue":`...)
	start := len(st.buf)
	st.buf = jsonenc.AppendFloat(st.buf, f, bitSize)
	integral := true
	for _, c := range st.buf[start:] {
		if c == '.' || c == 'e' || c == 'E' {
			integral = false
			break
		}
	}
	if integral {
		st.buf = append(st.buf, '.', '0')
	}
	st.closeVal()
}

// appendKVList writes an object's members (see appendObject) as a
// kvlistValue.
func (st *state) appendKVList(ms []member, cut bool, p redaction.Path, depth int) {
	if len(ms) == 0 && !cut {
		st.buf = append(st.buf, `{"kvlistValue":{}}`...)
		return
	}
	st.buf = append(st.buf, `{"kvlistValue":{"values":[`...)
	for i, m := range ms {
		if i > 0 {
			st.buf = append(st.buf, ',')
		}
		st.buf = append(st.buf, `{"key":"`...)
		st.buf = append(st.buf, m.esc...)
		st.buf = append(st.buf, `","value":`...)
		st.appendMember(m, p, depth)
		st.buf = append(st.buf, '}')
	}
	if cut {
		if len(ms) > 0 {
			st.buf = append(st.buf, ',')
		}
		st.buf = append(st.buf, `{"key":"_truncated","value":`+otlpString+`"`+TruncatedMarker+`"}}`...)
	}
	st.buf = append(st.buf, "]}}"...)
}
