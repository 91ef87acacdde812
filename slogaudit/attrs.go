package slogaudit

import (
	"log/slog"

	"github.com/secaudit/auditkit/internal/jsonenc"
	"github.com/secaudit/auditkit/internal/redaction"
	"github.com/secaudit/auditkit/redact"
)

// Attributes: one slog.Attr (or group) becomes entries, through the key
// cache (encode_keys.go), redaction, ReplaceAttr and the value encoder
// (value.go).

// appendWith adds the handler's pre-encoded With attributes. The common
// case (no request scope, no source, full string cap) is one copy.
func (st *state) appendWith(h *Handler) {
	if len(h.withEnts) == 0 && !h.withCut {
		st.mergeLift(h.withLift)
		return
	}
	if st.strCap < st.c.limits.MaxStringLen {
		// Shrinking strings to fit: encode the With attributes again.
		for _, wc := range h.withSrc {
			for _, a := range wc.attrs {
				st.appendAttr(a, wc.node)
			}
		}
		return
	}
	st.mergeLift(h.withLift)
	st.attrsCut = st.attrsCut || h.withCut
	st.longest = max(st.longest, h.withLongest)
	if len(st.ents) == 0 && st.reqProvided == 0 {
		base := int32(len(st.buf))
		st.buf = append(st.buf, h.with...)
		st.bloom |= h.withBloom
		for _, e := range h.withEnts {
			e.off += base
			e.end += base
			e.keyEnd += base
			st.ents = append(st.ents, e)
		}
		st.appCount += h.withApp
		return
	}
	for _, e := range h.withEnts {
		if e.reqKey&st.reqProvided != 0 {
			continue // the request scope's value wins
		}
		st.entOff = len(st.buf)
		st.buf = append(st.buf, h.with[e.off:e.end]...)
		st.keyStart = st.entOff + len(st.c.keyOpen)
		st.keyEnd = st.entOff + int(e.keyEnd-e.off)
		st.entHash = e.hash
		st.entReqKey = e.reqKey
		st.entDup = st.findDup()
		if e.app && (st.entDup < 0 || !st.ents[st.entDup].app) {
			st.appCount++
		}
		st.commitEntry(e.app)
	}
}

// appendAttr adds a (and, for a group, its members) in the group context n.
func (st *state) appendAttr(a slog.Attr, n *groupNode) {
	v := a.Value
	k := v.Kind()
	if k == slog.KindLogValuer {
		var err error
		if v, err = resolve(v); err != nil {
			st.c.reportError(err)
			v = slog.StringValue(placeholderPanic)
		}
		k = v.Kind()
	}
	if k == slog.KindGroup {
		st.appendGroup(a.Key, v.Group(), n)
		return
	}
	if k == slog.KindAny && a.Key == "" && v.Any() == nil {
		return // the zero Attr
	}
	e := st.keyFor(n, a.Key)
	if !e.special && !st.noRedact && st.c.replaceAttr == nil {
		// The fast path: a key that is neither lifted, dropped, a user name
		// nor sensitive, and no ReplaceAttr. Only a request-scope key can
		// still yield to the scope's value.
		if e.reqKey&st.reqProvided == 0 {
			st.appendPlain(e, v, k)
		}
		return
	}
	if !st.noRedact {
		if e.lift != "" {
			if st.replacing == 0 { // ReplaceAttr's output is never lifted
				st.setLifted(e.lift, v)
			}
			return
		}
		if e.schema || e.reqKey&st.reqProvided != 0 {
			return // the handler's schema_version, the request scope's key
		}
	}
	p := e.path
	masked := false
	if e.body && !st.noRedact {
		v = st.bodyNames(v)
	}
	if e.userName && !st.c.usernames && !st.noRedact {
		if !st.c.hmacNames {
			return
		}
		v, masked = slog.StringValue(st.c.rules.Mask(stringOf(v))), true
	} else if st.c.redacts && !st.noRedact && p.Sensitive() && !isPseudonym(v) {
		v, masked = st.maskValue(v), true
	}
	if st.c.replaceAttr != nil && !st.noRedact {
		st.replace(slog.Attr{Key: a.Key, Value: v}, n, p, masked)
		return
	}
	st.appendAttrKey(e)
	if !st.startEntry(!st.library) {
		return
	}
	if masked {
		st.appendMasked(v)
	} else {
		st.appendValue(v, p, 1)
	}
	st.commit(!st.library)
}

