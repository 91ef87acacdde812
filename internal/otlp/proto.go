package otlp

import (
	"bytes"
	"errors"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The transcoders below turn one OTLP/JSON message into its protobuf
// encoding, field by field, following the field mapping table in
// auditsink's documentation (opentelemetry-proto's logs/v1, common/v1 and
// resource/v1). Member names are accepted in lowerCamelCase and in the
// proto's snake_case, as proto3's JSON mapping requires; unknown members are
// skipped. Scalars equal to their zero value are omitted, as proto3 does,
// except inside an AnyValue, where the field says which kind the value is.

// Field numbers of opentelemetry-proto.
const (
	fieldResourceLogs = 1 // ExportLogsServiceRequest

	fieldResource           = 1 // ResourceLogs
	fieldScopeLogs          = 2
	fieldResourceLogsSchema = 3

	fieldScope           = 1 // ScopeLogs
	fieldLogRecords      = 2
	fieldScopeLogsSchema = 3

	fieldAttributes = 1 // Resource (and dropped_attributes_count 2)

	fieldScopeName    = 1 // InstrumentationScope
	fieldScopeVersion = 2
	fieldScopeAttrs   = 3
	fieldScopeDropped = 4

	fieldTime         = 1 // LogRecord
	fieldSeverity     = 2
	fieldSeverityText = 3
	fieldBody         = 5
	fieldRecordAttrs  = 6
	fieldDropped      = 7
	fieldFlags        = 8
	fieldTraceID      = 9
	fieldSpanID       = 10
	fieldObserved     = 11
	fieldEventName    = 12

	fieldKey   = 1 // KeyValue
	fieldValue = 2

	fieldString = 1 // AnyValue
	fieldBool   = 2
	fieldInt    = 3
	fieldDouble = 4
	fieldArray  = 5
	fieldKVList = 6
	fieldBytes  = 7

	fieldValues = 1 // ArrayValue, KeyValueList
)

// begin starts a length-delimited field whose length is not known yet; end
// sets it.
func begin(b []byte, num protowire.Number) ([]byte, int) {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = append(b, 0)
	return b, len(b)
}

// end writes the length of the field begun at start, moving its contents
// when the length takes more than the one byte reserved (a message of 128
// bytes or more).
func end(b []byte, start int) []byte {
	n := len(b) - start
	k := protowire.SizeVarint(uint64(n))
	if k == 1 {
		b[start-1] = byte(n)
		return b
	}
	b = append(b, make([]byte, k-1)...)
	copy(b[start-1+k:], b[start:start+n])
	protowire.AppendVarint(b[:start-1], uint64(n))
	return b
}

// stringField appends a string member's decoded value as field num.
func (s *scanner) stringField(b []byte, num protowire.Number, always bool) ([]byte, error) {
	raw, err := s.rawString()
	if err != nil {
		return b, err
	}
	if len(raw) == 0 && !always {
		return b, nil
	}
	b, start := begin(b, num)
	b = s.decoded(b, raw)
	return end(b, start), nil
}

// resource transcodes a Resource.
func (s *scanner) resource(b []byte) ([]byte, error) {
	return b, s.object(func(key []byte) (err error) {
		switch string(key) {
		case "attributes":
			b, err = s.keyValues(b, fieldAttributes, 0)
		case "droppedAttributesCount", "dropped_attributes_count":
			b, err = s.uint32Field(b, 2)
		default:
			err = s.skip(0)
		}
		return err
	})
}

// scope transcodes an InstrumentationScope.
func (s *scanner) scope(b []byte) ([]byte, error) {
	return b, s.object(func(key []byte) (err error) {
		switch string(key) {
		case "name":
			b, err = s.stringField(b, fieldScopeName, false)
		case "version":
			b, err = s.stringField(b, fieldScopeVersion, false)
		case "attributes":
			b, err = s.keyValues(b, fieldScopeAttrs, 0)
		case "droppedAttributesCount", "dropped_attributes_count":
			b, err = s.uint32Field(b, fieldScopeDropped)
		default:
			err = s.skip(0)
		}
		return err
	})
}

// logRecord transcodes a LogRecord. A field given twice is an error: the
// Collector's decoder keeps the last, which a zero value (omitted here)
// could not override.
func (s *scanner) logRecord(b []byte) ([]byte, error) {
	var seen uint32
	return b, s.object(func(key []byte) (err error) {
		if f := recordFields[string(key)]; f != 0 {
			if seen&(1<<f) != 0 {
				return s.errorf("duplicate %s", key)
			}
			seen |= 1 << f
		}
		switch string(key) {
		case "timeUnixNano", "time_unix_nano":
			b, err = s.fixed64Field(b, fieldTime)
		case "observedTimeUnixNano", "observed_time_unix_nano":
			b, err = s.fixed64Field(b, fieldObserved)
		case "severityNumber", "severity_number":
			b, err = s.severity(b)
		case "severityText", "severity_text":
			b, err = s.stringField(b, fieldSeverityText, false)
		case "body":
			if s.literal("null") {
				return nil
			}
			var start int
			b, start = begin(b, fieldBody)
			if b, err = s.anyValue(b, 0); err == nil {
				b = end(b, start)
			}
		case "attributes":
			b, err = s.keyValues(b, fieldRecordAttrs, 0)
		case "droppedAttributesCount", "dropped_attributes_count":
			b, err = s.uint32Field(b, fieldDropped)
		case "flags":
			var n uint64
			if n, err = s.uint64Value(); err == nil && n > math.MaxUint32 {
				err = s.errorf("flags out of range")
			}
			if err == nil && n != 0 {
				b = protowire.AppendTag(b, fieldFlags, protowire.Fixed32Type)
				b = protowire.AppendFixed32(b, uint32(n))
			}
		case "traceId", "trace_id":
			b, err = s.hexField(b, fieldTraceID, 16)
		case "spanId", "span_id":
			b, err = s.hexField(b, fieldSpanID, 8)
		case "eventName", "event_name":
			b, err = s.stringField(b, fieldEventName, false)
		default:
			err = s.skip(0)
		}
		return err
	})
}

// recordFields numbers LogRecord's members for logRecord's duplicate check.
var recordFields = map[string]uint8{
	"timeUnixNano": 1, "time_unix_nano": 1, "observedTimeUnixNano": 11, "observed_time_unix_nano": 11,
	"severityNumber": 2, "severity_number": 2, "severityText": 3, "severity_text": 3, "body": 5,
	"attributes": 6, "droppedAttributesCount": 7, "dropped_attributes_count": 7, "flags": 8,
	"traceId": 9, "trace_id": 9, "spanId": 10, "span_id": 10, "eventName": 12, "event_name": 12,
}

// keyValues transcodes an array of KeyValue as the repeated field num.
func (s *scanner) keyValues(b []byte, num protowire.Number, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, errDepth
	}
	if s.literal("null") {
		return b, nil
	}
	err := s.array(func() error {
		if out, ok := s.keyValueAsWritten(b, num, depth); ok {
			b = out
			return nil
		}
		var start int
		b, start = begin(b, num)
		err := s.object(func(key []byte) (err error) {
			switch string(key) {
			case "key":
				b, err = s.stringField(b, fieldKey, false)
			case "value":
				var vs int
				b, vs = begin(b, fieldValue)
				if b, err = s.anyValue(b, depth+1); err == nil {
					b = end(b, vs)
				}
			default:
				err = s.skip(depth + 1)
			}
			return err
		})
		b = end(b, start)
		return err
	})
	return b, err
}

