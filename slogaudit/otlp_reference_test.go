package slogaudit

import "bytes"

// The reference converter: the JSON lines line read back and rewritten as an
// OTLP/JSON ExportLogsServiceRequest, the way the OTLP format was once made
// (a transcoder of the finished line). It is test code now, and kept simple:
// the direct encoder (otlp_envelope.go, otlp_values.go) is held to it by
// TestOTLPMatchesReference and FuzzOTLPReference. It knows a double only by
// its '.' or exponent, so an integral float reads as an integer (see
// normDoubles).

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
	t := transcoder{in: line, i: 1, out: append(out, 0)}
	t.envelope()
	if t.bad || t.i+1 != len(line) || line[t.i] != '\n' ||
		bytes.IndexByte(line[:t.i], '\n') >= 0 { // a raw newline in a string: never the encoder's
		return t.out, false
	}
	return append(t.out, '\n'), true
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

func (t *transcoder) raw(s span) { t.out = append(t.out, t.in[s.start:s.end]...) }

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
