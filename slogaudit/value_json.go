package slogaudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/secaudit/auditkit/internal/jsonenc"
	"github.com/secaudit/auditkit/internal/redaction"
)

// Values that are JSON already: MarshalJSON output, decoded and projected
// like any value, and json.Number, written as its own text.

// appendMarshaler decodes the output of MarshalJSON and projects it like any
// other value, so limits and redaction apply to its contents too.
func (st *state) appendMarshaler(m json.Marshaler, p redaction.Path, depth int) {
	b, err := callBytes("MarshalJSON", m.MarshalJSON)
	if err != nil {
		st.c.reportError(err)
		st.appendStr(placeholderFor(err))
		return
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		st.c.reportError(errInvalidJSON)
		st.appendStr(placeholderInvalidJSON)
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		st.c.reportError(errInvalidJSON)
		st.appendStr(placeholderInvalidJSON)
		return
	}
	st.appendAny(v, p, depth)
}

// appendNumber writes a json.Number (from MarshalJSON output, or decoded
// with UseNumber by the application) as its own text when that is a valid
// JSON number, so neither 12.50 nor 12345678901234567890 is rounded through
// float64; a decimal beyond the float64 range is the string of ±Inf, as a
// float64 would be. Value rules see the text, as in redact.Value (a card
// number sent as a JSON number). Anything that is not a JSON number is
// written as the closest number, or as a string if it is none.
func (st *state) appendNumber(n json.Number) {
	s := string(n)
	if st.c.valueRules && !st.noRedact && st.c.rules.MatchValue(s) {
		st.appendQuotedMaskVal(s)
		return
	}
	if integer, ok := jsonenc.ScanNumber(s); ok {
		if integer {
			st.appendNumberText(s, false)
			return
		}
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			st.appendNumberText(s, true)
			return
		}
	}
	if i, err := n.Int64(); err == nil {
		st.appendIntVal(i, nil)
		return
	}
	if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
		st.appendUintVal(u)
		return
	}
	f, err := strconv.ParseFloat(s, 64) // out of range: ±Inf
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		st.appendStr(s)
		return
	}
	st.appendFloat(f, 64)
}
