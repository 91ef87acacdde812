package slogaudit

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/secaudit/auditkit/internal/redaction"

	"go.opentelemetry.io/otel/trace"

	"github.com/secaudit/auditkit/internal/jsonenc"
	"github.com/secaudit/auditkit/internal/trusted"
	"github.com/secaudit/auditkit/redact"
)

// An attribute is encoded as an entry `,"key":value` in state.buf. The
// entry table lets a later attribute with the same key replace an earlier
// one (record > With > request scope) without a map: keys are compared by
// hash, then bytes, and the earlier span is cut out of buf (rare).
type entry struct {
	hash     uint64
	off, end int32 // span in buf, starting at the comma
	keyEnd   int32 // index of the key's closing quote
	app      bool  // counts against MaxAttrs
	scopeKey uint8 // bit of the request-scope key this entry is named after
}

// scopeKeys are written at the top of attributes, in this order, when the
// request scope provides them.
var scopeKeys = [...]string{KeyRequestID, KeySessionID, KeyClientAddress, KeyPeerAddress}

// scopeKeyBit returns the bit of key in a scope-key set, or 0.
func scopeKeyBit(key []byte) uint8 {
	switch string(key) {
	case KeyRequestID:
		return 1
	case KeySessionID:
		return 2
	case KeyClientAddress:
		return 4
	case KeyPeerAddress:
		return 8
	}
	return 0
}

// isUserNameKey reports whether an escaped dotted key ends in user.name.
func isUserNameKey(kb []byte) bool {
	const suffix = "." + KeyUserName
	n := len(kb)
	return n > len(suffix) && kb[n-1] == 'e' && string(kb[n-len(suffix):]) == suffix
}

// keyHash is a cheap fingerprint of an escaped key (length and three bytes):
// it only spares most byte comparisons, so it need not be a real hash.
func keyHash(kb []byte) uint64 {
	n := len(kb)
	if n == 0 {
		return 0
	}
	return uint64(n) | uint64(kb[0])<<32 | uint64(kb[n/2])<<40 | uint64(kb[n-1])<<48
}

// bloomBit maps a key hash to one bit of a 64-bit set (see state.bloom).
func bloomBit(h uint64) uint64 { return 1 << (h * 0x9E3779B97F4A7C15 >> 58) }

// maxGroupDepth bounds slog.Group nesting (and ReplaceAttr returning groups
// inside groups), which MaxDepth does not count because groups flatten.
const maxGroupDepth = 64

// minStringCap is where halving strings to fit MaxRecordBytes stops.
const minStringCap = 32

// state is the scratch space of one Handle (or WithAttrs) call. States are
// pooled, so a record of plain attributes allocates nothing.
type state struct {
	c    *config
	buf  []byte  // attribute entries
	ents []entry // one per entry in buf
	line []byte  // the assembled line; line[0] is a spare byte for "\n"
	sk   []byte  // encoded request-scope keys

	library  bool // attributes set by the library: exempt from MaxAttrs
	noRedact bool // resource and scope keys: configuration, not data

	// tmp holds the key decisions for a key the cache had no room for,
	// escaped into tmpKey.
	tmp    keyEntry
	tmpKey []byte
	misses uint32 // pseudo-random state for key cache replacement, see keyFor

	// secs caches the decimal seconds of the last record time and observed
	// time: records written in the same second share them.
	secs [2]secDigits

	lift     lifted
	appCount int
	attrsCut bool
	provided uint8 // scope keys the request scope provides
	// produced marks the provided scope keys whose value the library
	// computed itself (see isProduced): only those skip redaction.
	produced uint8
	// bloom has bloomBit set for the key of every entry committed, so
	// findDup scans the table only when a key may be there already.
	bloom     uint64
	scopeVals [len(scopeKeys)]slog.Value

	strCap  int // current MaxStringLen for values (halved to fit)
	longest int // longest string value written, in bytes after cutting
	chain   int // interface indirections being followed (see maxChain)

	// The entry being written.
	entOff, keyStart, keyEnd int
	entHash                  uint64
	entDup                   int
	entScope                 uint8 // scope-key bit of the entry's key

	fallback bool
	// bodyMasked is set when a value rule masked the message.
	bodyMasked bool
	// replacing counts the groups returned by ReplaceAttr being written:
	// what ReplaceAttr returns never names the event or its scope, and a
	// ReplaceAttr that wraps every attribute in a group cannot recurse
	// without end.
	replacing int
	// observed, when not 0, is the observed_timestamp (Unix ns) to write
	// instead of the clock's (see Encoder.AppendRecord).
	observed int64
}

