package slogaudit

// The reference converter's values (see otlp_reference_test.go): JSON values
// of the line read back as OTLP AnyValues, and the scanning they need.

// emptyObject consumes "{}" if it comes next.
func (t *transcoder) emptyObject() bool {
	if t.i+1 < len(t.in) && t.in[t.i] == '{' && t.in[t.i+1] == '}' {
		t.i += 2
		return true
	}
	return false
}

// members reads a non-empty object and writes its members as
// {"key":K,"value":V},... (the caller writes the brackets).
func (t *transcoder) members(depth int) {
	if !t.eat('{') {
		return
	}
	for !t.bad {
		k := t.str()
		if !t.eat(':') {
			return
		}
		t.out = append(t.out, `{"key":`...)
		t.raw(k)
		t.out = append(t.out, `,"value":`...)
		t.value(depth + 1)
		t.out = append(t.out, '}')
		if t.peek() != ',' {
			break
		}
		t.i++
		t.out = append(t.out, ',')
	}
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
	case !fitsInt64(string(d)):
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
	t.out = append(t.out, t.in[start:end]...)
	t.i = end
}

// strEnd returns the index just past the string that starts at in[i], or
// -1 if there is no string there: the closing quote is the first one not
// escaped, after an even run of backslashes.
func strEnd(in []byte, i int) int {
	if i < 0 || i >= len(in) || in[i] != '"' {
		return -1
	}
	for j := i + 1; j < len(in); j++ {
		switch in[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
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
