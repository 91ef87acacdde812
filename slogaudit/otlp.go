package slogaudit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"sync"

	"github.com/secaudit/auditkit/internal/jsonenc"
)

// The OTLP/JSON format is a transcoding of the JSON lines envelope: the
// encoder builds the ordinary line (redaction, limits, precedence and all),
// then transcodeOTLP rewrites it in one pass. Only the leaf appends know
// about the format (appendFloat marks doubles), so both formats carry exactly
// the same data and the size limits apply to the line actually written.

// finishLine turns the JSON-lines record in st.line into the configured
// format. It runs after every line is assembled (normal, shrunk or fallback),
// before the size check, so limits apply to the line actually written.
func (st *state) finishLine() {
	if st.c.format == FormatOTLPJSON {
		st.transcodeOTLP()
	}
}

// appendFloat writes a float attribute value. In the OTLP format a float must
// stay recognisable as a double after transcoding, so an integral value gets
// a ".0" (1 → 1.0); NaN and infinities are strings in both formats.
func (st *state) appendFloat(f float64, bitSize int) {
	start := len(st.buf)
	st.buf = jsonenc.AppendFloat(st.buf, f, bitSize)
	if st.c.format != FormatOTLPJSON || st.buf[start] == '"' {
		return
	}
	for _, c := range st.buf[start:] {
		if c == '.' || c == 'e' || c == 'E' {
			return
		}
	}
	st.buf = append(st.buf, '.', '0')
}

// otlpLines holds spare line buffers. transcodeOTLP writes into one and
// swaps it with st.line, so the state keeps a buffer of the right size and
// the pool gets the old one back: no copy, and no allocation once warm (a
// *[]byte, not a []byte, so Put does not box a slice header).
var otlpLines = sync.Pool{New: func() any {
	b := make([]byte, 0, 4096)
	return &b
}}

// errOTLP reports a line the transcoder could not read: a bug, since the line
// is the encoder's own, so it is loud (OnError) and the record is replaced.
var errOTLP = errors.New("slogaudit: OTLP transcoding failed; record replaced")

// transcodeOTLP rewrites st.line (JSON lines envelope, with its spare
// leading byte) as one OTLP/JSON ExportLogsServiceRequest line, keeping the
// spare byte and the trailing newline.
func (st *state) transcodeOTLP() {
	p := otlpLines.Get().(*[]byte)
	out, ok := transcodeWith((*p)[:0], st.line, st.c)
	if !ok {
		st.c.reportError(errOTLP)
		st.fallback = true
		out = append(out[:0], 0)
		out = append(out, otlpBroken...)
	}
	*p, st.line = st.line, out
	if cap(*p) <= maxPooled {
		otlpLines.Put(p)
	}
}

// otlpBroken stands in for a record the transcoder could not read. It has no
// time and no data, only what says that something was lost.
const otlpBroken = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":17,"severityText":"ERROR",` +
	`"body":{"stringValue":"` + EventMalformedRecord + `"},` +
	`"attributes":[{"key":"` + KeyEventType + `","value":{"stringValue":"` + EventMalformedRecord + `"}}],` +
	`"eventName":"` + EventMalformedRecord + `"}]}]}]}` + "\n"

// maxOTLPDepth bounds the transcoder's recursion; the encoder's own limits
// keep real lines far below it.
const maxOTLPDepth = 2 * maxDepthCap

// span is a raw JSON token in the input line: [start, end), quotes included.
type span struct{ start, end int }

func (s span) ok() bool { return s.end > s.start }

// transcoder reads a JSON lines envelope and writes the OTLP/JSON line. The
// input is the encoder's own output: compact (no whitespace), valid UTF-8,
// strings already escaped (they are copied as they are), integers that fit
// an int64, doubles with a '.' or an exponent. Anything else sets bad.
type transcoder struct {
	in  []byte
	i   int
	out []byte
	bad bool

	// The record's scalar fields, found before the attributes and written
	// with the log record (OTLP puts resource and scope first).
	ts, observed, sevText, sevNum, body span
	eventName, traceID, spanID, flags   span

	opened  bool // {"resourceLogs":[{ written
	res     bool // resource written
	scope   bool // "scopeLogs":[{ written
	record  bool // "logRecords":[{ written
	written int  // fields written in the log record (for commas)
}