var statePool = sync.Pool{New: func() any {
	return &state{
		misses: 2463534242, // any non-zero xorshift seed
		buf:    make([]byte, 0, 1024),
		ents:   make([]entry, 0, 32),
		line:   make([]byte, 0, 2048),
	}
}}

func newState(c *config) *state {
	st := statePool.Get().(*state)
	st.c = c
	st.strCap = c.limits.MaxStringLen
	return st
}

// maxPooled keeps one huge record from pinning its buffers in the pool.
const maxPooled = 64 << 10

func (st *state) free() {
	if cap(st.buf) > maxPooled || cap(st.line) > maxPooled || cap(st.ents) > 1024 {
		return
	}
	st.reset()
	st.line = st.line[:0]
	st.c = nil
	st.strCap = 0
	st.fallback = false
	st.observed = 0
	statePool.Put(st)
}

// reset empties everything an encoding pass fills, keeping capacity.
func (st *state) reset() {
	st.buf = st.buf[:0]
	st.ents = st.ents[:0]
	st.bloom = 0
	st.sk = st.sk[:0]
	if st.provided != 0 {
		clear(st.scopeVals[:])
	}
	st.library, st.noRedact = false, false
	st.lift = lifted{}
	st.appCount, st.attrsCut, st.provided, st.produced, st.longest, st.chain = 0, false, 0, 0, 0, 0
	st.replacing = 0
}

// encodeRecord builds the line for r in st.line. It never panics: a failure
// of the encoder itself yields the fallback record.
func (st *state) encodeRecord(h *Handler, ctx context.Context, r *slog.Record) {
	c := h.c
	now := st.observed // observed_timestamp: set by Encoder.AppendRecord, or now
	switch {
	case now != 0:
	case c.now != nil:
		now = c.now().UnixNano()
	default:
		now = c.clock.nowNano()
	}
	// Both context lookups walk the context chain, and slog's own front
	// end passes context.Background() when the caller gives no context.
	var sc trace.SpanContext
	var scope *scope
	if ctx != background {
		sc = trace.SpanContextFromContext(ctx)
		scope = scopeFrom(ctx)
	}
	defer func() {
		if p := recover(); p != nil {
			c.reportError(errPanic("encoding", p))
			st.appendFallback(r, now, &sc)
		}
	}()
	limit := c.limits.MaxRecordBytes - c.reserve
	// A state from newState is empty (free resets it), so only a second
	// pass needs a reset.
	for {
		st.encodeAttrsIn(h, scope, r)
		st.assembleTrace(r, now, &sc)
		if len(st.line)-1 <= limit {
			return
		}
		next := min(st.strCap, st.longest) / 2
		if next < minStringCap {
			break
		}
		st.strCap = next
		st.reset()
	}
	if st.dropLargest(r, now, &sc, limit) {
		return
	}
	st.appendFallback(r, now, &sc)
}

// background is context.Background(), compared against in encodeRecord.
var background = context.Background()

// encodeAttrsIn encodes the attributes of one record into st.buf in
// precedence order, lowest first: source location, request scope, With
// attributes, record attributes. A later entry replaces an earlier one with
// the same key.
func (st *state) encodeAttrsIn(h *Handler, scope *scope, r *slog.Record) {
	c := h.c
	if c.addSource && r.PC != 0 {
		st.library = true
		st.appendSource(r.PC)
		st.library = false
	}
	if scope != nil {
		st.appendScope(scope)
	}
	st.appendWith(h)
	if r.NumAttrs() > 0 {
		r.Attrs(func(a slog.Attr) bool {
			st.appendAttr(a, h.node)
			return true
		})
	}
	if st.attrsCut {
		st.appendLibraryKey("_truncated")
		if st.startEntry(false) {
			st.buf = append(st.buf, `"`+TruncatedMarker+`"`...)
			st.commit(false)
		}
	}
	st.encodeScopeKeys()
}

