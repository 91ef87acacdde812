// Package otlp proves that slogaudit's OTLP/JSON format is accepted by the
// OpenTelemetry Collector: every line the handler writes with
// slogaudit.FormatOTLPJSON is decoded with the Collector's own decoder,
// go.opentelemetry.io/collector/pdata plog.JSONUnmarshaler (the one its
// otlpjsonfile receiver uses), and each decoded field is compared with what
// was logged: resource, scope, timestamps, severity, body, every attribute
// with its type, event name and trace context. A chained, signed file in the
// same format (auditchain.OpenChain with the handler's Encoder, three
// segments) is decoded line by line the same way, segment headers included:
// the Collector skips the chain's top-level "seq" and "chain" keys, every
// header carries the configured resource, and the file verifies.
//
// The package holds only tests; they need no server and run with a plain
// go test ./... in the e2e module.
package otlp