// transcode appends to out the OTLP/JSON form of line (spare byte, JSON lines
// object, newline) in the same shape. It reports false if line is not what
// the encoder writes.
func transcode(out, line []byte) ([]byte, bool) {
	return transcodeWith(out, line, nil)
}

// transcodeWith is transcode for a line written by a handler with config c
// (nil: unknown). Most of c's lines carry its resource, which c.otlpHead
// holds already transcoded: such a line is read on a fast path that copies
// the head and expects the fields where the encoder puts them. Any other
// line is read field by field, with the same result.
func transcodeWith(out, line []byte, c *config) ([]byte, bool) {
	start := len(out)
	t := transcoder{in: line, i: 1, out: append(out, 0)}
	if c == nil || c.otlpHead == nil || !t.fast(c) {
		t = transcoder{in: line, i: 1, out: t.out[:start+1]}
		t.envelope()
	}
	if t.bad || t.i+1 != len(line) || line[t.i] != '\n' ||
		bytes.IndexByte(line[:t.i], '\n') >= 0 { // a raw newline in a string: never the encoder's
		return t.out, false
	}
	return append(t.out, '\n'), true
}

// otlpHead is the start of every OTLP line of a handler with config c whose
// record carries c's resource: the request, the resource and scopeLogs up
// to the scope object. It is nil in the JSON lines format.
func otlpHead(c *config) []byte {
	if c.format != FormatOTLPJSON {
		return nil
	}
	// c.resource is `,"resource":{...},"instrumentation_scope":`.
	t := transcoder{in: c.resource, i: len(`,"` + KeyResource + `":`)}
	t.open()
	t.resource()
	if t.bad || !t.lit(`,"`+KeyInstrumentationScope+`":`) || t.i != len(t.in) {
		return nil // never: the encoder wrote it; the slow path copes anyway
	}
	return append(t.out, `,"scopeLogs":[{"scope":`...)
}

// fast reads the line in the order and shape assembleTrace writes it, up to
// the end of the attributes, then the rest field by field. It reports false,
// with t in any state, as soon as the line is shaped otherwise (no time,
// another resource: the fallback record), so that the caller starts over.
func (t *transcoder) fast(c *config) bool {
	if t.lit(`{"` + KeyTimestamp + `":`) {
		t.ts, _ = t.number()
		if !t.lit(`,"` + KeyObservedTimestamp + `":`) {
			return false
		}
	} else if !t.lit(`{"` + KeyObservedTimestamp + `":`) {
		return false
	}
	t.observed, _ = t.number()
	if !t.lit(`,"` + KeySeverityText + `":`) {
		return false
	}
	t.sevText = t.str()
	if !t.lit(`,"` + KeySeverityNumber + `":`) {
		return false
	}
	t.sevNum, _ = t.number()
	if !t.lit(`,"` + KeyBody + `":`) {
		return false
	}
	t.body = t.str()
	if t.bad || !bytes.HasPrefix(t.in[t.i:], c.resource) {
		return false
	}
	t.i += len(c.resource)
	t.out = append(t.out, c.otlpHead...)
	t.opened, t.res, t.scope = true, true, true
	// The scope: the handler's or the record's own, copied as it is.
	start := t.i
	if !t.lit(`{"name":`) {
		return false
	}
	t.str()
	if t.lit(`,"version":`) {
		t.str()
	}
	if t.bad || !t.lit(`}`) {
		return false
	}
	t.out = append(t.out, t.in[start:t.i]...)
	if !t.lit(`,"` + KeyAttributes + `":`) {
		return false
	}
	t.attributes()
	if t.bad {
		return false
	}
	if t.peek() == ',' {
		t.i++
		t.fields()
	} else {
		t.eat('}')
	}
	t.finish()
	return true
}

// envelope walks the top-level object. The JSON lines envelope's key order
// (record fields, resource, instrumentation_scope, attributes, event name and
// trace context) lets one pass write resourceLogs → scopeLogs → logRecords.
func (t *transcoder) envelope() {
	if !t.eat('{') {
		return
	}
	if t.peek() == '}' {
		t.i++
	} else {
		t.fields()
	}
	t.finish()
}