// appendSource adds the code location of pc (Options.AddSource).
func (st *state) appendSource(pc uintptr) {
	fs := runtime.CallersFrames([]uintptr{pc})
	f, _ := fs.Next()
	if f.Function != "" {
		st.appendAttr(slog.String(KeyCodeFunction, f.Function), st.c.root)
	}
	if f.File != "" {
		st.appendAttr(slog.String(KeyCodeFile, f.File), st.c.root)
	}
	if f.Line != 0 {
		st.appendAttr(slog.Int(KeyCodeLine, f.Line), st.c.root)
	}
}

// appendScope adds the request scope of ctx: its attributes (LogValuers are
// resolved now, per record) and the acting user. Scope keys are kept apart,
// to be written at the top of attributes.
func (st *state) appendScope(s *scope) {
	st.library = true
	// The scope keys first: an attribute that spells one ("session" > "id")
	// must yield to it wherever it sits in the scope.
	for _, a := range s.attrs {
		if i := scopeKeyIndex(a.Key); i >= 0 {
			st.setScopeKey(i, a.Value)
		}
	}
	for _, a := range s.attrs {
		if scopeKeyIndex(a.Key) < 0 {
			st.appendAttr(a, st.c.root)
		}
	}
	if u := s.user.p.Load(); u != nil {
		if u.ID != "" {
			st.appendAttr(slog.String(KeyUserID, u.ID), st.c.root)
		}
		if u.Name != "" {
			st.appendAttr(slog.String(KeyUserName, u.Name), st.c.root)
		}
	}
	st.library = false
}

// setScopeKey records the request scope's value for scopeKeys[i], resolved
// now (per record), and whether the library produced it.
func (st *state) setScopeKey(i int, v slog.Value) {
	produced := isProduced(v)
	v, err := resolve(v)
	if err != nil {
		st.c.reportError(err)
		v = slog.StringValue(placeholderPanic)
	}
	if v.Kind() == slog.KindGroup && len(v.Group()) == 0 {
		return // a LogValuer resolving to an empty group means "omit"
	}
	st.scopeVals[i] = v
	st.provided |= 1 << i
	if produced || isPseudonym(v) {
		st.produced |= 1 << i
	} else {
		st.produced &^= 1 << i // a child scope's own value
	}
}

func scopeKeyIndex(key string) int {
	for i, k := range scopeKeys {
		if key == k {
			return i
		}
	}
	return -1
}

// isProduced reports whether a request-scope value was computed by the
// library (httpaudit's request id and addresses carry internal/trusted's
// mark) rather than handed in by the application.
func isProduced(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindLogValuer, slog.KindAny:
		return trusted.Is(v.Any())
	}
	return false
}

// encodeScopeKeys encodes the scope keys the request scope provided into
// st.sk. A value the library produced (see isProduced, and a
// redact.Pseudonym) is written as it is; what the application put in the
// scope passes the key and value rules like any attribute, so a raw
// session.id is masked.
func (st *state) encodeScopeKeys() {
	if st.provided == 0 {
		return
	}
	saved, savedNoRedact := st.buf, st.noRedact
	st.buf = st.sk
	for i, k := range scopeKeys {
		if st.provided&(1<<i) == 0 {
			continue
		}
		st.buf = append(st.buf, ',', '"')
		st.buf = append(st.buf, k...)
		st.buf = append(st.buf, '"', ':')
		v, p := st.scopeVals[i], st.c.scopePaths[i]
		st.noRedact = st.produced&(1<<i) != 0 || !st.c.redacts
		if !st.noRedact && p.Sensitive() {
			st.appendMasked(st.maskValue(v))
			continue
		}
		st.appendValue(v, p, 1)
	}
	st.sk, st.buf, st.noRedact = st.buf, saved, savedNoRedact
}