// keyValueAsWritten transcodes a KeyValue in the shape the handler writes
// it, {"key":"K","value":{"stringValue":"V"}} (or another scalar kind),
// without the general member dispatch: most of a line is such entries
// (callgrind, BenchmarkBatch/protobuf: 56 000 → 47 400 instructions a
// line). Anything else reports false, having consumed and written nothing.
func (s *scanner) keyValueAsWritten(b []byte, num protowire.Number, depth int) ([]byte, bool) {
	const head, mid = `{"key":`, `,"value":{"`
	if !bytes.HasPrefix(s.b[s.pos:], []byte(head)) {
		return b, false
	}
	pos, n := s.pos, len(b)
	s.pos += len(head)
	b, start := begin(b, num)
	var err error
	if b, err = s.stringField(b, fieldKey, false); err != nil || !bytes.HasPrefix(s.b[s.pos:], []byte(mid)) {
		s.pos = pos
		return b[:n], false
	}
	s.pos += len(mid) - 1 // at the member name's quote
	b, vs := begin(b, fieldValue)
	kind, err := s.rawString()
	if err == nil && !s.escaped && s.pos < len(s.b) && s.b[s.pos] == ':' {
		s.pos++
		var ok bool
		if b, ok, err = s.scalar(b, kind); err == nil && !ok {
			err = errNotAsWritten
		}
		if err == nil && bytes.HasPrefix(s.b[s.pos:], []byte("}}")) {
			s.pos += 2
			return end(end(b, vs), start), true
		}
	}
	s.pos = pos
	return b[:n], false
}

