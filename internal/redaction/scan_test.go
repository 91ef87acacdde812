package redaction

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkScan asserts that the pre-scan changes no detector's result: for
// every built-in detector, a match implies that the pre-scan names it and
// that s is at least its minimum length, and MatchValue of a Redactor with
// one detector, with the defaults and with all of them equals running the
// detectors one after the other.
func checkScan(t *testing.T, s string) {
	t.Helper()
	anyDefault, anyAll := false, false
	for name, d := range detectors {
		got := d.match(s)
		if got && len(s) < d.min {
			t.Fatalf("%s matches %q (%d bytes), below its minimum %d", name, s, len(s), d.min)
		}
		if got && d.bit != 0 && candidates(s, d.bit) == 0 {
			t.Fatalf("%s matches %q, but the pre-scan does not name it", name, s)
		}
		if got := onlyDetector[name].MatchValue(s); got != d.match(s) {
			t.Fatalf("%s alone: MatchValue(%q) = %v, the detector says %v", name, s, got, !got)
		}
		anyAll = anyAll || got
		anyDefault = anyDefault || got && d.def
	}
	if got := defaultRules.MatchValue(s); got != anyDefault {
		t.Fatalf("defaultRules.MatchValue(%q) = %v, the default detectors say %v", s, got, anyDefault)
	}
	if got := allDetectors.MatchValue(s); got != anyAll {
		t.Fatalf("all detectors: MatchValue(%q) = %v, the detectors say %v", s, got, anyAll)
	}
}

var (
	allDetectors = mustNew(Options{Detectors: DetectorNames()})
	onlyDetector = func() map[string]*Rules {
		m := map[string]*Rules{}
		for _, n := range DetectorNames() {
			m[n] = mustNew(Options{Detectors: []string{n}, ReplaceDefaultDetectors: true})
		}
		return m
	}()
)

// scanSeeds are matches of every detector, near misses and clean text.
var scanSeeds = []string{
	"", "POST", "://:p@", "://:p", "a@b", "user@example.com",
	"Bearer abcdef123456", "BEARER\tAbC-._~+/9999==", "xbearer abcdefghijk", "bearer",
	"Basic dXNlcjpwYXNzd29yZA==", "basic\tdXNlcjpwYXNzd29yZA==",
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig", "eyJx.abcd", "keyJunk.eyJx.y",
	"-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN\tPRIVATE KEY-----",
	"postgres://app:s3cret@db:5432/x", "https://user@example.com/",
	"AKIAIOSFODNN7EXAMPLE", "xAKIAIOSFODNN7EXAMPLE", "AIza" + strings.Repeat("S", 35),
	"ghp_" + strings.Repeat("a1B2", 9), "github_pat_" + strings.Repeat("A", 22),
	"glpat-" + strings.Repeat("x", 20), "xoxb-1234567890-abcdefghij", "xoxe.1234567890ab",
	"https://hooks.slack.com/services/T000/B000/XXXX",
	"sk_live_" + strings.Repeat("4", 24), "whsec_" + strings.Repeat("q", 32),
	"4111 1111 1111 1111", "http.response.client_error", "/api/acct-9/transfer",
	"3f2c9a4e-7b1d-4c8e-9f0a-1b2c3d4e5f60",
}

func TestScanMatchesDetectors(t *testing.T) {
	for _, s := range scanSeeds {
		checkScan(t, s)
	}
	// Random strings over an alphabet dense in the detectors' prefixes, so
	// that near misses and matches are frequent.
	pieces := []string{"Bearer ", "basic ", "eyJ", "-----BEGIN ", "PRIVATE KEY", "-----",
		"://", ":", "@", "/", "AKIA", "AIza", "ghp_", "github_pat_", "glpat-", "xoxb-",
		"xoxe.", "hooks.slack.com/services/T", "sk_live_", "whsec_", "AAAAAAAA",
		"abcd", "1234", "dXNlcjpw", ".", "-", "_", " ", "\t", "=", "x", "A", "J"}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	var b strings.Builder
	for range n {
		b.Reset()
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		checkScan(t, b.String())
	}
}

func FuzzMatchValue(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkScan(t, s) })
}

// mayTrigger has no false negatives: a chunk with any trigger byte, at any
// place, among any other bytes, is accepted.
func TestMayTrigger(t *testing.T) {
	fillers := []byte{'a', 0, 0x7f, 0x80, 0xff, '.', '/', 'z', '9'}
	for c := 0; c < 256; c++ {
		if scanTable[c] == 0 {
			continue
		}
		for _, f := range fillers {
			for k := 0; k < 8; k++ {
				var b [8]byte
				for i := range b {
					b[i] = f
				}
				b[k] = byte(c)
				if x := binary.LittleEndian.Uint64(b[:]); !mayTrigger(x) {
					t.Fatalf("mayTrigger(%q) = false", b)
				}
			}
		}
	}
	// Clean chunks of an audit record are rejected whole.
	for _, s := range []string{"http.res", "8bdc1a77", "/api/{ac", "count}/t", "203.0.11"} {
		if mayTrigger(binary.LittleEndian.Uint64([]byte(s))) {
			t.Errorf("mayTrigger(%q) = true", s)
		}
	}
}