// scopeString is the text of request-scope key i as the fallback record
// writes it: redacted unless the library produced it.
func (st *state) scopeString(i int) string {
	v := st.scopeVals[i]
	s := stringOf(v)
	if st.produced&(1<<i) != 0 || !st.c.redacts {
		return s
	}
	if st.c.scopePaths[i].Sensitive() || v.Kind() != slog.KindString || st.c.rules.MatchValue(s) {
		return st.maskValue(v).String()
	}
	return s
}

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
	if len(st.ents) == 0 && st.provided == 0 {
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
		if e.scopeKey&st.provided != 0 {
			continue // the request scope's value wins
		}
		st.entOff = len(st.buf)
		st.buf = append(st.buf, h.with[e.off:e.end]...)
		st.keyStart = st.entOff + 2
		st.keyEnd = st.entOff + int(e.keyEnd-e.off)
		st.entHash = e.hash
		st.entScope = e.scopeKey
		st.entDup = st.findDup()
		if e.app && (st.entDup < 0 || !st.ents[st.entDup].app) {
			st.appCount++
		}
		st.commit(e.app)
	}
}

// liftedScopeVersion is the version of the scope a record named with
// otel.scope.name: its otel.scope.version, else, for a scope of this module
// (authaudit, httpaudit, ...), the module's version, which may be empty.
func (st *state) liftedScopeVersion() string {
	if !st.lift.hasScopeVersion && strings.HasPrefix(st.lift.scopeName, modulePath+"/") {
		return st.c.modVersion
	}
	return st.lift.scopeVersion
}