var errNotAsWritten = errors.New("not as the handler writes it")

// anyValue transcodes the members of an AnyValue (its caller opened it).
func (s *scanner) anyValue(b []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, errDepth
	}
	return b, s.object(func(key []byte) (err error) {
		var ok bool
		if b, ok, err = s.scalar(b, key); ok || err != nil {
			return err
		}
		switch string(key) {
		case "arrayValue", "array_value":
			b, err = s.list(b, fieldArray, depth, false)
		case "kvlistValue", "kvlist_value":
			b, err = s.list(b, fieldKVList, depth, true)
		default:
			err = s.skip(depth + 1)
		}
		return err
	})
}

// scalar transcodes the AnyValue member kind when it holds a scalar
// (string, bool, int, double, bytes); false for any other member.
func (s *scanner) scalar(b, kind []byte) (_ []byte, ok bool, err error) {
	switch string(kind) {
	case "stringValue", "string_value":
		b, err = s.stringField(b, fieldString, true)
	case "boolValue", "bool_value":
		v := s.literal("true")
		if !v && !s.literal("false") {
			return b, true, s.errorf("bad boolValue")
		}
		b = protowire.AppendTag(b, fieldBool, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeBool(v))
	case "intValue", "int_value":
		var n int64
		if n, err = s.int64Value(); err == nil {
			b = protowire.AppendTag(b, fieldInt, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(n))
		}
	case "doubleValue", "double_value":
		var f float64
		if f, err = s.double(); err == nil {
			b = protowire.AppendTag(b, fieldDouble, protowire.Fixed64Type)
			b = protowire.AppendFixed64(b, math.Float64bits(f))
		}
	case "bytesValue", "bytes_value":
		b, err = s.bytesField(b)
	default:
		return b, false, nil
	}
	return b, true, err
}

// list transcodes an ArrayValue or a KeyValueList (kv), {"values":[...]},
// as field num.
func (s *scanner) list(b []byte, num protowire.Number, depth int, kv bool) ([]byte, error) {
	b, start := begin(b, num)
	err := s.object(func(key []byte) (err error) {
		switch {
		case string(key) != "values":
			err = s.skip(depth + 1)
		case kv:
			b, err = s.keyValues(b, fieldValues, depth+1)
		default:
			b, err = s.anyValues(b, depth+1)
		}
		return err
	})
	return end(b, start), err
}

// anyValues transcodes an array of AnyValue as ArrayValue's values.
func (s *scanner) anyValues(b []byte, depth int) ([]byte, error) {
	if s.literal("null") {
		return b, nil
	}
	err := s.array(func() error {
		var start int
		var err error
		b, start = begin(b, fieldValues)
		if b, err = s.anyValue(b, depth); err == nil {
			b = end(b, start)
		}
		return err
	})
	return b, err
}
