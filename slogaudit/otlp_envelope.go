package slogaudit

import (
	"encoding/hex"
	"log/slog"

	"github.com/secaudit/auditkit/internal/jsonenc"
	"go.opentelemetry.io/otel/trace"
)

// The OTLP/JSON envelope (see "The OTLP/JSON format" in doc.go): the same
// attribute entries as the default line, written as KeyValues by the same
// pass (otlp_values.go), inside an ExportLogsServiceRequest instead of the
// LogRecord-shaped object.

// setFormat sets the format and the shape of an attribute entry's key in it.
func (c *config) setFormat(f Format) {
	c.format = f
	c.otlp = f == FormatOTLPJSON
	c.keyOpen, c.keyClose = `,"`, `":`
	if c.otlp {
		c.keyOpen, c.keyClose = `,{"key":"`, `","value":`
	}
}

// initOTLP encodes what every OTLP line of c shares, from the resource's
// entries (KeyValues, each after a comma).
func (c *config) initOTLP(resource []byte) {
	h := []byte(`{"resourceLogs":[{"resource":{`)
	if len(resource) > 0 {
		h = append(h, `"attributes":[`...)
		h = append(h, resource[1:]...)
		h = append(h, ']')
	}
	c.otlpHead = append(h, `},"scopeLogs":[{"scope":`...)
	c.otlpEnvelope = append(append([]byte(nil), c.otlpHead...), c.defaultInstScope...)
	c.otlpEnvelope = append(c.otlpEnvelope, `,"logRecords":[{`...)
	c.otlpSchemaEntry = append([]byte(`{"key":"`+KeySchemaVersion+`","value":`+otlpString), c.schemaVersion...)
	c.otlpSchemaEntry = append(c.otlpSchemaEntry, "}}"...)
}

// assembleOTLP is assembleTrace in the OTLP/JSON format.
func (st *state) assembleOTLP(r *slog.Record, now int64, sc *trace.SpanContext) {
	c := st.c
	b := append(st.line[:0], 0) // the spare byte (see write)
	switch {
	case st.lift.hasInstScopeName:
		b = append(b, c.otlpHead...)
		b = appendInstScope(b, st.cut(st.lift.instScopeName), st.cut(st.liftedInstScopeVersion()))
		b = append(b, `,"logRecords":[{`...)
	case st.lift.hasInstScopeVersion:
		b = append(b, c.otlpHead...)
		b = appendInstScope(b, c.instScope.Name, st.cut(st.lift.instScopeVersion))
		b = append(b, `,"logRecords":[{`...)
	default:
		b = append(b, c.otlpEnvelope...)
	}
	b = st.appendOTLPTimes(b, r, now)
	b = appendOTLPSeverity(b, r.Level)
	b = append(b, `,"body":`+otlpString...)
	bodyStart := len(b)
	b = st.appendBody(b, r.Message)
	body := b[bodyStart:]
	b = append(b, `},"attributes":[`...)
	var et []byte // the encoded event_type, written twice
	if st.lift.hasEventType {
		b = append(b, `{"key":"`+KeyEventType+`","value":`+otlpString...)
		start := len(b)
		if st.lift.eventType == r.Message && st.strCap == c.limits.MaxStringLen && !st.bodyMasked {
			b = append(b, body...) // see assembleTrace
		} else {
			b = st.appendLabel(b, st.lift.eventType)
		}
		et = b[start:]
		b = append(b, "}},"...)
	}
	b = append(b, c.otlpSchemaEntry...)
	b = append(b, st.reqBuf...)
	b = append(b, st.buf...)
	b = append(b, ']')
	b = appendOTLPTrace(b, sc)
	if len(et) > 2 { // "" is no event name
		b = append(b, `,"eventName":`...)
		b = append(b, et...)
	}
	st.line = append(b, "}]}]}]}\n"...)
}

