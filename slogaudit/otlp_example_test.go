package slogaudit_test

import (
	"context"
	"log/slog"
	"os"

	"github.com/secaudit/auditkit/slogaudit"
)

// The OTLP/JSON format writes each record as one OTLP/JSON request per line,
// for the OpenTelemetry Collector (its otlpjsonfile receiver tails such a
// file).
func ExampleFormat_otlpJSON() {
	o := exampleOptions()
	o.Format = slogaudit.FormatOTLPJSON
	o.Scope = slogaudit.Scope{Name: "example.com/billing", Version: "v1.2.0"}
	logger := slog.New(withoutTime{slogaudit.NewHandler(os.Stdout, o)})

	logger.LogAttrs(context.Background(), slog.LevelWarn, "auth.login.failed",
		slog.String(slogaudit.KeyEventType, "auth.login.failed"),
		slog.Int("attempts", 3),
		slog.Float64("risk", 0.5),
		slog.Any("roles", []string{"admin"}),
	)
	// Output:
	// {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"billing"}}]},"scopeLogs":[{"scope":{"name":"example.com/billing","version":"v1.2.0"},"logRecords":[{"observedTimeUnixNano":"1712345678000001000","severityNumber":13,"severityText":"WARN","body":{"stringValue":"auth.login.failed"},"attributes":[{"key":"event_type","value":{"stringValue":"auth.login.failed"}},{"key":"schema_version","value":{"stringValue":"1.0"}},{"key":"attempts","value":{"intValue":"3"}},{"key":"risk","value":{"doubleValue":0.5}},{"key":"roles","value":{"arrayValue":{"values":[{"stringValue":"admin"}]}}}],"eventName":"auth.login.failed"}]}]}]}
}
