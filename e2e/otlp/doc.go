// Package otlp proves that slogaudit's OTLP/JSON format is accepted by the
// OpenTelemetry Collector: every line the handler writes with
// slogaudit.FormatOTLPJSON is decoded with the Collector's own decoder,
// go.opentelemetry.io/collector/pdata plog.JSONUnmarshaler (the one its
// otlpjsonfile receiver uses), and each decoded field is compared with what
// was logged: resource, scope, timestamps, severity, body, every attribute
// with its type, event name and trace context.
//
// The package holds only tests; they need no server and run with a plain
// go test ./... in the e2e module.
package otlp
