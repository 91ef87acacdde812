package slogaudit

import (
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"slices"
	"strconv"

	"github.com/secaudit/auditkit/internal/jsonenc"
	"go.opentelemetry.io/otel/trace"
)

// The envelope: the line around the attributes, in the order the package
// documentation gives (see "Line format" in doc.go).

// assembleTrace writes the whole line for the attributes in st.buf and the
// span context sc.
func (st *state) assembleTrace(r *slog.Record, now int64, sc *trace.SpanContext) {
	if st.otlp {
		st.assembleOTLP(r, now, sc)
		return
	}
	c := st.c
	// The spare byte (see write), then the envelope up to body.
	var b []byte
	if !r.Time.IsZero() {
		b = append(st.line[:0], "\x00{\""+KeyTimestamp+`":`...)
		b = st.appendUnixNano(b, r.Time.UnixNano(), 0)
		b = append(b, `,"`+KeyObservedTimestamp+`":`...)
	} else {
		b = append(st.line[:0], "\x00{\""+KeyObservedTimestamp+`":`...)
	}
	b = st.appendUnixNano(b, now, 1)
	b = appendSeverityBody(b, r.Level)
	bodyStart := len(b)
	b = st.appendBody(b, r.Message)
	body := b[bodyStart:]
	switch {
	case st.lift.hasInstScopeName:
		b = append(b, c.resource...)
		b = appendInstScope(b, st.cut(st.lift.instScopeName), st.cut(st.liftedInstScopeVersion()))
		b = append(b, `,"`+KeyAttributes+`":{`...)
	case st.lift.hasInstScopeVersion:
		b = append(b, c.resource...)
		b = appendInstScope(b, c.instScope.Name, st.cut(st.lift.instScopeVersion))
		b = append(b, `,"`+KeyAttributes+`":{`...)
	default:
		b = append(b, c.envelope...)
	}
	var et []byte // the encoded event_type, written twice
	if st.lift.hasEventType {
		b = append(b, `"`+KeyEventType+`":`...)
		start := len(b)
		if st.lift.eventType == r.Message && st.strCap == c.limits.MaxStringLen && !st.bodyMasked {
			// Audit records often use the event type as their message:
			// then body is already its encoding, cut to the same cap and
			// cleared by the same value rules (3 058 instead of 3 336
			// instructions for authaudit's auth.login.failed, valgrind).
			b = append(b, body...)
		} else {
			b = st.appendLabel(b, st.lift.eventType)
		}
		et = b[start:]
		b = append(b, ',')
	}
	b = append(b, c.schemaEntry...)
	b = append(b, st.reqBuf...)
	b = append(b, st.buf...)
	if st.lift.hasEventType {
		b = append(b, `},"`+KeyEventName+`":`...)
		b = append(b, et...)
	} else {
		b = append(b, '}')
	}
	if sc.IsValid() {
		b = appendTrace(b, sc)
	}
	b = append(b, '}', '\n')
	st.line = b
}

// cut limits a lifted string to MaxStringLen runes (without the marker: it
// is written as a scope name, where a marker would mislead).
func (st *state) cut(s string) string {
	s, _ = truncRunes(s, st.c.limits.MaxStringLen)
	return s
}

// appendBody writes the message. Only value rules redact it: the message
// has no key.
func (st *state) appendBody(b []byte, msg string) []byte {
	st.bodyMasked = false
	if len(msg) <= st.strCap {
		var ok bool
		if b, ok = st.c.appendCleared(b, nil, msg); ok {
			return b
		}
	}
	if st.c.valueRules && st.c.rules.MatchValue(msg) {
		st.bodyMasked = true
		return st.c.appendQuotedMask(b, msg)
	}
	return appendCut(b, msg, st.strCap)
}

// appendCleared appends prefix and s as a JSON string, and reports true,
// when s needs no escaping and no value rule matches it. The copy's pre-scan
// (internal/prescan) decides whether the rules must look at all. Otherwise
// it returns dst with its contents unchanged and false.
func (c *config) appendCleared(dst, prefix []byte, s string) ([]byte, bool) {
	n := len(dst)
	b, ok, hit := jsonenc.AppendPlain(dst, prefix, s, c.prescanned)
	if !ok || !hit || !c.valueRules || !c.rules.MatchValue(s) {
		return b, ok
	}
	return b[:n], false
}

// appendQuotedMask appends what replaces a string a value rule matched,
// quoted: a mask needs no escaping.
func (c *config) appendQuotedMask(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = c.rules.AppendMask(dst, s)
	return append(dst, '"')
}

// appendLabel writes the event type: cut to MaxStringLen, and masked when a
// value rule matches it. The rules run only when the copy's pre-scan finds
// a trigger (see internal/prescan) and the label is not one they cleared
// before (labels.go).
func (st *state) appendLabel(b []byte, s string) []byte {
	c := st.c
	if len(s) <= c.limits.MaxStringLen {
		n := len(b)
		var ok, hit bool
		if b, ok, hit = jsonenc.AppendPlain(b, nil, s, c.prescanned); ok {
			if !hit || st.labelClean(s) {
				return b
			}
			b = b[:n]
		}
	}
	if !st.labelClean(s) {
		st.lift.eventType = c.rules.Mask(s) // also for the fallback record
		return c.appendQuotedMask(b, s)
	}
	return appendCut(b, s, c.limits.MaxStringLen)
}

