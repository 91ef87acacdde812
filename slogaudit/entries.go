package slogaudit

import "slices"

// The entry table: every attribute is encoded as an entry `,"key":value` in
// state.buf, recorded in state.ents, so that a later attribute with the same
// key replaces an earlier one without a map.

// An attribute is encoded as an entry `,"key":value` in state.buf. The
// entry table lets a later attribute with the same key replace an earlier
// one (record > With > request scope) without a map: keys are compared by
// hash, then bytes, and the earlier span is cut out of buf (rare).
type entry struct {
	hash     uint64
	off, end int32     // span in buf, starting at the comma
	keyEnd   int32     // index of the key's closing quote
	app      bool      // counts against MaxAttrs
	reqKey   reqKeySet // the request key this entry is named after
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

// isUserNameKey reports whether an escaped dotted key ends in user.name.
func isUserNameKey(kb []byte) bool {
	const suffix = "." + KeyUserName
	n := len(kb)
	return n > len(suffix) && kb[n-1] == 'e' && string(kb[n-len(suffix):]) == suffix
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
	at := int32(len(st.c.keyOpen))
	for i := range st.ents {
		e := &st.ents[i]
		if e.hash == st.entHash && string(st.buf[e.off+at:e.keyEnd]) == string(key) {
			return i
		}
	}
	return -1
}

// commit closes the entry just written (OTLP: its KeyValue) and records
// it, replacing its duplicate.
func (st *state) commit(app bool) {
	if st.otlp {
		st.buf = append(st.buf, '}')
	}
	st.commitEntry(app)
}

// commitEntry records the complete entry just written.
func (st *state) commitEntry(app bool) {
	e := entry{
		hash:   st.entHash,
		off:    int32(st.entOff),
		keyEnd: int32(st.keyEnd),
		end:    int32(len(st.buf)),
		app:    app,
		reqKey: st.entReqKey,
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
