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
