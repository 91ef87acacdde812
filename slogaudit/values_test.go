package slogaudit

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJSONNumberExact: a json.Number keeps its own text when it is a JSON
// number (no float64 rounding), in JSON lines and in OTLP, where an integer
// beyond int64 becomes a string and a decimal a doubleValue.
func TestJSONNumberExact(t *testing.T) {
	rules, err := redact.New(redact.Options{Detectors: []string{redact.DetectorCardNumber}})
	require.NoError(t, err)
	tests := []struct {
		name  string
		v     any
		jsonl string // the attribute value in the JSON lines line
		otlp  string // its OTLP AnyValue
	}{
		{"decimal", json.Number("12.50"), `12.50`, `{"doubleValue":12.50}`},
		{"big integer", json.Number("12345678901234567890"), `12345678901234567890`, `{"stringValue":"12345678901234567890"}`},
		{"negative big", json.Number("-92233720368547758080"), `-92233720368547758080`, `{"stringValue":"-92233720368547758080"}`},
		{"int64", json.Number("-9223372036854775808"), `-9223372036854775808`, `{"intValue":"-9223372036854775808"}`},
		{"exponent", json.Number("1.0E+2"), `1.0E+2`, `{"doubleValue":1.0E+2}`},
		{"beyond float64", json.Number("1e400"), `"+Inf"`, `{"stringValue":"+Inf"}`},
		{"not JSON, a number", json.Number("+7"), `7`, `{"intValue":"7"}`},
		{"not a number", json.Number("abc"), `"abc"`, `{"stringValue":"abc"}`},
		{"from MarshalJSON", rawMarshaler(`[0.10,12345678901234567890]`), `[0.10,12345678901234567890]`,
			`{"arrayValue":{"values":[{"doubleValue":0.10},{"stringValue":"12345678901234567890"}]}}`},
		{"card number", rawMarshaler(`4111111111111111`), `"[REDACTED]"`, `{"stringValue":"[REDACTED]"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf lineBuffer
			h := NewHandler(&buf, withClock(&Options{Redactor: rules}))
			line := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "m", slog.Any("n", tt.v)))
			assert.Contains(t, line, `"n":`+tt.jsonl+`}}`)

			var ob lineBuffer
			oh := NewHandler(&ob, otlpOpts(Options{Redactor: rules}))
			oline := handleOne(t, oh, &ob, context.Background(), record(slog.LevelInfo, "m", slog.Any("n", tt.v)))
			decodeOTLP(t, oline)
			assert.Contains(t, oline, `{"key":"n","value":`+tt.otlp+`}`)
		})
	}
}

// nestedValuer is a LogValuer that slog never sees: it sits inside a map.
type nestedValuer struct{ v string }

func (n nestedValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("resolved", n.v), slog.String("password", "s3cret"))
}

// TestNestedLogValuerResolved: a LogValuer inside a map, slice or struct is
// resolved like a top-level one (LogValuers are resolved at any depth), and its
// result is redacted by key like any group.
func TestNestedLogValuerResolved(t *testing.T) {
	var buf lineBuffer
	h := NewHandler(&buf, nil)
	line := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "m",
		slog.Any("m", map[string]any{"inner": nestedValuer{"yes"}}),
		slog.Any("l", []any{nestedValuer{"too"}})))
	assert.Contains(t, line, `"m":{"inner":{"resolved":"yes","password":"[REDACTED]"}}`)
	assert.Contains(t, line, `"l":[{"resolved":"too","password":"[REDACTED]"}]`)
	assert.NotContains(t, line, "s3cret")
}