// fields reads top-level members up to and including the closing brace.
func (t *transcoder) fields() {
	for !t.bad {
		key := t.str()
		if !t.eat(':') {
			return
		}
		switch string(t.in[key.start:key.end]) {
		case `"` + KeyTimestamp + `"`:
			t.ts, _ = t.number()
		case `"` + KeyObservedTimestamp + `"`:
			t.observed, _ = t.number()
		case `"` + KeySeverityText + `"`:
			t.sevText = t.str()
		case `"` + KeySeverityNumber + `"`:
			t.sevNum, _ = t.number()
		case `"` + KeyBody + `"`:
			t.body = t.str()
		case `"` + KeyResource + `"`:
			t.open()
			t.resource()
		case `"` + KeyInstrumentationScope + `"`:
			t.instrumentationScope()
		case `"` + KeyAttributes + `"`:
			t.attributes()
		case `"` + KeyEventName + `"`:
			t.eventName = t.str()
		case `"` + KeyTraceID + `"`:
			t.traceID = t.str()
		case `"` + KeySpanID + `"`:
			t.spanID = t.str()
		case `"` + KeyTraceFlags + `"`:
			t.flags, _ = t.number()
		default:
			t.skip(0) // not part of the OTLP record
		}
		if t.peek() != ',' {
			break
		}
		t.i++
	}
	t.eat('}')
}

// finish writes the log record's remaining fields and closes the request.
func (t *transcoder) finish() {
	if t.bad {
		return
	}
	t.openRecord()
	t.recordFields()
	if t.flags.ok() && !(t.flags.end-t.flags.start == 1 && t.in[t.flags.start] == '0') {
		t.field(`"flags":`)
		t.raw(t.flags)
	}
	if t.traceID.ok() {
		t.field(`"traceId":`)
		t.raw(t.traceID)
	}
	if t.spanID.ok() {
		t.field(`"spanId":`)
		t.raw(t.spanID)
	}
	if t.eventName.end-t.eventName.start > 2 { // "" is no event name
		t.field(`"eventName":`)
		t.raw(t.eventName)
	}
	t.out = append(t.out, "}]}]}]}"...)
}

// open writes the start of the request, once.
func (t *transcoder) open() {
	if !t.opened {
		t.opened = true
		t.out = append(t.out, `{"resourceLogs":[{`...)
	}
}

// openScope opens scopeLogs, after the resource if there is one.
func (t *transcoder) openScope() {
	if t.scope {
		return
	}
	t.open()
	t.scope = true
	if t.res {
		t.out = append(t.out, ',')
	}
	t.out = append(t.out, `"scopeLogs":[{`...)
}

// openRecord opens the log record (after the scope, if any) and writes the
// record fields seen so far.
func (t *transcoder) openRecord() {
	if t.record {
		return
	}
	alone := !t.scope // no scope object before logRecords
	t.openScope()
	t.record = true
	if !alone {
		t.out = append(t.out, ',')
	}
	t.out = append(t.out, `"logRecords":[{`...)
	t.recordFields()
}

// recordFields writes the scalar record fields found and not yet written.
// timeUnixNano and observedTimeUnixNano are fixed64: a time before 1970 has
// no OTLP form, so it is left out (unknown), as a zero time is.
func (t *transcoder) recordFields() {
	if t.ts.ok() {
		if t.in[t.ts.start] != '-' {
			t.field(`"timeUnixNano":"`)
			t.raw(t.ts)
			t.out = append(t.out, '"')
		}
		t.ts = span{}
	}
	if t.observed.ok() {
		if t.in[t.observed.start] != '-' {
			t.field(`"observedTimeUnixNano":"`)
			t.raw(t.observed)
			t.out = append(t.out, '"')
		}
		t.observed = span{}
	}
	if t.sevNum.ok() {
		t.field(`"severityNumber":`)
		t.raw(t.sevNum)
		t.sevNum = span{}
	}
	if t.sevText.ok() {
		t.field(`"severityText":`)
		t.raw(t.sevText)
		t.sevText = span{}
	}
	if t.body.ok() {
		t.field(`"body":{"stringValue":`)
		t.raw(t.body)
		t.out = append(t.out, '}')
		t.body = span{}
	}
}