func (st *state) mergeLift(l lifted) {
	if l.hasEventType {
		st.lift.eventType, st.lift.hasEventType = l.eventType, true
	}
	if l.hasScopeName {
		st.lift.scopeName, st.lift.hasScopeName = l.scopeName, true
	}
	if l.hasScopeVersion {
		st.lift.scopeVersion, st.lift.hasScopeVersion = l.scopeVersion, true
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
		if e.scopeBit&st.provided == 0 {
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
		if e.schema || e.scopeBit&st.provided != 0 {
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
			var ok, hit bool
			if st.buf, ok, hit = jsonenc.AppendPlain(st.buf, e.head, s, st.c.prescanned); ok {
				if !hit || !st.c.valueRules || !st.c.rules.MatchValue(s) {
					st.longest = max(st.longest, len(s))
					break
				}
				// A value rule matched: write the mask, not the string.
				st.buf = st.c.appendQuotedMask(append(st.buf[:off], e.head...), s)
				break
			}
		}
		st.buf = append(st.buf, e.head...)
		st.appendStr(s)
	case k == slog.KindInt64:
		st.buf = jsonenc.AppendInt(append(st.buf, e.head...), v.Int64())
	case k == slog.KindDuration:
		st.buf = jsonenc.AppendInt(append(st.buf, e.head...), int64(v.Duration()))
	default:
		st.buf = append(st.buf, e.head...)
		st.appendValue(v, e.path, 1)
	}
	st.ents = append(st.ents, entry{
		hash:     e.hash,
		off:      int32(off),
		keyEnd:   int32(off + len(e.head) - 2),
		end:      int32(len(st.buf)),
		app:      app,
		scopeKey: e.scopeBit,
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
	st.buf = append(st.buf, '"')
	st.buf = append(st.buf, v.String()...)
	st.buf = append(st.buf, '"')
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
		if e.scopeBit&st.provided != 0 {
			return // the request scope's value wins, and the key appears once
		}
		st.appendAttrKey(e)
		if st.startEntry(!st.library) {
			st.buf = append(st.buf, `"`+redact.Marker+`"`...)
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
	if e.lift != "" || e.schema || e.scopeBit&st.provided != 0 {
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

// setLifted records a reserved attribute that moves out of attributes. Its
// value meets the value rules like any string: an event type or scope name
// is a label, but nothing stops an application from passing a token.
func (st *state) setLifted(key string, v slog.Value) {
	var s string
	if v.Kind() == slog.KindString {
		s = v.String()
	} else {
		s = stringOf(v)
	}
	if key != KeyEventType && !st.labelClean(s) {
		// event_type is checked where it is encoded (appendLabel), after
		// the copy's pre-scan.
		s = st.c.rules.Mask(s)
	}
	switch key {
	case KeyEventType:
		st.lift.eventType, st.lift.hasEventType = s, true
	case KeyScopeName:
		st.lift.scopeName, st.lift.hasScopeName = s, true
	case KeyScopeVersion:
		st.lift.scopeVersion, st.lift.hasScopeVersion = s, true
	}
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

// rollback removes the entry being written.
func (st *state) rollback() { st.buf = st.buf[:st.entOff] }

// startEntry finds an earlier entry with the same key and applies MaxAttrs:
// a new application key past the limit is dropped and marks the record as
// cut. It reports whether the value should be written.
func (st *state) startEntry(app bool) bool {
	st.entDup = st.findDup()
	if app && (st.entDup < 0 || !st.ents[st.entDup].app) {
		if st.appCount >= st.c.limits.MaxAttrs {
			st.rollback()
			st.attrsCut = true
			return false
		}
		st.appCount++
	} else if !app && st.entDup >= 0 && st.ents[st.entDup].app {
		st.appCount--
	}
	return true
}

func (st *state) findDup() int {
	if st.bloom&bloomBit(st.entHash) == 0 {
		return -1
	}
	key := st.buf[st.keyStart:st.keyEnd]
	for i := range st.ents {
		e := &st.ents[i]
		if e.hash == st.entHash && string(st.buf[e.off+2:e.keyEnd]) == string(key) {
			return i
		}
	}
	return -1
}

// commit records the entry just written, replacing its duplicate.
func (st *state) commit(app bool) {
	e := entry{
		hash:     st.entHash,
		off:      int32(st.entOff),
		keyEnd:   int32(st.keyEnd),
		end:      int32(len(st.buf)),
		app:      app,
		scopeKey: st.entScope,
	}
	if st.entDup >= 0 {
		n := st.ents[st.entDup].end - st.ents[st.entDup].off
		st.del(st.entDup)
		e.off -= n
		e.end -= n
		e.keyEnd -= n
	}
	st.ents = append(st.ents, e)
	st.bloom |= bloomBit(e.hash)
}

// del cuts entry i out of buf and the table.
func (st *state) del(i int) {
	d := st.ents[i]
	n := d.end - d.off
	copy(st.buf[d.off:], st.buf[d.end:])
	st.buf = st.buf[:int32(len(st.buf))-n]
	for j := i + 1; j < len(st.ents); j++ {
		st.ents[j].off -= n
		st.ents[j].end -= n
		st.ents[j].keyEnd -= n
	}
	st.ents = slices.Delete(st.ents, i, i+1)
}

// assembleTrace writes the whole line for the attributes in st.buf and the
// span context sc.
func (st *state) assembleTrace(r *slog.Record, now int64, sc *trace.SpanContext) {
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
	case st.lift.hasScopeName:
		b = append(b, c.resource...)
		b = appendScope(b, st.cut(st.lift.scopeName), st.cut(st.liftedScopeVersion()))
		b = append(b, `,"`+KeyAttributes+`":{`...)
	case st.lift.hasScopeVersion:
		b = append(b, c.resource...)
		b = appendScope(b, c.scope.Name, st.cut(st.lift.scopeVersion))
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
			// cleared by the same value rules.
			b = append(b, body...)
		} else {
			b = st.appendLabel(b, st.lift.eventType)
		}
		et = b[start:]
		b = append(b, ',')
	}
	b = append(b, c.schemaEntry...)
	b = append(b, st.sk...)
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
	st.finishLine()
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
// of eight. Other times take the general path.
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
// body; the named levels are one constant each.
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
