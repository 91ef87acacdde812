package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
)

func TestHMACVector(t *testing.T) {
	r, err := New(Options{HMACKey: []byte("salt-1")})
	if err != nil {
		t.Fatal(err)
	}
	const want = "hmac-sha256:4b9036618c22654f1edadd316544c13166c2bb72152eb14ef458f015970d6ea5"
	if got := r.Hash("my-secret-vault"); got != want {
		t.Errorf("Hash = %q, want %q", got, want)
	}
	if got := r.Mask("my-secret-vault"); got != want {
		t.Errorf("Mask = %q, want %q", got, want)
	}
	if got := string(r.rules.AppendMask([]byte("x="), "my-secret-vault")); got != "x="+want {
		t.Errorf("AppendMask = %q, want %q", got, "x="+want)
	}
	if !r.rules.HasHMAC() {
		t.Error("HasHMAC() = false")
	}
}

func TestHashLongAndConcurrent(t *testing.T) {
	key := []byte("k")
	r, err := New(Options{HMACKey: key})
	if err != nil {
		t.Fatal(err)
	}
	// Longer than the scratch buffer, and from many goroutines at once, so
	// the pooled state is exercised.
	inputs := []string{"", "a", strings.Repeat("x", 1000), strings.Repeat("secret", 50)}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				s := inputs[i%len(inputs)]
				m := hmac.New(sha256.New, key)
				m.Write([]byte(s))
				want := HashPrefix + hex.EncodeToString(m.Sum(nil))
				if got := r.Hash(s); got != want {
					t.Errorf("Hash(%d bytes) = %q, want %q", len(s), got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestMaskWithoutKey(t *testing.T) {
	r := Default()
	if r.rules.HasHMAC() {
		t.Error("Default().rules.HasHMAC() = true")
	}
	if got := r.Mask("hunter2"); got != Marker {
		t.Errorf("Mask = %q, want %q", got, Marker)
	}
	if got := r.Hash("hunter2"); got != Marker {
		t.Errorf("Hash without key = %q, want %q", got, Marker)
	}
	if got := string(r.rules.AppendMask(nil, "hunter2")); got != Marker {
		t.Errorf("AppendMask = %q", got)
	}
	// The marker is never hashed, so a Secret stays recognisable.
	h, _ := New(Options{HMACKey: []byte("k")})
	if got := h.Mask(Marker); got != Marker {
		t.Errorf("Mask(Marker) with HMAC = %q, want %q", got, Marker)
	}
}

func TestHMACKeyIsCopied(t *testing.T) {
	key := []byte("salt-1")
	r, _ := New(Options{HMACKey: key})
	key[0] = 'X'
	if got := r.Hash("my-secret-vault"); !strings.HasSuffix(got, "4b9036618c22654f1edadd316544c13166c2bb72152eb14ef458f015970d6ea5") {
		t.Errorf("changing the caller's key slice changed the Redactor: %q", got)
	}
}

func TestNone(t *testing.T) {
	r := None()
	if r.rules.Redacts() {
		t.Error("None().rules.Redacts() = true")
	}
	if !Default().rules.Redacts() {
		t.Error("Default().rules.Redacts() = false")
	}
	if r.IsSensitiveKey("password") || r.rules.MatchValue("Bearer abcdefghijkl") || r.rules.HasValueRules() {
		t.Error("None redacts something")
	}
	if v := r.Value("password", "x"); v != "x" {
		t.Errorf("None().Value = %v", v)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"bad pattern", Options{ValuePatterns: []string{`ok`, `(unclosed`}},
			`redact: invalid value pattern "(unclosed": error parsing regexp`},
		{"unknown detector", Options{Detectors: []string{"jwt", "pgp"}},
			`redact: unknown detector "pgp" (known: ["aws-access-key-id"`},
		{"empty key", Options{SensitiveKeys: []string{"--"}},
			`redact: sensitive key "--" has no letters or digits`},
		{"empty allow", Options{Allowlist: []string{" "}},
			`redact: allowlist entry " " has no letters or digits`},
		// A pattern that matches "" matches every string.
		{"stray alternative", Options{ValuePatterns: []string{`(?i)secret|`}},
			`redact: value pattern "(?i)secret|" matches the empty string, so it would redact every value`},
		{"optional group", Options{ValuePatterns: []string{`^acct-\d+$`, `(token)?`}},
			`redact: value pattern "(token)?" matches the empty string`},
		{"star", Options{ValuePatterns: []string{`x*`}}, `redact: value pattern "x*" matches the empty string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.opts)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("New() = %v, %v; want error starting %q", r, err, tt.want)
			}
		})
	}
}

func TestValuePatterns(t *testing.T) {
	r, err := New(Options{ValuePatterns: []string{`(?i)^acct-\d+$`, `\bsecret-[a-z]+\b`}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.rules.HasValueRules() {
		t.Fatal("HasValueRules() = false")
	}
	for s, want := range map[string]bool{
		"ACCT-42": true, "acct-42x": false, "my secret-sauce here": true, "secretsauce": false, "": false,
	} {
		if got := r.rules.MatchValue(s); got != want {
			t.Errorf("MatchValue(%q) = %v, want %v", s, got, want)
		}
	}
	if Default().rules.MatchValue("secret-sauce") {
		t.Error("the default Redactor has value patterns")
	}
	if off := mustNew(Options{ReplaceDefaultDetectors: true}); off.rules.HasValueRules() || off.rules.MatchValue("Bearer abcdefghijkl") {
		t.Error("ReplaceDefaultDetectors with no Detectors still has value rules")
	}
	// The HMAC key has no minimum length (a six-byte key such as "salt-1" is
	// accepted); the documentation advises 16 random bytes or more.
	if _, err := New(Options{HMACKey: []byte("k")}); err != nil {
		t.Errorf("New with a one-byte HMAC key: %v", err)
	}
}
