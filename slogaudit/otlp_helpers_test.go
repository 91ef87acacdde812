package slogaudit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The OTLP/JSON structure a line must decode into, with every field the
// format allows and nothing else (decoded with DisallowUnknownFields, so a
// snake_case or misspelt key fails). 64-bit integers are strings and enums
// numbers, as the protobuf JSON mapping says: decoding a number into a
// string field, or a string into a number field, fails too.
type (
	otlpRequest struct {
		ResourceLogs []otlpResourceLogs `json:"resourceLogs"`
	}
	otlpResourceLogs struct {
		Resource  *otlpResource   `json:"resource"`
		ScopeLogs []otlpScopeLogs `json:"scopeLogs"`
	}
	otlpResource struct {
		Attributes []otlpKeyValue `json:"attributes"`
	}
	otlpScopeLogs struct {
		Scope      *otlpScope      `json:"scope"`
		LogRecords []otlpLogRecord `json:"logRecords"`
	}
	otlpScope struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	otlpLogRecord struct {
		TimeUnixNano         *string        `json:"timeUnixNano"`
		ObservedTimeUnixNano *string        `json:"observedTimeUnixNano"`
		SeverityNumber       int            `json:"severityNumber"`
		SeverityText         string         `json:"severityText"`
		Body                 *otlpAnyValue  `json:"body"`
		Attributes           []otlpKeyValue `json:"attributes"`
		Flags                *uint32        `json:"flags"`
		TraceID              *string        `json:"traceId"`
		SpanID               *string        `json:"spanId"`
		EventName            *string        `json:"eventName"`
	}
	otlpKeyValue struct {
		Key   string       `json:"key"`
		Value otlpAnyValue `json:"value"`
	}
	otlpAnyValue struct {
		StringValue *string     `json:"stringValue"`
		IntValue    *string     `json:"intValue"`
		DoubleValue *float64    `json:"doubleValue"`
		BoolValue   *bool       `json:"boolValue"`
		ArrayValue  *otlpArray  `json:"arrayValue"`
		KvlistValue *otlpKvlist `json:"kvlistValue"`
	}
	otlpArray struct {
		Values []otlpAnyValue `json:"values"`
	}
	otlpKvlist struct {
		Values []otlpKeyValue `json:"values"`
	}
)

