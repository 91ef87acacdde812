package slogaudit

import (
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/secaudit/auditkit/internal/redaction"

	"github.com/secaudit/auditkit/internal/jsonenc"
)

// Everything the handler decides about an attribute key depends only on the
// key and the groups it sits in: the escaped dotted key, whether it is a
// library key, whether it is sensitive. Applications log with a small set of
// constant keys, so those decisions are made once and kept in a fixed-size
// cache per handler tree. The cache cannot grow with input: keys that miss
// (say, built at run time) take the same path without it. Without the cache
// the benchmark record costs 20 795 instructions instead of 6 992 (valgrind,
// BenchmarkHandle/slogaudit/redact.Default).

// groupNode is a group context: the groups a handler has open (WithGroup)
// plus slog.Group keys nested below them. Nodes are immutable; their
// addresses identify the context in the key cache.
type groupNode struct {
	prefix    string   // escaped dotted prefix ("" or "a.b.")
	rawPrefix string   // the same, unescaped
	groups    []string // the group names, for ReplaceAttr
	path      redaction.Path
	depth     int
	// inValue is set inside a slog.Group value, where event_type and
	// otel.scope.* are data: only the record's top level and groups opened
	// with WithGroup can name the event or its scope. Otherwise a group
	// built from request data could relabel the record.
	inValue bool
}

// child returns the node for group name under n: a slog.Group value's
// members when inValue, a WithGroup group otherwise. It allocates.
func (n *groupNode) child(c *config, name string, inValue bool) *groupNode {
	ch := &groupNode{
		prefix:    string(jsonenc.AppendEscaped([]byte(n.prefix), name)) + ".",
		rawPrefix: n.rawPrefix + name + ".",
		groups:    append(slices.Clip(n.groups), name),
		path:      n.path,
		depth:     n.depth + 1,
		inValue:   n.inValue || inValue,
	}
	if c.redacts {
		ch.path = c.rules.Enter(n.path, name)
	}
	return ch
}

// keyEntry holds the decisions about one key in one group context.
type keyEntry struct {
	parent *groupNode
	key    string
	w0, w1 uint64 // keyWords(key)

	// head is the start of the key's entry, `,"key":` (OTLP:
	// `,{"key":"key","value":`), with the escaped dotted key cut to
	// MaxStringLen: one copy writes it. headStr is head followed, in OTLP,
	// by the start of a string value (the fast path's strings).
	head     []byte
	headStr  []byte
	keyAt    int32 // the escaped key is head[keyAt:keyEnd]
	keyEnd   int32
	hash     uint64    // keyHash of the escaped key
	bloom    uint64    // bloomBit(hash)
	lift     string    // KeyEventType, KeyScopeName or KeyScopeVersion when lifted
	schema   bool      // the record's own schema_version: dropped
	userName bool      // a user.name, at any depth, or a body's user name field
	body     bool      // request.body: its user name fields follow IncludeUsernames
	reqKey   reqKeySet // the request key it spells (see requestKeyBit)
	// special is set when the key needs more than writing its value: it is
	// lifted, dropped, a user name or sensitive. Plain keys (nearly all)
	// take appendAttr's fast path.
	special bool
	path    redaction.Path
	child   *groupNode  // the key used as a group (nil in st.tmp until needed)
	used    atomic.Bool // hit since the last replacement sweep
}

