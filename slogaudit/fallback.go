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
			// The entry's bytes are its bytes in the line, in either format.
			over -= int(st.ents[i].end - st.ents[i].off)
			st.del(i)
			st.appCount--
			dropped++
		}
		st.appendLibraryKey(KeyDroppedAttributes)
		if st.startEntry(false) {
			st.appendIntVal(int64(dropped), nil)
			st.commit(false)
		}
		st.assembleTrace(r, now, sc)
	}
	return true
}

// fallbackTiers bound what the fallback record keeps, tier by tier, so it
// always fits 1024 bytes: service.name, the instrumentation scope's name and
// version, schema_version (in every tier: every line has one), the request
// keys marked fallback in requestKeys, and audit.original_event_type.
var fallbackTiers = [...]fallbackTier{
	{256, 128, 64, 64, 128},
	{64, 0, 32, 32, 32},
	{0, 0, 16, 0, 0},
}

// fallbackTier is what one tier of the fallback record keeps, in runes.
type fallbackTier struct{ service, instScope, schema, reqKey, orig int }

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
	var kept [len(requestKeys)]string // request keys the fallback keeps
	for i, k := range requestKeys {
		if k.fallback && st.reqProvided.has(i) {
			kept[i] = st.requestKeyString(i)
		}
	}
	name, version := c.instScope.Name, c.instScope.Version
	if st.lift.hasInstScopeName {
		name, version = st.lift.instScopeName, st.liftedInstScopeVersion()
	}
	for _, t := range fallbackTiers {
		name, _ := truncRunes(name, t.instScope)
		version, _ := truncRunes(version, t.instScope)
		if st.otlp {
			st.line = st.fallbackOTLP(r, now, sc, t, name, version, orig, &kept)
			if len(st.line)-1 <= limit {
				return
			}
			continue
		}
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
		if t.instScope > 0 {
			b = append(b, `,"`+KeyInstrumentationScope+`":`...)
			b = appendInstScope(b, name, version)
		}
		b = append(b, `,"`+KeyAttributes+`":{"`+KeyEventType+`":"`+EventMalformedRecord+`"`...)
		b = append(b, `,"`+KeySchemaVersion+`":`...)
		b = appendCut(b, c.schemaVersionRaw, t.schema)
		if t.reqKey > 0 {
			for i, v := range kept {
				if v != "" {
					b = append(b, ',', '"')
					b = append(b, requestKeys[i].name...)
					b = append(b, '"', ':')
					b = appendCut(b, v, t.reqKey)
				}
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
		if len(st.line)-1 <= limit {
			return
		}
	}
}