// field starts a log record field, with a comma after the first.
func (t *transcoder) field(prefix string) {
	if t.written > 0 {
		t.out = append(t.out, ',')
	}
	t.written++
	t.out = append(t.out, prefix...)
}

func (t *transcoder) raw(s span) { t.out = appendShort(t.out, t.in, s.start, s.end) }

// resource writes "resource":{"attributes":[...]} from the flat resource
// object, after the start of the request.
func (t *transcoder) resource() {
	if t.res || t.scope {
		t.bad = true // twice, or after the scope: not the envelope order
		return
	}
	t.res = true
	t.out = append(t.out, `"resource":{`...)
	if !t.emptyObject() {
		t.out = append(t.out, `"attributes":[`...)
		t.members(0)
		t.out = append(t.out, ']')
	}
	t.out = append(t.out, '}')
}

// instrumentationScope copies the scope object: its name and version keys
// are OTLP's too.
func (t *transcoder) instrumentationScope() {
	if t.scope {
		t.bad = true
		return
	}
	t.openScope()
	t.out = append(t.out, `"scope":`...)
	start := t.i
	t.skip(0)
	t.out = append(t.out, t.in[start:t.i]...)
}

// attributes writes the record's attributes as a KeyValue list; OTLP omits
// an empty list.
func (t *transcoder) attributes() {
	t.openRecord()
	if t.emptyObject() {
		return
	}
	t.field(`"attributes":[`)
	t.members(0)
	t.out = append(t.out, ']')
}

// emptyObject consumes "{}" if it comes next.
func (t *transcoder) emptyObject() bool {
	if t.i+1 < len(t.in) && t.in[t.i] == '{' && t.in[t.i+1] == '}' {
		t.i += 2
		return true
	}
	return false
}

// members reads a non-empty object and writes its members as
// {"key":K,"value":V},... (the caller writes the brackets). It is the
// transcoder's inner loop: the position and the output stay in locals, and
// no constant appended is longer than the 16 bytes the compiler copies
// inline.
func (t *transcoder) members(depth int) {
	if !t.eat('{') {
		return
	}
	in, i, out := t.in, t.i, t.out
	for {
		end := strEnd(in, i)
		if end < 0 || end >= len(in) || in[end] != ':' {
			t.bad = true
			return
		}
		out = append(out, `{"key":`...)
		out = appendShort(out, in, i, end)
		i = end + 1
		if i < len(in) && in[i] == '"' {
			// Most values are strings.
			end = strEnd(in, i)
			if end < 0 {
				t.bad = true
				return
			}
			out = append(out, `,"value":`...)
			out = append(out, `{"stringValue":`...)
			out = appendShort(out, in, i, end)
			out = append(out, "}}"...)
			i = end
		} else if i < len(in) && numChars[in[i]] == 1 {
			// Then integers; a number that turns out to be a double is
			// written as one.
			t.i = i
			n, double := t.number()
			i = t.i
			out = append(out, `,"value":`...)
			out = appendNumber(out, in[n.start:n.end], double)
			out = append(out, '}')
		} else {
			out = append(out, `,"value":`...)
			t.i, t.out = i, out
			t.value(depth + 1)
			if t.bad {
				return
			}
			i, out = t.i, append(t.out, '}')
		}
		if i >= len(in) || in[i] != ',' {
			break
		}
		i++
		out = append(out, ',')
	}
	t.i, t.out = i, out
	t.eat('}')
}