// appendPlain writes an attribute on appendAttr's fast path. Unless the key
// may be in the line already (then the general path replaces it), the entry
// is written and recorded in one go.
func (st *state) appendPlain(e *keyEntry, v slog.Value, k slog.Kind) {
	app := !st.library
	if st.bloom&e.bloom != 0 {
		st.appendAttrKey(e)
		if st.startEntry(app) {
			st.appendValue(v, e.path, 1)
			st.commit(app)
		}
		return
	}
	if app {
		if st.appCount >= st.c.limits.MaxAttrs {
			st.attrsCut = true
			return
		}
		st.appCount++
	}
	off := len(st.buf)
	switch {
	case !st.c.direct:
		st.buf = append(st.buf, e.head...)
		st.appendValue(v, e.path, 1)
	case k == slog.KindString:
		s := v.String()
		if len(s) <= st.strCap {
			// One capacity check, `,"key":` and the string checked and
			// copied in one pass, which also tells whether the value
			// detectors need to look at it (see internal/prescan).
			// appendCleared, written out: it is not inlined, and the
			// call per string cost 180 instructions per benchmark record.
			// In OTLP, headStr also opens the stringValue.
			var ok, hit bool
			if st.buf, ok, hit = jsonenc.AppendPlain(st.buf, e.headStr, s, st.c.prescanned); ok {
				if !hit || !st.c.valueRules || !st.c.rules.MatchValue(s) {
					st.longest = max(st.longest, len(s))
				} else {
					// A value rule matched: write the mask, not the string.
					st.buf = st.c.appendQuotedMask(append(st.buf[:off], e.headStr...), s)
				}
				if st.otlp {
					st.buf = append(st.buf, '}')
				}
				break
			}
		}
		st.buf = append(st.buf, e.head...)
		st.appendStr(s)
	case k == slog.KindInt64 && !st.otlp:
		st.buf = jsonenc.AppendInt(append(st.buf, e.head...), v.Int64())
	case k == slog.KindDuration && !st.otlp:
		st.buf = jsonenc.AppendInt(append(st.buf, e.head...), int64(v.Duration()))
	case k == slog.KindInt64:
		st.appendIntVal(v.Int64(), e.head)
	case k == slog.KindDuration:
		st.appendIntVal(int64(v.Duration()), e.head)
	default:
		st.buf = append(st.buf, e.head...)
		st.appendValue(v, e.path, 1)
	}
	if st.otlp {
		st.buf = append(st.buf, '}') // the KeyValue
	}
	st.ents = append(st.ents, entry{
		hash:   e.hash,
		off:    int32(off),
		keyEnd: int32(off) + e.keyEnd,
		end:    int32(len(st.buf)),
		app:    app,
		reqKey: e.reqKey,
	})
	st.bloom |= e.bloom
}

// isPseudonym reports whether v is a redact.Pseudonym, which no key masks.
func isPseudonym(v slog.Value) bool {
	if v.Kind() != slog.KindAny {
		return false
	}
	_, ok := v.Any().(redact.Pseudonym)
	return ok
}

// maskValue is what a sensitive value becomes: the Redactor's mask of a
// string, the redaction marker for anything else.
func (st *state) maskValue(v slog.Value) slog.Value {
	if v.Kind() == slog.KindString {
		return slog.StringValue(st.c.rules.Mask(v.String()))
	}
	return slog.StringValue(redact.Marker)
}

