package slogaudit

import (
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/secaudit/auditkit/internal/jsonenc"
	"github.com/secaudit/auditkit/redact"
)

// Everything the handler decides about an attribute key depends only on the
// key and the groups it sits in: the escaped dotted key, whether it is a
// library key, whether it is sensitive. Applications log with a small set of
// constant keys, so those decisions are made once and kept in a fixed-size
// cache per handler tree. The cache cannot grow with input: keys that miss
// (say, built at run time) take the same path without it.

// groupNode is a group context: the groups a handler has open (WithGroup)
// plus slog.Group keys nested below them. Nodes are immutable; their
// addresses identify the context in the key cache.
type groupNode struct {
	prefix    string   // escaped dotted prefix ("" or "a.b.")
	rawPrefix string   // the same, unescaped
	groups    []string // the group names, for ReplaceAttr
	path      redact.Path
	depth     int
}

// child returns the node for group name under n. It allocates.
func (n *groupNode) child(c *config, name string) *groupNode {
	ch := &groupNode{
		prefix:    string(jsonenc.AppendEscaped([]byte(n.prefix), name)) + ".",
		rawPrefix: n.rawPrefix + name + ".",
		groups:    append(slices.Clip(n.groups), name),
		path:      n.path,
		depth:     n.depth + 1,
	}
	if c.redacts {
		ch.path = c.redactor.Enter(n.path, name)
	}
	return ch
}

// keyEntry holds the decisions about one key in one group context.
type keyEntry struct {
	parent *groupNode
	key    string

	esc      []byte // escaped dotted key, cut to MaxStringLen
	hash     uint64 // keyHash(esc)
	lift     string // KeyEventType, KeyScopeName or KeyScopeVersion when lifted
	schema   bool   // the record's own schema_version: dropped
	userName bool   // a user.name, at any depth
	scopeBit uint8  // request-scope key bit (see scopeKeyBit)
	path     redact.Path
	child    *groupNode  // the key used as a group (nil in st.tmp until needed)
	used     atomic.Bool // hit since the last replacement sweep
}

// fill computes e for key under parent, escaping into dst.
func (e *keyEntry) fill(c *config, parent *groupNode, key string, dst []byte) {
	*e = keyEntry{parent: parent, key: key, path: parent.path}
	e.esc = appendFullKey(dst, parent, key, c.limits.MaxStringLen)
	e.hash = keyHash(e.esc)
	switch key {
	case KeyEventType, KeyScopeName, KeyScopeVersion:
		e.lift = key // recognised by the leaf key at any depth
	}
	switch string(e.esc) {
	case KeyEventType, KeyScopeName, KeyScopeVersion:
		e.lift = string(e.esc)
	case KeySchemaVersion:
		e.schema = true
	}
	e.userName = string(e.esc) == KeyUserName || isUserNameKey(e.esc)
	e.scopeBit = scopeKeyBit(e.esc)
	if c.redacts {
		e.path = c.redactor.Enter(parent.path, key)
	}
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
// compared on lookup, so a reused address can only cause a miss.
func slot(n *groupNode, key string) int {
	h := uint64(uintptr(unsafe.Pointer(unsafe.StringData(key))))*0x9E3779B97F4A7C15 ^
		uint64(len(key))*0xC2B2AE3D27D4EB4F ^ uint64(uintptr(unsafe.Pointer(n)))*0x165667B19E3779F9
	return int(h>>(64-9)) &^ 1
}

// keyFor returns the entry for key under n: from the cache, newly cached, or
// computed into st.tmp (valid until the next keyFor) when the cache is full
// there.
func (st *state) keyFor(n *groupNode, key string) *keyEntry {
	cache := &st.c.keys
	i := slot(n, key)
	for j := i; j < i+2; j++ {
		if e := cache.slots[j].Load(); e != nil && e.parent == n && e.key == key {
			if !e.used.Load() {
				e.used.Store(true)
			}
			return e
		}
	}
	// Fill an empty slot. When both are taken, replace one now and then, so
	// keys of groups that are gone (handlers made per request) give way to
	// keys in use, without allocating on every miss.
	// A xorshift step: a counter would align with the order of keys in a
	// record and always let the same key replace.
	st.misses ^= st.misses << 13
	st.misses ^= st.misses >> 17
	st.misses ^= st.misses << 5
	j := -1
	switch {
	case cache.slots[i].Load() == nil:
		j = i
	case cache.slots[i+1].Load() == nil:
		j = i + 1
	case st.misses%replaceEvery == 0:
		j = cache.victim(i)
	}
	if j >= 0 {
		e := new(keyEntry)
		e.fill(st.c, n, strings.Clone(key), nil)
		e.child = n.child(st.c, e.key)
		cache.slots[j].Store(e)
		return e
	}
	st.tmp.fill(st.c, n, key, st.tmpKey[:0])
	st.tmpKey = st.tmp.esc[:0]
	return &st.tmp
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
	return e.parent.child(st.c, e.key)
}

// appendAttrKey starts an entry with e's key.
func (st *state) appendAttrKey(e *keyEntry) {
	st.entOff = len(st.buf)
	st.buf = append(st.buf, ',', '"')
	st.keyStart = len(st.buf)
	st.buf = append(st.buf, e.esc...)
	st.keyEnd = len(st.buf)
	st.buf = append(st.buf, '"', ':')
	st.entHash = e.hash
	st.entScope = e.scopeBit
}

// appendLibraryKey starts an entry with a key of the library's own, written
// as it is (no groups, never cut).
func (st *state) appendLibraryKey(key string) {
	st.entOff = len(st.buf)
	st.buf = append(st.buf, ',', '"')
	st.keyStart = len(st.buf)
	st.buf = append(st.buf, key...)
	st.keyEnd = len(st.buf)
	st.buf = append(st.buf, '"', ':')
	st.entHash = keyHash(st.buf[st.keyStart:st.keyEnd])
	st.entScope = 0 // library keys are never request-scope keys
}