// value transcodes one JSON value into an AnyValue.
func (t *transcoder) value(depth int) {
	if depth > maxOTLPDepth {
		t.bad = true
		return
	}
	switch t.peek() {
	case '"':
		t.out = append(t.out, `{"stringValue":`...)
		t.copyStr()
		t.out = append(t.out, '}')
	case '{':
		if t.emptyObject() {
			t.out = append(t.out, `{"kvlistValue":{}}`...)
			return
		}
		t.out = append(t.out, `{"kvlistValue":{"values":[`...)
		t.members(depth)
		t.out = append(t.out, "]}}"...)
	case '[':
		t.i++
		if t.peek() == ']' {
			t.i++
			t.out = append(t.out, `{"arrayValue":{}}`...)
			return
		}
		t.out = append(t.out, `{"arrayValue":{"values":[`...)
		for !t.bad {
			t.value(depth + 1)
			if t.peek() != ',' {
				break
			}
			t.i++
			t.out = append(t.out, ',')
		}
		if t.eat(']') {
			t.out = append(t.out, "]}}"...)
		}
	case 't':
		t.literal("true")
		t.out = append(t.out, `{"boolValue":true}`...)
	case 'f':
		t.literal("false")
		t.out = append(t.out, `{"boolValue":false}`...)
	case 'n':
		t.literal("null")
		t.out = append(t.out, "{}"...) // the empty AnyValue
	default:
		n, double := t.number()
		t.out = appendNumber(t.out, t.in[n.start:n.end], double)
	}
}

// appendNumber writes the AnyValue of the number literal d.
func appendNumber(out, d []byte, double bool) []byte {
	switch {
	case double:
		out = append(out, `{"doubleValue":`...)
		out = append(out, d...)
		return append(out, '}')
	case !fitsInt64(d):
		// An exact integer (a json.Number) beyond int64: its digits as a
		// string, as for a uint64 above MaxInt64.
		out = append(out, `{"stringValue":"`...)
		out = append(out, d...)
		return append(out, `"}`...)
	default:
		out = append(out, `{"intValue":"`...)
		out = append(out, d...)
		return append(out, `"}`...)
	}
}

// fitsInt64 reports whether the integer literal d is within the int64 range.
func fitsInt64(d []byte) bool {
	max := "9223372036854775807"
	if len(d) > 0 && d[0] == '-' {
		d, max = d[1:], "9223372036854775808"
	}
	return len(d) < len(max) || len(d) == len(max) && string(d) <= max
}

// skip passes over one value without writing it.
func (t *transcoder) skip(depth int) {
	if depth > maxOTLPDepth {
		t.bad = true
		return
	}
	switch t.peek() {
	case '"':
		t.str()
	case '{':
		t.i++
		if t.peek() == '}' {
			t.i++
			return
		}
		for !t.bad {
			t.str()
			if !t.eat(':') {
				return
			}
			t.skip(depth + 1)
			if t.peek() != ',' {
				break
			}
			t.i++
		}
		t.eat('}')
	case '[':
		t.i++
		if t.peek() == ']' {
			t.i++
			return
		}
		for !t.bad {
			t.skip(depth + 1)
			if t.peek() != ',' {
				break
			}
			t.i++
		}
		t.eat(']')
	case 't':
		t.literal("true")
	case 'f':
		t.literal("false")
	case 'n':
		t.literal("null")
	default:
		t.number()
	}
}

// peek returns the next byte, or 0 at the end.
func (t *transcoder) peek() byte {
	if t.i < len(t.in) {
		return t.in[t.i]
	}
	return 0
}

// eat consumes c or marks the input bad.
func (t *transcoder) eat(c byte) bool {
	if t.peek() != c {
		t.bad = true
		return false
	}
	t.i++
	return true
}

// lit consumes s if it comes next.
func (t *transcoder) lit(s string) bool {
	if len(t.in)-t.i < len(s) || string(t.in[t.i:t.i+len(s)]) != s {
		return false
	}
	t.i += len(s)
	return true
}

func (t *transcoder) literal(s string) {
	if len(t.in)-t.i < len(s) || string(t.in[t.i:t.i+len(s)]) != s {
		t.bad = true
		return
	}
	t.i += len(s)
}

// str consumes a string and returns its span, quotes included.
func (t *transcoder) str() span {
	start := t.i
	end := strEnd(t.in, start)
	if end < 0 {
		t.bad = true
		return span{}
	}
	t.i = end
	return span{start, end}
}