// fill computes e for key under parent, writing its head into dst.
func (e *keyEntry) fill(c *config, parent *groupNode, key string, dst []byte) {
	*e = keyEntry{parent: parent, key: key, path: parent.path}
	e.w0, e.w1 = keyWords(key)
	dst = append(dst, c.keyOpen...)
	start := len(dst)
	dst = appendFullKey(dst, parent, key, c.limits.MaxStringLen)
	end := len(dst)
	dst = append(dst, c.keyClose...)
	n := len(dst)
	if c.otlp {
		dst = append(dst, otlpString...)
	}
	e.head, e.headStr = dst[:n:n], dst
	e.keyAt, e.keyEnd = int32(start), int32(end) // dst starts empty
	esc := dst[start:end]
	e.hash = keyHash(esc)
	e.bloom = bloomBit(e.hash)
	if !parent.inValue {
		switch key {
		case KeyEventType, KeyScopeName, KeyScopeVersion:
			e.lift = key // at top level and under WithGroup groups
		}
	}
	switch string(esc) {
	case KeyEventType, KeyScopeName, KeyScopeVersion:
		// A slog.Group value spelling a reserved key ("otel" > "scope" >
		// "name") is data, and is written under a key of its own.
		if !parent.inValue {
			e.lift = string(esc)
		}
	case KeySchemaVersion:
		e.schema = true
	}
	e.userName = string(esc) == KeyUserName || isUserNameKey(esc) || isBodyUsernameKey(esc)
	e.body = !c.usernames && isBodyKey(esc)
	e.reqKey = requestKeyBit(esc)
	if c.redacts {
		e.path = c.rules.Enter(parent.path, key)
	}
	e.special = e.lift != "" || e.schema || e.userName || e.body || c.redacts && e.path.Sensitive()
}

// appendFullKey appends the escaped dotted key prefix+key, cut to max runes.
func appendFullKey(dst []byte, n *groupNode, key string, max int) []byte {
	if len(n.rawPrefix)+len(key) <= max {
		// Bytes bound runes, so nothing needs cutting.
		dst = append(dst, n.prefix...)
		return jsonenc.AppendEscaped(dst, key)
	}
	s, cut := truncRunes(n.rawPrefix+key, max)
	dst = jsonenc.AppendEscaped(dst, s)
	if cut {
		dst = append(dst, TruncatedMarker...)
	}
	return dst
}

// cacheSlots is the size of the key cache: pairs of slots, so two hot keys
// that hash alike can both stay.
const cacheSlots = 512

// replaceEvery is how many misses on full slots pass before one replaces
// an entry.
const replaceEvery = 16

type keyCache struct {
	slots [cacheSlots]atomic.Pointer[keyEntry]
}

// slot hashes the key by its address, length and group context: constant
// keys keep their address, so this is cheap and stable. Contents are still
// compared on lookup, so a reused address can only cause a miss. It returns
// the first slot of a pair.
func slot(n *groupNode, key string) uint {
	h := uint64(uintptr(unsafe.Pointer(unsafe.StringData(key))))*0x9E3779B97F4A7C15 ^
		uint64(len(key))*0xC2B2AE3D27D4EB4F ^ uint64(uintptr(unsafe.Pointer(n)))*0x165667B19E3779F9
	return uint(h>>(64-8)) * 2
}

// keyWords packs up to 16 bytes of a key, its first and last eight (fewer
// for short keys, zero-padded). With the length they identify keys of up to
// 16 bytes, so the cache compares two words instead of calling memequal.
func keyWords(s string) (w0, w1 uint64) {
	switch n := len(s); {
	case n >= 8:
		return load64(s, 0), load64(s, n-8)
	case n >= 4:
		return uint64(load32(s, 0)), uint64(load32(s, n-4))
	case n > 0:
		// Up to three bytes: these positions cover them all.
		return uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16, 0
	}
	return 0, 0
}

// is reports whether e is the entry for key (with keyWords w0, w1) under n.
func (e *keyEntry) is(n *groupNode, key string, w0, w1 uint64) bool {
	return e != nil && e.parent == n && e.w0 == w0 && e.w1 == w1 && len(e.key) == len(key) &&
		(len(key) <= 16 || e.key == key)
}

