// Package sessionid derives the session.id that httpaudit and grpcaudit
// write: a keyed hash of the session identifier, never the identifier
// itself, since a session id is a bearer credential.
package sessionid

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"sync/atomic"
)

// processKey is the HMAC key used when the application configured none:
// random, made once per process, never written anywhere.
var processKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (Go 1.24+)
	return k
})

// Key returns key, or when key is empty the per-process random key: ids
// hashed with it are stable within the process only, not comparable across
// instances or restarts.
func Key(key []byte) []byte {
	if len(key) > 0 {
		return key
	}
	return processKey()
}

// Hash is the first 16 bytes of HMAC-SHA256(key, value) in lower-case hex:
// stable for one value and key, useless for recovering the value.
func Hash(key []byte, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(value))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0])[:16])
}

// Of is the session.id of an id a hook returned (or SetSession was given):
// its keyed hash with key, else with the process's key; "" stays "".
func Of(key []byte, id string) string {
	if id == "" {
		return ""
	}
	return Hash(Key(key), id)
}

// Memo computes a request's session id at most once. The hook that computes
// it may log with the request's own context, and so ask for the id while it
// runs: it gets "" then, instead of waiting on itself (a sync.Once would
// deadlock). A panic in the hook leaves "". Safe for concurrent use.
type Memo struct {
	state atomic.Uint32 // 0 not computed, 1 running, 2 done
	id    string
}

// Get returns the id, calling compute the first time.
func (m *Memo) Get(compute func() string) string {
	switch m.state.Load() {
	case 2:
		return m.id
	case 1:
		return "" // the hook is running: it logged with its request's context
	}
	if !m.state.CompareAndSwap(0, 1) {
		if m.state.Load() == 2 { // another goroutine of the request ran it
			return m.id
		}
		return ""
	}
	defer func() {
		if recover() != nil {
			m.id = ""
		}
		m.state.Store(2)
	}()
	m.id = compute()
	return m.id
}