// copyStr consumes a string and writes it, quotes included: the encoder
// escaped it already, so finding its end is all it takes.
func (t *transcoder) copyStr() {
	start := t.i
	end := strEnd(t.in, start)
	if end < 0 {
		t.bad = true
		return
	}
	t.out = appendShort(t.out, t.in, start, end)
	t.i = end
}

// appendShort appends in[start:end]. Most keys and values are short: one of
// up to 16 bytes is copied as a single 16-byte word, which the compiler
// writes inline, when the line and out have room for the whole word.
func appendShort(out, in []byte, start, end int) []byte {
	n := len(out)
	if end-start <= 16 && start >= 0 && start+16 <= len(in) && n+16 <= cap(out) {
		*(*[16]byte)(out[n : n+16]) = *(*[16]byte)(in[start : start+16])
		return out[:n+end-start]
	}
	return append(out, in[start:end]...)
}

// strEnd returns the index just past the string that starts at in[i], or
// -1 if there is no string there. The closing quote is the first quote not
// escaped: the first one after an even run of backslashes (each pair is an
// escaped backslash). Most strings are short, so the first sixteen bytes
// are tested in registers; bytes.IndexByte, many bytes at a time but a
// call, finds the quotes of longer strings.
func strEnd(in []byte, i int) int {
	if i < 0 || i >= len(in) || in[i] != '"' {
		return -1
	}
	j := i + 1
	if j+16 <= len(in) {
		if k := firstQuote(in[j:]); k < 16 && in[j+k-1] != '\\' {
			return j + k + 1 // (in[i] is the opening quote, not a backslash)
		}
	}
	for {
		k := bytes.IndexByte(in[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		b := j
		for b > i+1 && in[b-1] == '\\' {
			b--
		}
		if (j-b)%2 == 0 {
			return j + 1
		}
		j++
	}
}

// firstQuote returns the index of the first '"' in the first sixteen bytes
// of s (which has them), or 16. A byte equal to '"' is a zero byte of
// x^(lo*'"'), and (y-lo)&^y&hi flags the lowest zero byte of y exactly
// (borrows can only flag bytes above it), which is the first in memory.
func firstQuote(s []byte) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	s = s[:16]
	q := binary.LittleEndian.Uint64(s) ^ (lo * '"')
	if m := (q - lo) &^ q & hi; m != 0 {
		return bits.TrailingZeros64(m) >> 3
	}
	q = binary.LittleEndian.Uint64(s[8:]) ^ (lo * '"')
	if m := (q - lo) &^ q & hi; m != 0 {
		return 8 + bits.TrailingZeros64(m)>>3
	}
	return 16
}

// numChars classifies the bytes of a JSON number: 1 for digits and signs,
// 2 for what only a double has.
var numChars = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	t['-'], t['+'] = 1, 1
	t['.'], t['e'], t['E'] = 2, 2, 2
	return t
}()

// number consumes a number literal and returns its span, and whether it
// has a fraction or an exponent.
func (t *transcoder) number() (span, bool) {
	in, i := t.in, t.i
	var kinds uint8
	for i < len(in) {
		k := numChars[in[i]]
		if k == 0 {
			break
		}
		kinds |= k
		i++
	}
	if i == t.i {
		t.bad = true
	}
	s := span{t.i, i}
	t.i = i
	return s, kinds&2 != 0
}

// entryBytes is how many bytes attribute entry e (`,"key":value` in st.buf)
// takes in the finished line: its own length in the JSON lines format; in
// OTLP/JSON, where the same entry is longer, the length of its KeyValue and
// the comma that separates it. Dropping attributes to fit MaxRecordBytes
// can count what each drop saves with it.
func (st *state) entryBytes(e entry) int {
	if st.c.format != FormatOTLPJSON {
		return int(e.end - e.off)
	}
	p := otlpLines.Get().(*[]byte)
	t := transcoder{in: st.buf[e.off:e.end], i: 1, out: (*p)[:0]} // past the comma
	k := t.str()
	t.eat(':')
	t.out = append(t.out, `{"key":`...)
	t.raw(k)
	t.out = append(t.out, `,"value":`...)
	t.value(1)
	t.out = append(t.out, '}')
	n := len(t.out) + 1
	*p = t.out[:0]
	otlpLines.Put(p)
	return n
}