// labelClean reports whether no value rule matches the label s (an event
// type, a scope name or version), from the cache of labels cleared before
// (labels.go) or by running the rules and caching a clean result.
func (st *state) labelClean(s string) bool {
	c := st.c
	switch {
	case !c.valueRules || c.labels.clean(s):
		return true
	case c.rules.MatchValue(s):
		return false
	}
	c.labels.add(s, st.nextMiss())
	return true
}

// secDigits is a second and its ten decimal digits, as words for
// appendUnixNano's stores.
type secDigits struct {
	sec    int64
	hi     uint64 // the first eight digits
	lo     uint16 // the last two
	filled bool
}

// appendUnixNano appends ns in decimal. From 2001 to 2286 a Unix time in
// nanoseconds has exactly 19 digits: the seconds' ten are cached in
// st.secs[slot] (records written in the same second share them), and the
// nine of the nanoseconds are formatted per record as one digit and a word
// of eight (461 of the benchmark record's 7 453 instructions saved, for its
// two timestamps). Other times take the general path.
func (st *state) appendUnixNano(b []byte, ns int64, slot int) []byte {
	if ns < 1e18 {
		return jsonenc.AppendInt(b, ns)
	}
	sec, nsec := ns/1e9, uint32(ns%1e9)
	c := &st.secs[slot]
	if sec != c.sec || !c.filled {
		d := jsonenc.AppendInt(make([]byte, 0, 20), sec) // ten digits
		c.sec, c.filled = sec, true
		c.hi = binary.LittleEndian.Uint64(d)
		c.lo = binary.LittleEndian.Uint16(d[8:])
	}
	n := len(b)
	b = slices.Grow(b, 19)
	d := b[n : n+19]
	binary.LittleEndian.PutUint64(d, c.hi)
	binary.LittleEndian.PutUint16(d[8:], c.lo)
	d[10] = byte('0' + nsec/1e8)
	binary.LittleEndian.PutUint64(d[11:], jsonenc.Digits8(nsec%1e8))
	return b[:n+19]
}

// appendSeverity writes severity_text and severity_number.
func appendSeverity(b []byte, l slog.Level) []byte {
	b = append(b, `,"`+KeySeverityText+`":`...)
	b = jsonenc.AppendString(b, severityText(l))
	b = append(b, `,"`+KeySeverityNumber+`":`...)
	return jsonenc.AppendInt(b, int64(severityNumber(l)))
}

// appendSeverityBody writes severity_text, severity_number and the key of
// body; the named levels are one constant each (279 instructions per record
// fewer than appendSeverity, valgrind).
func appendSeverityBody(b []byte, l slog.Level) []byte {
	const text, number, body = `,"` + KeySeverityText + `":`, `,"` + KeySeverityNumber + `":`, `,"` + KeyBody + `":`
	switch l {
	case slog.LevelDebug:
		return append(b, text+`"DEBUG"`+number+`5`+body...)
	case slog.LevelInfo:
		return append(b, text+`"INFO"`+number+`9`+body...)
	case slog.LevelWarn:
		return append(b, text+`"WARN"`+number+`13`+body...)
	case slog.LevelError:
		return append(b, text+`"ERROR"`+number+`17`+body...)
	}
	return append(appendSeverity(b, l), body...)
}

// severityText is slog's name for l, and CRITICAL for LevelCritical.
func severityText(l slog.Level) string {
	if l == LevelCritical {
		return "CRITICAL"
	}
	return l.String()
}

// severityNumber maps slog levels onto OpenTelemetry severity numbers:
// Debug 5, Info 9, Warn 13, Error 17, levels in between offset from those,
// clamped to 1..24.
func severityNumber(l slog.Level) int {
	return min(max(9+int(l), 1), 24)
}

func appendTrace(b []byte, sc *trace.SpanContext) []byte {
	if !sc.IsValid() {
		return b
	}
	tid, sid := sc.TraceID(), sc.SpanID()
	b = append(b, `,"`+KeyTraceID+`":"`...)
	b = hex.AppendEncode(b, tid[:])
	b = append(b, `","`+KeySpanID+`":"`...)
	b = hex.AppendEncode(b, sid[:])
	b = append(b, `","`+KeyTraceFlags+`":`...)
	return strconv.AppendInt(b, int64(sc.TraceFlags()), 10)
}

// appendInstScope appends the instrumentation_scope object.
func appendInstScope(dst []byte, name, version string) []byte {
	dst = append(dst, `{"name":`...)
	dst = jsonenc.AppendString(dst, name)
	if version != "" {
		dst = append(dst, `,"version":`...)
		dst = jsonenc.AppendString(dst, version)
	}
	return append(dst, '}')
}
