package slogaudit

import (
	"log/slog"
	"strconv"

	"go.opentelemetry.io/otel/trace"
)

// Records that do not fit Limits.MaxRecordBytes: dropping the largest
// attributes, then the fallback record.

// dropLargest removes application attributes, largest first, until the line
// fits, and counts them in audit.dropped_attributes.
func (st *state) dropLargest(r *slog.Record, now int64, sc *trace.SpanContext, limit int) bool {
	dropped := 0
	// Room for the counter entry itself, with up to 20 digits.
	counterRoom := len(`,"`+KeyDroppedAttributes+`":`) + 20
	if st.c.format == FormatOTLPJSON {
		counterRoom = len(`,{"key":"`+KeyDroppedAttributes+`","value":{"intValue":""}}`) + 20
	}
	for len(st.line)-1 > limit {
		over := len(st.line) - 1 - limit + counterRoom
		for over > 0 {
			i := -1
			for j, e := range st.ents {
				if e.app && (i < 0 || e.end-e.off > st.ents[i].end-st.ents[i].off) {
					i = j
				}
			}
			if i < 0 {
				return false
			}
			over -= st.entryBytes(st.ents[i])
			st.del(i)
			st.appCount--
			dropped++
		}
		st.appendLibraryKey(KeyDroppedAttributes)
		if st.startEntry(false) {
			st.buf = strconv.AppendInt(st.buf, int64(dropped), 10)
			st.commit(false)
		}
		st.assembleTrace(r, now, sc)
	}
	return true
}

// fallbackTier bounds what the fallback record keeps, tier by tier, so it
// always fits 1024 bytes.
// schema_version is in every tier: DESIGN promises it on every line.
var fallbackTiers = [...]struct{ service, scope, schema, id, orig int }{
	{256, 128, 64, 64, 128},
	{64, 0, 32, 32, 32},
	{0, 0, 16, 0, 0},
}

// appendFallback replaces the line with the fallback record: the envelope
// without any of the record's data.
func (st *state) appendFallback(r *slog.Record, now int64, sc *trace.SpanContext) {
	st.fallback = true
	c := st.c
	limit := c.limits.MaxRecordBytes - c.reserve
	orig := ""
	if st.lift.hasEventType {
		orig = st.lift.eventType
		if c.valueRules && c.rules.MatchValue(orig) {
			orig = c.rules.Mask(orig) // before assembleTrace checked it
		}
	}
	var reqID string
	if st.provided&1 != 0 {
		reqID = st.scopeString(0)
	}
	for _, t := range fallbackTiers {
		b := append(st.line[:0], 0, '{')
		if !r.Time.IsZero() {
			b = append(b, `"`+KeyTimestamp+`":`...)
			b = strconv.AppendInt(b, r.Time.UnixNano(), 10)
			b = append(b, ',')
		}
		b = append(b, `"`+KeyObservedTimestamp+`":`...)
		b = strconv.AppendInt(b, now, 10)
		b = appendSeverity(b, slog.LevelError)
		b = append(b, `,"`+KeyBody+`":"`+EventMalformedRecord+`"`...)
		if t.service > 0 {
			b = append(b, `,"`+KeyResource+`":{"`+KeyServiceName+`":`...)
			b = appendCut(b, c.fallbackService, t.service)
			b = append(b, '}')
		}
		if t.scope > 0 {
			name, version := c.scope.Name, c.scope.Version
			if st.lift.hasScopeName {
				name, version = st.lift.scopeName, st.liftedScopeVersion()
			}
			name, _ = truncRunes(name, t.scope)
			version, _ = truncRunes(version, t.scope)
			b = append(b, `,"`+KeyInstrumentationScope+`":`...)
			b = appendScope(b, name, version)
		}
		b = append(b, `,"`+KeyAttributes+`":{"`+KeyEventType+`":"`+EventMalformedRecord+`"`...)
		b = append(b, `,"`+KeySchemaVersion+`":`...)
		b = appendCut(b, c.schemaVersionRaw, t.schema)
		if t.id > 0 {
			if reqID != "" {
				b = append(b, `,"`+KeyRequestID+`":`...)
				b = appendCut(b, reqID, t.id)
			}
			if orig != "" {
				b = append(b, `,"`+KeyOriginalEventType+`":`...)
				b = appendCut(b, orig, t.orig)
			}
		}
		b = append(b, `},"`+KeyEventName+`":"`+EventMalformedRecord+`"`...)
		if t.service > 0 {
			b = appendTrace(b, sc)
		}
		b = append(b, '}', '\n')
		st.line = b
		st.finishLine()
		if len(st.line)-1 <= limit {
			return
		}
	}
}