// appendMasked writes a value produced by maskValue. Masks never need
// escaping, and appending avoids building the mask string.
func (st *state) appendMasked(v slog.Value) {
	if st.otlp {
		st.buf = append(st.buf, otlpString...)
	}
	st.buf = append(st.buf, '"')
	st.buf = append(st.buf, v.String()...)
	st.buf = append(st.buf, '"')
	if st.otlp {
		st.buf = append(st.buf, '}')
	}
}

// appendGroup flattens a group into dotted keys. An empty group is dropped
// and a group with an empty key is inlined; a group under a sensitive key
// collapses into one redacted entry.
func (st *state) appendGroup(key string, attrs []slog.Attr, n *groupNode) {
	if len(attrs) == 0 {
		return
	}
	if key == "" {
		for _, m := range attrs {
			st.appendAttr(m, n)
		}
		return
	}
	if n.depth >= maxGroupDepth {
		return
	}
	e := st.keyFor(n, key)
	if st.c.redacts && !st.noRedact && e.path.Sensitive() {
		if e.reqKey&st.reqProvided != 0 {
			return // the request scope's value wins, and the key appears once
		}
		st.appendAttrKey(e)
		if st.startEntry(!st.library) {
			st.appendRedactedVal()
			st.commit(!st.library)
		}
		return
	}
	ch := st.childOf(e) // before the members reuse st.tmp
	for _, m := range attrs {
		st.appendAttr(m, ch)
	}
}

// replace runs Options.ReplaceAttr on a (whose value is already redacted)
// and adds what it returns. A panic becomes the placeholder value.
func (st *state) replace(a slog.Attr, n *groupNode, p redaction.Path, masked bool) {
	var groups []string
	if len(n.groups) > 0 {
		groups = n.groups
	}
	ra, err := callReplaceAttr(st.c.replaceAttr, groups, a)
	if err != nil {
		st.c.reportError(err)
		ra = slog.String(a.Key, placeholderPanic)
		masked = false
	}
	v := ra.Value
	if v.Kind() == slog.KindLogValuer {
		if v, err = resolve(v); err != nil {
			st.c.reportError(err)
			v = slog.StringValue(placeholderPanic)
		}
	}
	if v.Kind() == slog.KindGroup {
		if st.replacing >= maxGroupDepth {
			return
		}
		st.replacing++
		st.appendGroup(ra.Key, v.Group(), n)
		st.replacing--
		return
	}
	if ra.Key == "" && v.Kind() == slog.KindAny && v.Any() == nil {
		return
	}
	e := st.keyFor(n, ra.Key)
	// The library keys stay the library's, whatever ReplaceAttr returns.
	if e.lift != "" || e.schema || e.reqKey&st.reqProvided != 0 {
		return
	}
	if ra.Key != a.Key {
		// A renamed attribute is judged under its new name.
		p, masked = e.path, false
		if e.userName && !st.c.usernames {
			if !st.c.hmacNames {
				return
			}
			v, masked = slog.StringValue(st.c.rules.Mask(stringOf(v))), true
		} else if st.c.redacts && p.Sensitive() && !isPseudonym(v) {
			v, masked = st.maskValue(v), true
		}
	}
	st.appendAttrKey(e)
	if !st.startEntry(!st.library) {
		return
	}
	if masked && v.Kind() == slog.KindString {
		st.appendMasked(v)
	} else {
		st.appendValue(v, p, 1)
	}
	st.commit(!st.library)
}

func callReplaceAttr(f func([]string, slog.Attr) slog.Attr, groups []string, a slog.Attr) (ra slog.Attr, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errPanic("ReplaceAttr", p)
		}
	}()
	return f(groups, a), nil
}

// stringOf is v as text: a string as it is, anything else as slog prints it.
func stringOf(v slog.Value) (s string) {
	if v.Kind() == slog.KindString {
		return v.String()
	}
	defer func() {
		if recover() != nil {
			s = placeholderPanic
		}
	}()
	return v.String()
}