// keyFor returns the entry for key under n: from the cache, newly cached, or
// computed into st.tmp (valid until the next keyFor) when the cache is full
// there.
func (st *state) keyFor(n *groupNode, key string) *keyEntry {
	slots := &st.c.keys.slots
	i := slot(n, key)
	var w0, w1 uint64
	// keyWords, inlined for the common lengths.
	if l := len(key); l >= 8 && l <= 16 {
		w0, w1 = load64(key, 0), load64(key, l-8)
	} else if l >= 4 && l < 8 {
		w0, w1 = uint64(load32(key, 0)), uint64(load32(key, l-4))
	} else {
		w0, w1 = keyWords(key)
	}
	e := slots[i].Load()
	if !e.is(n, key, w0, w1) {
		if e = slots[i+1].Load(); !e.is(n, key, w0, w1) {
			return st.keyMiss(n, key, i)
		}
	}
	if !e.used.Load() {
		e.used.Store(true)
	}
	return e
}

// nextMiss advances the pseudo-random state that decides when a full cache
// slot is replaced (keyMiss, labelCache.add). A xorshift step: a counter
// would align with the order of keys in a record and always let the same
// key replace.
func (st *state) nextMiss() uint32 {
	st.misses ^= st.misses << 13
	st.misses ^= st.misses >> 17
	st.misses ^= st.misses << 5
	return st.misses
}

// keyMiss is keyFor for a key that is not in the cache.
func (st *state) keyMiss(n *groupNode, key string, i uint) *keyEntry {
	cache := &st.c.keys
	// Fill an empty slot. When both are taken, replace one now and then, so
	// keys of groups that are gone (handlers made per request) give way to
	// keys in use, without allocating on every miss.
	misses := st.nextMiss()
	j := -1
	switch {
	case cache.slots[i].Load() == nil:
		j = int(i)
	case cache.slots[i+1].Load() == nil:
		j = int(i) + 1
	case misses%replaceEvery == 0:
		j = cache.victim(int(i))
	}
	if j >= 0 {
		e := new(keyEntry)
		e.fill(st.c, n, strings.Clone(key), nil)
		e.child = n.child(st.c, e.key, true)
		cache.slots[j].Store(e)
		return e
	}
	st.tmp.fill(st.c, n, key, st.tmpKey[:0])
	st.tmpKey = st.tmp.headStr[:0]
	return &st.tmp
}

func load32(s string, i int) uint32 {
	b := s[i : i+4]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func load64(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// victim picks the slot of the pair at i to replace: one whose entry was
// not used since the last sweep (a second chance, as in CLOCK), or none
// (-1) after clearing both marks.
func (c *keyCache) victim(i int) int {
	for j := i; j < i+2; j++ {
		if e := c.slots[j].Load(); e == nil || !e.used.Load() {
			return j
		}
	}
	for j := i; j < i+2; j++ {
		if e := c.slots[j].Load(); e != nil {
			e.used.Store(false)
		}
	}
	return -1
}

// childOf returns the node for e's key used as a group. Cached entries have
// it already; a key that missed the cache pays for a new node.
func (st *state) childOf(e *keyEntry) *groupNode {
	if e.child != nil {
		return e.child
	}
	return e.parent.child(st.c, e.key, true)
}

// appendAttrKey starts an entry with e's key.
func (st *state) appendAttrKey(e *keyEntry) {
	st.entOff = len(st.buf)
	st.buf = append(st.buf, e.head...)
	st.keyStart = st.entOff + int(e.keyAt)
	st.keyEnd = st.entOff + int(e.keyEnd)
	st.entHash = e.hash
	st.entReqKey = e.reqKey
}

// appendLibraryKey starts an entry with a key of the library's own, written
// as it is (no groups, never cut).
func (st *state) appendLibraryKey(key string) {
	st.entOff = len(st.buf)
	st.buf = append(st.buf, st.c.keyOpen...)
	st.keyStart = len(st.buf)
	st.buf = append(st.buf, key...)
	st.keyEnd = len(st.buf)
	st.buf = append(st.buf, st.c.keyClose...)
	st.entHash = keyHash(st.buf[st.keyStart:st.keyEnd])
	st.entReqKey = 0 // library keys are never request-scope keys
}
