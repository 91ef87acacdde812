package httpaudit

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/internal/redaction"

	"github.com/secaudit/auditkit/internal/leaktest"
	"github.com/secaudit/auditkit/redact"
)

// The query property: whatever way a secret rides in a parameter name
// (internal/leaktest.Query builds them) or value, url.query never shows it.
// The control shows that the names, logged naively, do.
func checkQueryNoLeak(t *testing.T, ops []byte, raw string) {
	t.Helper()
	r, err := redact.New(redact.Options{ValuePatterns: []string{`zq[0-9A-Za-z]{6,}`}})
	if err != nil {
		t.Fatal(err)
	}
	q, secret := leaktest.Query(ops, raw)
	if got := redactedQuery(q, redaction.Of(r)); strings.Contains(got, secret) {
		t.Fatalf("url.query leaked %q (ops %v):\n%s\nfrom %s", secret, ops, got, q)
	}
	if len(ops) > 0 && !slices.ContainsFunc(leaktest.Names(q), func(n string) bool { return strings.Contains(n, secret) }) {
		t.Fatalf("control: the names of %s do not show %q", q, secret)
	}
}

func FuzzQueryNoLeak(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7}, "hunter2")
	f.Add([]byte{7}, "s3cr3t")
	f.Fuzz(checkQueryNoLeak)
}

func TestQueryNoLeakProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		ops := make([]byte, rng.IntN(6))
		for j := range ops {
			ops[j] = byte(rng.IntN(256))
		}
		checkQueryNoLeak(t, ops, fmt.Sprintf("%x", rng.Uint64()))
	}
}
