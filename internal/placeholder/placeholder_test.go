package placeholder

import (
	"encoding/json"
	"testing"
)

// The placeholders are written by JSON encoders without escaping and are
// distinct, so a reader can tell which failure happened.
func TestPlaceholders(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range []string{Panic, Error, InvalidJSON} {
		if seen[p] {
			t.Errorf("duplicate placeholder %q", p)
		}
		seen[p] = true
		b, err := json.Marshal(p)
		if err != nil || string(b) != `"`+p+`"` {
			t.Errorf("json.Marshal(%q) = %s, %v: needs escaping", p, b, err)
		}
	}
}
