package redaction

import (
	"strings"
	"testing"
)

// Keys a handler sees for typical audit records: library keys (kept) and a
// few sensitive ones.
var benchKeys = []string{"http.request.method", "user_agent.original", "request_id",
	"password", "X-Api-Key", "user.id", "passwordConfirmation", "classname"}

func BenchmarkIsSensitiveKey(b *testing.B) {
	r := defaultRules
	for _, k := range []string{"user_agent.original", "password", "classname", "x_csrftoken"} {
		b.Run(k, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sinkBool = r.IsSensitiveKey(k)
			}
		})
	}
}

// BenchmarkIsSensitiveKeyNaive is the straightforward way (compact the key
// into a new string, then strings.Contains per entry), for comparison.
func BenchmarkIsSensitiveKeyNaive(b *testing.B) {
	entries := DefaultSensitiveKeys()
	for _, k := range []string{"user_agent.original", "password"} {
		b.Run(k, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c := compact(k)
				hit := false
				for _, e := range entries {
					if strings.Contains(c, e) {
						hit = true
						break
					}
				}
				sinkBool = hit
			}
		})
	}
}

func BenchmarkEnter(b *testing.B) {
	r := defaultRules
	b.Run("group+key", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			p := r.Enter(Path{}, "http")
			sinkBool = r.Enter(p, "method").Sensitive()
		}
	})
	b.Run("mixed", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sinkBool = r.Enter(Path{}, benchKeys[i%len(benchKeys)]).Sensitive()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				_ = r.Enter(Path{}, benchKeys[i%len(benchKeys)]).Sensitive()
				i++
			}
		})
	})
}

func BenchmarkMatchValue(b *testing.B) {
	const s = "GET /api/v1/accounts/42/transfer?page=2 from 203.0.113.10 agent Mozilla/5.0"
	none, _ := newRules(Options{ReplaceDefaultDetectors: true})
	all, _ := newRules(Options{Detectors: DetectorNames()})
	re, _ := newRules(Options{ValuePatterns: []string{`(?i)bearer\s+\S{8,}`}, ReplaceDefaultDetectors: true})
	for _, c := range []struct {
		name string
		r    *Rules
	}{{"no-rules", none}, {"default", defaultRules}, {"all-detectors", all}, {"one-regexp", re}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(s)))
			for i := 0; i < b.N; i++ {
				sinkBool = c.r.MatchValue(s)
			}
		})
	}
}

func BenchmarkAppendMask(b *testing.B) {
	r, _ := newRules(Options{HMACKey: []byte("salt-1")})
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = r.AppendMask(buf[:0], "my-secret-vault")
	}
}

// cleanAuditStrings are typical string values of audit records, none of them
// a secret: what every default detector must reject, cheaply.
var cleanAuditStrings = []string{
	"POST",
	"GET",
	"42",
	"https",
	"success",
	"/api/v1/accounts/42/transfer",
	"/api/{account}/transfer",
	"http.response.client_error",
	"8bdc1a77fb744594ad67a59004a4a42b",
	"3f2c9a4e-7b1d-4c8e-9f0a-1b2c3d4e5f60",
	"203.0.113.10",
	"2001:db8::1",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"alice@example.com",
	"github.com/secaudit/auditkit/httpaudit",
	"connection refused: dial tcp 10.0.0.3:5432",
}

// defaultDetectorNames is the default detector set spelled out, so that the
// benchmark measures the same work before and after DefaultDetectors.
var defaultDetectorNames = []string{DetectorBearer, DetectorBasic, DetectorJWT,
	DetectorPrivateKey, DetectorURLCredentials, DetectorAWSAccessKeyID,
	DetectorGitHubToken, DetectorGitLabToken, DetectorSlackToken,
	DetectorGoogleAPIKey, DetectorStripeKey}

// BenchmarkMatchValueClean is MatchValue with the default detectors on
// clean audit strings: the cost every string of every record pays.
func BenchmarkMatchValueClean(b *testing.B) {
	r, err := newRules(Options{Detectors: defaultDetectorNames, ReplaceDefaultDetectors: true})
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, s := range cleanAuditStrings {
		total += len(s)
	}
	b.Run("all-strings", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(total))
		for b.Loop() {
			for _, s := range cleanAuditStrings {
				sinkBool = r.MatchValue(s)
			}
		}
	})
	for _, c := range []struct{ name, s string }{
		{"method", "POST"},
		{"path", "/api/v1/accounts/42/transfer"},
		{"uuid", "3f2c9a4e-7b1d-4c8e-9f0a-1b2c3d4e5f60"},
		{"user-agent", cleanAuditStrings[12]},
		{"ipv4", "203.0.113.10"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkBool = r.MatchValue(c.s)
			}
		})
	}
}

// recordStrings are the string values of slogaudit's benchmark record
// (slogaudit/handler_bench_test.go), message first: what one Handle call
// hands to MatchValue.
var recordStrings = []string{"http.response", "http.response.client_error",
	"8bdc1a77fb744594ad67a59004a4a42b", "POST", "/api/{account}/transfer",
	"/api/acct-9/transfer", "42"}

// BenchmarkMatchValueRecord is MatchValue's share of one Handle call of the
// benchmark record, with the default detectors and with none.
func BenchmarkMatchValueRecord(b *testing.B) {
	off, _ := newRules(Options{ReplaceDefaultDetectors: true})
	for _, c := range []struct {
		name string
		r    *Rules
	}{{"default", defaultRules}, {"no-detectors", off}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range recordStrings {
					sinkBool = c.r.MatchValue(s)
				}
			}
		})
	}
}