var (
	camelKey = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
	decimal  = regexp.MustCompile(`^-?[0-9]+$`)
	hex32    = regexp.MustCompile(`^[0-9a-f]{32}$`)
	hex16    = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// decodeOTLP checks that line (without its newline) is one OTLP/JSON
// ExportLogsServiceRequest holding exactly one log record, strictly: valid
// JSON with no duplicate keys, lowerCamelCase object keys only, the
// structure above and no unknown field, decimal-string integers within
// int64, lower-case hex ids of the right length, severity 1..24, unique
// attribute keys. It returns the decoded request and its record.
func decodeOTLP(t testing.TB, line string) (otlpRequest, otlpLogRecord) {
	t.Helper()
	req, err := checkOTLP(line)
	if err != nil {
		t.Fatalf("%v\nline: %s", err, line)
	}
	return req, req.ResourceLogs[0].ScopeLogs[0].LogRecords[0]
}

func checkOTLP(line string) (otlpRequest, error) {
	var req otlpRequest
	if err := validateNoDup(line); err != nil {
		return req, err
	}
	if err := checkObjectKeys(line); err != nil {
		return req, err
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("not the OTLP structure: %v", err)
	}
	if len(req.ResourceLogs) != 1 || len(req.ResourceLogs[0].ScopeLogs) != 1 ||
		len(req.ResourceLogs[0].ScopeLogs[0].LogRecords) != 1 {
		return req, fmt.Errorf("want exactly one resourceLogs, scopeLogs and logRecords")
	}
	rl := req.ResourceLogs[0]
	if rl.Resource != nil {
		if err := checkKeyValues(rl.Resource.Attributes); err != nil {
			return req, fmt.Errorf("resource: %v", err)
		}
	}
	lr := rl.ScopeLogs[0].LogRecords[0]
	for _, ts := range []*string{lr.TimeUnixNano, lr.ObservedTimeUnixNano} {
		if ts != nil {
			if _, err := strconv.ParseUint(*ts, 10, 64); err != nil || !decimal.MatchString(*ts) {
				return req, fmt.Errorf("time %q is not a decimal uint64 string", *ts)
			}
		}
	}
	if lr.SeverityNumber < 1 || lr.SeverityNumber > 24 {
		return req, fmt.Errorf("severityNumber %d outside 1..24", lr.SeverityNumber)
	}
	if lr.Body == nil || lr.Body.StringValue == nil {
		return req, fmt.Errorf("body is not a string")
	}
	if err := checkAnyValue(*lr.Body); err != nil {
		return req, fmt.Errorf("body: %v", err)
	}
	if (lr.TraceID == nil) != (lr.SpanID == nil) {
		return req, fmt.Errorf("traceId and spanId must come together")
	}
	if lr.TraceID != nil && (!hex32.MatchString(*lr.TraceID) || !hex16.MatchString(*lr.SpanID) ||
		*lr.TraceID == strings.Repeat("0", 32) || *lr.SpanID == strings.Repeat("0", 16)) {
		return req, fmt.Errorf("invalid trace context %q %q", *lr.TraceID, *lr.SpanID)
	}
	if lr.Flags != nil && (lr.TraceID == nil || *lr.Flags > 0xff || *lr.Flags == 0) {
		return req, fmt.Errorf("flags %d without trace context, zero or beyond 8 bits", *lr.Flags)
	}
	if lr.EventName != nil && *lr.EventName == "" {
		return req, fmt.Errorf("empty eventName")
	}
	if err := checkKeyValues(lr.Attributes); err != nil {
		return req, fmt.Errorf("attributes: %v", err)
	}
	return req, nil
}

// checkObjectKeys walks the JSON tokens of line and fails on any object key
// that is not lowerCamelCase (attribute keys are values, not object keys).
func checkObjectKeys(line string) error {
	dec := json.NewDecoder(strings.NewReader(line))
	type frame struct{ obj, wantKey bool }
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if n := len(stack); n > 0 && stack[n-1].obj {
			if stack[n-1].wantKey {
				if tok == json.Delim('}') {
					stack = stack[:n-1]
					continue
				}
				if k, _ := tok.(string); !camelKey.MatchString(k) {
					return fmt.Errorf("object key %q is not lowerCamelCase", k)
				}
				stack[n-1].wantKey = false
				continue
			}
			stack[n-1].wantKey = true // tok is the member's value
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{obj: true, wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}

func checkKeyValues(kvs []otlpKeyValue) error {
	seen := map[string]bool{}
	for _, kv := range kvs {
		if seen[kv.Key] {
			return fmt.Errorf("duplicate key %q", kv.Key)
		}
		seen[kv.Key] = true
		if err := checkAnyValue(kv.Value); err != nil {
			return fmt.Errorf("%s: %v", kv.Key, err)
		}
	}
	return nil
}

// checkAnyValue checks that at most one member of the oneof is set and that
// an intValue is a decimal int64.
func checkAnyValue(v otlpAnyValue) error {
	n := 0
	for _, set := range []bool{v.StringValue != nil, v.IntValue != nil, v.DoubleValue != nil,
		v.BoolValue != nil, v.ArrayValue != nil, v.KvlistValue != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("AnyValue with %d members", n)
	}
	switch {
	case v.IntValue != nil:
		if _, err := strconv.ParseInt(*v.IntValue, 10, 64); err != nil || !decimal.MatchString(*v.IntValue) {
			return fmt.Errorf("intValue %q is not a decimal int64", *v.IntValue)
		}
	case v.ArrayValue != nil:
		for _, e := range v.ArrayValue.Values {
			if err := checkAnyValue(e); err != nil {
				return err
			}
		}
	case v.KvlistValue != nil:
		return checkKeyValues(v.KvlistValue.Values)
	}
	return nil
}

// goValue turns an AnyValue back into what the JSON lines format holds for
// the same value: strings, json.Number for integers, float64, bool, nil,
// []any and map[string]any.
func goValue(v otlpAnyValue) any {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.IntValue != nil:
		return json.Number(*v.IntValue)
	case v.DoubleValue != nil:
		return *v.DoubleValue
	case v.BoolValue != nil:
		return *v.BoolValue
	case v.ArrayValue != nil:
		s := []any{}
		for _, e := range v.ArrayValue.Values {
			s = append(s, goValue(e))
		}
		return s
	case v.KvlistValue != nil:
		return goMap(v.KvlistValue.Values)
	}
	return nil
}

func goMap(kvs []otlpKeyValue) map[string]any {
	m := map[string]any{}
	for _, kv := range kvs {
		m[kv.Key] = goValue(kv.Value)
	}
	return m
}

// sameValue compares a JSON lines value (decoded with UseNumber) with the
// goValue of its OTLP form. Numbers compare by value: the two formats write
// an integral double differently (2 and 2.0), and an integer beyond int64 is
// a string in OTLP.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case json.Number:
		switch b := b.(type) {
		case json.Number:
			return a == b
		case float64:
			f, err := a.Float64()
			return err == nil && f == b && math.Signbit(f) == math.Signbit(b)
		case string:
			// An integer beyond int64 (an exact json.Number) is a string
			// in OTLP.
			_, err := a.Int64()
			return err != nil && !strings.ContainsAny(string(a), ".eE") && string(a) == b
		}
		return false
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// sameRecord reports how the OTLP line differs from the JSON lines line
// for the same record, field by field; "" when they carry the same data.
func sameRecord(jsonl, otlp string) string {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(jsonl))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return "JSON lines line: " + err.Error()
	}
	req, err := checkOTLP(otlp)
	if err != nil {
		return err.Error()
	}
	rl := req.ResourceLogs[0]
	sl := rl.ScopeLogs[0]
	lr := sl.LogRecords[0]
	var diffs []string
	check := func(field string, want, got any) {
		if !sameValue(want, got) {
			diffs = append(diffs, fmt.Sprintf("%s: JSON lines %#v, OTLP %#v", field, want, got))
		}
	}
	str := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	num := func(p *string) any {
		if p == nil {
			return nil
		}
		return json.Number(*p)
	}
	ts := m[KeyTimestamp]
	if n, ok := ts.(json.Number); ok && strings.HasPrefix(string(n), "-") {
		ts = nil // no OTLP form before 1970
	}
	check("timestamp", ts, num(lr.TimeUnixNano))
	check("observed_timestamp", m[KeyObservedTimestamp], num(lr.ObservedTimeUnixNano))
	check("severity_text", m[KeySeverityText], lr.SeverityText)
	check("severity_number", m[KeySeverityNumber], json.Number(strconv.Itoa(lr.SeverityNumber)))
	check("body", m[KeyBody], goValue(*lr.Body))
	var res any
	if rl.Resource != nil {
		res = goMap(rl.Resource.Attributes)
	}
	check("resource", m[KeyResource], res)
	var scope any
	if sl.Scope != nil {
		scope = map[string]any{"name": sl.Scope.Name}
		if sl.Scope.Version != "" {
			scope.(map[string]any)["version"] = sl.Scope.Version
		}
	}
	check("instrumentation_scope", m[KeyInstrumentationScope], scope)
	check("attributes", m[KeyAttributes], goMap(lr.Attributes))
	if a, ok := m[KeyAttributes].(map[string]any); ok && len(a) != len(lr.Attributes) {
		diffs = append(diffs, "attribute count differs")
	}
	eventName := m[KeyEventName]
	if eventName == "" {
		eventName = nil // a zero field is left out
	}
	check("event_name", eventName, str(lr.EventName))
	check("trace_id", m[KeyTraceID], str(lr.TraceID))
	check("span_id", m[KeySpanID], str(lr.SpanID))
	flags := m[KeyTraceFlags]
	if flags == json.Number("0") {
		flags = nil // a zero field is left out
	}
	var gotFlags any
	if lr.Flags != nil {
		gotFlags = json.Number(strconv.FormatUint(uint64(*lr.Flags), 10))
	}
	check("trace_flags", flags, gotFlags)
	known := map[string]bool{KeyTimestamp: true, KeyObservedTimestamp: true, KeySeverityText: true,
		KeySeverityNumber: true, KeyBody: true, KeyResource: true, KeyInstrumentationScope: true,
		KeyAttributes: true, KeyEventName: true, KeyTraceID: true, KeySpanID: true, KeyTraceFlags: true}
	for k := range m {
		if !known[k] {
			diffs = append(diffs, "JSON lines key not carried over: "+k)
		}
	}
	return strings.Join(diffs, "\n")
}

// transcodeJSONL runs the transcoder on a JSON lines line (without its
// newline) as the encoder would hand it over.
func transcodeJSONL(line string) (string, bool) {
	in := append([]byte{0}, line...)
	in = append(in, '\n')
	out, ok := transcode(nil, in)
	if len(out) == 0 || out[0] != 0 || !bytes.HasSuffix(out, []byte("\n")) {
		return string(out), false
	}
	return string(out[1 : len(out)-1]), ok
}
