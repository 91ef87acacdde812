package sessionid

import (
	"bytes"
	"regexp"
	"testing"
)

// TestKey: without a configured key the process key is used: random (not
// empty, not zero), the same on every call.
func TestKey(t *testing.T) {
	k := Key(nil)
	if len(k) != 32 || bytes.Equal(k, make([]byte, 32)) {
		t.Fatalf("process key %x", k)
	}
	if !bytes.Equal(Key(nil), k) || !bytes.Equal(Key([]byte{}), k) {
		t.Error("process key not stable")
	}
	own := []byte("0123456789abcdef")
	if !bytes.Equal(Key(own), own) {
		t.Error("configured key not used")
	}
	h := Hash(k, "tok")
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(h) || h != Hash(Key(nil), "tok") || h == Hash(own, "tok") {
		t.Errorf("hash %q", h)
	}
}
