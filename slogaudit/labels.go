package slogaudit

import (
	"sync/atomic"
)

// Event types are labels from a small set of constants, yet the value rules
// must see them (an application can pass a token as one), and the pre-scan
// does not clear them: "client_error" holds a '_', where a GitHub or Stripe
// key could start. labelCache remembers labels that the rules cleared, so
// each is scanned once per handler tree, not once per record: 480
// instructions of the benchmark record's 6 755 (valgrind). The cache is
// fixed in size and keyed like the key cache (encode_keys.go), so input
// cannot grow it, and a label that misses takes the full check.

// labelSlots is the number of cached labels.
const labelSlots = 64

type labelCache struct {
	slots [labelSlots]atomic.Pointer[string]
}

// labelSlot hashes a label as the key cache hashes a key (slot): by its
// address and length, which constant strings keep. Contents are compared
// on lookup.
func labelSlot(s string) int { return int(slot(nil, s)/2) % labelSlots }

// clean reports whether s is a label the value rules cleared before.
func (lc *labelCache) clean(s string) bool {
	p := lc.slots[labelSlot(s)].Load()
	return p != nil && *p == s
}

// add records that the value rules cleared s. It fills an empty slot, and
// replaces a taken one on one miss in replaceEvery, so a stream of
// distinct labels allocates now and then rather than on every record.
func (lc *labelCache) add(s string, misses uint32) {
	p := &lc.slots[labelSlot(s)]
	if p.Load() != nil && misses%replaceEvery != 0 {
		return
	}
	c := string(append([]byte(nil), s...)) // the caller's string may be reused
	p.Store(&c)
}
