package slogaudit

// The per-call state of the encoder and the order in which a record's
// attributes are encoded.

import (
	"context"
	"log/slog"
	"runtime"
	"sync"

	"go.opentelemetry.io/otel/trace"
)

// maxGroupDepth bounds slog.Group nesting (and ReplaceAttr returning groups
// inside groups), which MaxDepth does not count because groups flatten.
const maxGroupDepth = 64

// minStringCap is where halving strings to fit MaxRecordBytes stops.
const minStringCap = 32

// state is the scratch space of one Handle (or WithAttrs) call. States are
// pooled, so a record of plain attributes allocates nothing.
type state struct {
	c      *config
	otlp   bool    // c.otlp: values are written as OTLP AnyValues
	buf    []byte  // attribute entries
	ents   []entry // one per entry in buf
	line   []byte  // the assembled line; line[0] is a spare byte for "\n"
	reqBuf []byte  // encoded request-scope keys

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

	lift        lifted
	appCount    int
	attrsCut    bool
	reqProvided reqKeySet // request keys the request scope provides
	// produced marks the provided scope keys whose value the library
	// computed itself (see isProduced): only those skip redaction.
	reqProduced reqKeySet
	// bloom has bloomBit set for the key of every entry committed, so
	// findDup scans the table only when a key may be there already, and
	// appendPlain writes a new key in one go (1 302 of the benchmark
	// record's 8 294 instructions saved, valgrind).
	bloom   uint64
	reqVals [len(requestKeys)]slog.Value

	strCap  int // current MaxStringLen for values (halved to fit)
	longest int // longest string value written, in bytes after cutting
	chain   int // interface indirections being followed (see maxChain)

	// The entry being written.
	entOff, keyStart, keyEnd int
	entHash                  uint64
	entDup                   int
	entReqKey                reqKeySet // the request key the entry's key spells

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
	st.otlp = c.otlp
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
	st.reqBuf = st.reqBuf[:0]
	if st.reqProvided != 0 {
		clear(st.reqVals[:])
	}
	st.library, st.noRedact = false, false
	st.lift = lifted{}
	st.appCount, st.attrsCut, st.reqProvided, st.reqProduced, st.longest, st.chain = 0, false, 0, 0, 0, 0
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
	// end passes context.Background() when the caller gives no context:
	// skipping them saves 73 instructions per record (valgrind).
	var sc trace.SpanContext
	var rs *requestScope
	if ctx != background {
		sc = trace.SpanContextFromContext(ctx)
		rs = requestScopeFrom(ctx)
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
		st.encodeAttrsIn(h, rs, r)
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
func (st *state) encodeAttrsIn(h *Handler, rs *requestScope, r *slog.Record) {
	c := h.c
	if c.addSource && r.PC != 0 {
		st.library = true
		st.appendSource(r.PC)
		st.library = false
	}
	if rs != nil {
		st.appendRequestScope(rs)
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
			st.appendMarkerVal()
			st.commit(false)
		}
	}
	st.encodeRequestKeys()
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