// appendOTLPTimes writes timeUnixNano and observedTimeUnixNano, and the
// comma after them. They are fixed64 decimal strings: a time before 1970
// has no OTLP form, so it is left out (unknown), as a zero time is.
func (st *state) appendOTLPTimes(b []byte, r *slog.Record, now int64) []byte {
	sep := false
	if !r.Time.IsZero() {
		if ns := r.Time.UnixNano(); ns >= 0 {
			b = append(b, `"timeUnixNano":"`...)
			b = st.appendUnixNano(b, ns, 0)
			b = append(b, '"')
			sep = true
		}
	}
	if now >= 0 {
		if sep {
			b = append(b, ',')
		}
		b = append(b, `"observedTimeUnixNano":"`...)
		b = st.appendUnixNano(b, now, 1)
		b = append(b, '"')
		sep = true
	}
	if sep {
		b = append(b, ',')
	}
	return b
}

// appendOTLPSeverity writes severityNumber and severityText; the named
// levels are one constant each.
func appendOTLPSeverity(b []byte, l slog.Level) []byte {
	const number, text = `"severityNumber":`, `,"severityText":`
	switch l {
	case slog.LevelDebug:
		return append(b, number+`5`+text+`"DEBUG"`...)
	case slog.LevelInfo:
		return append(b, number+`9`+text+`"INFO"`...)
	case slog.LevelWarn:
		return append(b, number+`13`+text+`"WARN"`...)
	case slog.LevelError:
		return append(b, number+`17`+text+`"ERROR"`...)
	}
	b = append(b, number...)
	b = jsonenc.AppendInt(b, int64(severityNumber(l)))
	b = append(b, text...)
	return jsonenc.AppendString(b, severityText(l))
}

// appendOTLPTrace writes flags (left out when zero), traceId and spanId
// of a valid span context.
func appendOTLPTrace(b []byte, sc *trace.SpanContext) []byte {
	if !sc.IsValid() {
		return b
	}
	if f := sc.TraceFlags(); f != 0 {
		b = append(b, `,"flags":`...)
		b = jsonenc.AppendInt(b, int64(f))
	}
	tid, sid := sc.TraceID(), sc.SpanID()
	b = append(b, `,"traceId":"`...)
	b = hex.AppendEncode(b, tid[:])
	b = append(b, `","spanId":"`...)
	b = hex.AppendEncode(b, sid[:])
	return append(b, '"')
}

// fallbackOTLP is one tier t of the fallback record (see appendFallback) in
// the OTLP/JSON format.
func (st *state) fallbackOTLP(r *slog.Record, now int64, sc *trace.SpanContext, t fallbackTier,
	name, version, orig string, kept *[len(requestKeys)]string) []byte {
	c := st.c
	b := append(st.line[:0], 0)
	b = append(b, `{"resourceLogs":[{`...)
	if t.service > 0 {
		b = append(b, `"resource":{"attributes":[{"key":"`+KeyServiceName+`","value":`+otlpString...)
		b = appendCut(b, c.fallbackService, t.service)
		b = append(b, `}}]},`...)
	}
	b = append(b, `"scopeLogs":[{`...)
	if t.instScope > 0 {
		b = append(b, `"scope":`...)
		b = appendInstScope(b, name, version)
		b = append(b, ',')
	}
	b = append(b, `"logRecords":[{`...)
	b = st.appendOTLPTimes(b, r, now)
	b = appendOTLPSeverity(b, slog.LevelError)
	b = append(b, `,"body":{"stringValue":"`+EventMalformedRecord+`"},"attributes":[`+
		`{"key":"`+KeyEventType+`","value":{"stringValue":"`+EventMalformedRecord+`"}},`+
		`{"key":"`+KeySchemaVersion+`","value":`+otlpString...)
	b = appendCut(b, c.schemaVersionRaw, t.schema)
	b = append(b, "}}"...)
	if t.reqKey > 0 {
		for i, v := range kept {
			if v != "" {
				b = append(b, `,{"key":"`...)
				b = append(b, requestKeys[i].name...)
				b = append(b, `","value":`+otlpString...)
				b = appendCut(b, v, t.reqKey)
				b = append(b, "}}"...)
			}
		}
		if orig != "" {
			b = append(b, `,{"key":"`+KeyOriginalEventType+`","value":`+otlpString...)
			b = appendCut(b, orig, t.orig)
			b = append(b, "}}"...)
		}
	}
	b = append(b, ']')
	if t.service > 0 {
		b = appendOTLPTrace(b, sc)
	}
	return append(b, `,"eventName":"`+EventMalformedRecord+`"}]}]}]}`+"\n"...)
}
