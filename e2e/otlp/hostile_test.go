package otlp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/secaudit/auditkit/internal/otlp"
)

const hostileHead = `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeLogs":[{"scope":{"name":"s"},"logRecords":[`

// TestTranscoderHostileLines: lines no handler writes (duplicate members,
// escaped names, odd encodings). For each, the transcoder either refuses
// the line (it is then counted Failed, never sent) or sends, in both
// encodings, exactly what the Collector decodes from the line. A line the
// Collector refuses must be refused. (Red-team findings: records lost with
// a second logRecords, a merged resource, an escaped "body", a second
// timeUnixNano, URL-alphabet bytes.)
func TestTranscoderHostileLines(t *testing.T) {
	for name, line := range map[string]string{
		"duplicate resource":             `{"resourceLogs":[{"resource":{"attributes":[{"key":"a","value":{"stringValue":"1"}}]},"resource":{"attributes":[{"key":"b","value":{"stringValue":"2"}}]},"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]}`,
		"duplicate body":                 hostileHead + `{"body":{"stringValue":"a"},"body":{"stringValue":"b"}}]}]}]}`,
		"two oneof fields":               hostileHead + `{"body":{"stringValue":"a","intValue":1}}]}]}]}`,
		"escaped member name":            hostileHead + `{"b\u006fdy":{"stringValue":"hidden"}}]}]}]}`,
		"duplicate time, second zero":    hostileHead + `{"timeUnixNano":"5","timeUnixNano":"0","body":{"stringValue":"x"}}]}]}]}`,
		"invalid UTF-8":                  hostileHead + "{\"body\":{\"stringValue\":\"a\xffb\"}}]}]}]}",
		"lone surrogate":                 hostileHead + `{"body":{"stringValue":"\ud800A"}}]}]}]}`,
		"reversed surrogates":            hostileHead + `{"body":{"stringValue":"\ude00\ud83d"}}]}]}]}`,
		"value without value":            hostileHead + `{"body":{"stringValue":"x"},"attributes":[{"key":"a"}]}]}]}]}`,
		"resource after scopeLogs":       `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}],"scope":{"name":"late"}}],"resource":{"attributes":[{"key":"a","value":{"boolValue":true}}]}}]}`,
		"snake case":                     `{"resource_logs":[{"scope_logs":[{"log_records":[{"time_unix_nano":"7","severity_number":9,"body":{"string_value":"x"},"trace_id":"0102030405060708090a0b0c0d0e0f10"}]}]}]}`,
		"int as float":                   hostileHead + `{"body":{"intValue":1e3}}]}]}]}`,
		"bytes in the URL alphabet":      hostileHead + `{"body":{"bytesValue":"-_8"}}]}]}]}`,
		"upper-case trace id":            hostileHead + `{"traceId":"0102030405060708090A0B0C0D0E0F10","body":{"stringValue":"x"}}]}]}]}`,
		"scopeLogs twice":                `{"resourceLogs":[{"resource":{},"scopeLogs":[{"logRecords":[{"body":{"stringValue":"1"}}]}],"scopeLogs":[{"logRecords":[{"body":{"stringValue":"2"}}]}]}]}`,
		"logRecords twice before scope":  `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"1"}}],"logRecords":[{"body":{"stringValue":"2"}}],"scope":{"name":"s"}}]}]}`,
		"escaped schema URL":             `{"resourceLogs":[{"schemaUrl":"h\u0074tp://x","scopeLogs":[{"logRecords":[{"body":{"stringValue":"1"}}]}]}]}`,
		"null scope and body":            `{"resourceLogs":[{"scopeLogs":[{"scope":null,"logRecords":[{"body":null,"eventName":"e"}]}]}]}`,
		"NUL in event name":              hostileHead + `{"eventName":"a\u0000b"}]}]}]}`,
		"double as string, huge double":  hostileHead + `{"body":{"doubleValue":"1.5"},"attributes":[{"key":"d","value":{"doubleValue":1e308}}]}]}]}]}`,
		"severity by name, flags string": hostileHead + `{"severityNumber":"SEVERITY_NUMBER_WARN","flags":"4294967295","body":{"stringValue":"x"}}]}]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			want, werr := (&plog.JSONUnmarshaler{}).UnmarshalLogs([]byte(line))
			for _, protobuf := range []bool{true, false} {
				b := otlp.NewBatch(protobuf)
				if err := b.Add([]byte(line)); err != nil {
					continue // refused: Failed and reported, never sent
				}
				if !assert.NoError(t, werr, "protobuf %v: accepted a line the Collector refuses", protobuf) {
					continue
				}
				body, err := b.Append(nil, 0, 1)
				assert.NoError(t, err)
				var got plog.Logs
				if protobuf {
					got, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(body)
				} else {
					got, err = (&plog.JSONUnmarshaler{}).UnmarshalLogs(body)
				}
				if assert.NoError(t, err, "protobuf %v: the Collector refuses the body", protobuf) {
					assert.Equal(t, flatten(t, want), flatten(t, got), "protobuf %v", protobuf)
				}
			}
		})
	}
}
