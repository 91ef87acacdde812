package redaction

import (
	"slices"
	"testing"
)

func TestDetectors(t *testing.T) {
	// Fake credentials in the documented formats (none of them is real).
	tests := []struct {
		detector string
		s        string
		want     bool
	}{
		{DetectorBearer, "Bearer abcdef123456", true},
		{DetectorBearer, "authorization: bearer eyJhbGciOi.x.y", true},
		{DetectorBearer, "BEARER\tAbC-._~+/9999==", true},
		{DetectorBearer, "Bearer short", false},
		{DetectorBearer, `Bearer realm="api"`, false},
		{DetectorBearer, "bearerabcdefghijkl", false},
		{DetectorBearer, "the bearer of bad news", false},
		{DetectorBearer, "", false},
		{DetectorBasic, "Basic dXNlcjpwYXNzd29yZA==", true}, // user:password
		{DetectorBasic, "auth=basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", true},
		{DetectorBasic, "Basic aGVsbG8gd29ybGQ=", false}, // "hello world": no colon
		{DetectorBasic, "basic functionality", false},
		{DetectorJWT, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk", true},
		{DetectorJWT, "token=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", true},
		{DetectorJWT, "eyJhbGciOiJIUzI1NiJ9", false}, // a header alone
		{DetectorJWT, "keyJunk.eyJx.y", false},
		// Red team 2 (B4): a percent escape before the header is a boundary.
		{DetectorJWT, "s%3AeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk", true},
		{DetectorJWT, "Bearer%20eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk", true},
		{DetectorJWT, "sid=s%3aeyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", true},
		{DetectorJWT, "a%3ZeyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", false}, // not an escape
		{DetectorJWT, "%3eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", false},   // "%3e" then "yJ…"
		{DetectorCardNumber, "4111111111111111", true},
		{DetectorCardNumber, "card 4111 1111 1111 1111 exp 12/29", true},
		{DetectorCardNumber, "4111-1111-1111-1111", true},
		{DetectorCardNumber, "378282246310005", true},       // Amex
		{DetectorCardNumber, "3782 822463 10005", true},     // Amex grouping
		{DetectorCardNumber, "5555555555554444", true},      // Mastercard
		{DetectorCardNumber, "2223003122003222", true},      // Mastercard 2-series
		{DetectorCardNumber, "6011111111111117", true},      // Discover
		{DetectorCardNumber, "4111111111111112", false},     // Luhn fails
		{DetectorCardNumber, "411111111111", false},         // too short
		{DetectorCardNumber, "41111111111111111111", false}, // too long
		{DetectorCardNumber, "9111111111111119", false},     // no brand starts with 9
		{DetectorCardNumber, "41111-11111-111111", false},   // not a card grouping
		{DetectorCardNumber, "2024-01-15 2024-01-16", false},
		{DetectorCardNumber, "id4111111111111111", false},
		{DetectorCardNumber, "4111111111111111x", false},
		{DetectorPrivateKey, "-----BEGIN RSA PRIVATE KEY-----\nMIIE...", true},
		{DetectorPrivateKey, "-----BEGIN PRIVATE KEY-----", true},
		{DetectorPrivateKey, "-----BEGIN OPENSSH PRIVATE KEY-----", true},
		{DetectorPrivateKey, "-----BEGIN ENCRYPTED PRIVATE KEY-----", true},
		{DetectorPrivateKey, "-----BEGIN PGP PRIVATE KEY BLOCK-----", true},
		{DetectorPrivateKey, "-----BEGIN PUBLIC KEY-----", false},
		{DetectorPrivateKey, "-----BEGIN CERTIFICATE-----", false},
		{DetectorURLCredentials, "postgres://app:s3cret@db:5432/x", true},
		{DetectorURLCredentials, "dial https://u:p@example.com failed", true},
		{DetectorURLCredentials, "https://user@example.com/", false},
		{DetectorURLCredentials, "https://example.com/a:b@c", false},
		{DetectorURLCredentials, "http://host:8080/", false},
		{DetectorAWSAccessKeyID, "AKIAIOSFODNN7EXAMPLE", true},
		{DetectorAWSAccessKeyID, "key=ASIAIOSFODNN7EXAMPL1,", true},
		{DetectorAWSAccessKeyID, "AKIAIOSFODNN7EXAMPLEX", false}, // 17 characters
		{DetectorAWSAccessKeyID, "XAKIAIOSFODNN7EXAMPLE", false},
		{DetectorGitHubToken, "ghp_" + repeat("a1B2", 9), true},
		{DetectorGitHubToken, "gho_" + repeat("Z", 36), true},
		{DetectorGitHubToken, "github_pat_" + repeat("A", 22) + "_" + repeat("b", 59), true},
		{DetectorGitHubToken, "ghp_tooShort", false},
		{DetectorGitLabToken, "glpat-" + repeat("x", 20), true},
		{DetectorGitLabToken, "glpat-short", false},
		{DetectorSlackToken, "xoxb-1234567890-abcdefghij", true},
		{DetectorSlackToken, "xapp-1-A0123456789-abc", true},
		{DetectorSlackToken, "https://hooks.slack.com/services/T000/B000/XXXX", true},
		{DetectorSlackToken, "xoxb-", false},
		{DetectorGoogleAPIKey, "AIza" + repeat("S", 35), true},
		{DetectorGoogleAPIKey, "AIza" + repeat("S", 34), false},
		{DetectorStripeKey, "sk_live_" + repeat("4", 24), true},
		{DetectorStripeKey, "rk_test_" + repeat("q", 24), true},
		{DetectorStripeKey, "whsec_" + repeat("q", 32), true},
		{DetectorStripeKey, "pk_live_" + repeat("4", 24), false}, // publishable
	}
	for _, tt := range tests {
		r, err := newRules(Options{Detectors: []string{tt.detector}, ReplaceDefaultDetectors: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.MatchValue(tt.s); got != tt.want {
			t.Errorf("%s: MatchValue(%q) = %v, want %v", tt.detector, tt.s, got, tt.want)
		}
	}
}

func repeat(s string, n int) string {
	out := ""
	for ; n > 0; n-- {
		out += s
	}
	return out
}

func TestAllDetectorsKeepOrdinaryText(t *testing.T) {
	r, err := newRules(Options{Detectors: DetectorNames()})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"", "hello", "GET /api/v1/users/42", "user 42 logged in from 203.0.113.10",
		"2026-11-27T09:18:41Z", "8bdc1a77fb744594ad67a59004a4a42b", "order 1234567890",
		"https://example.com/path?q=1", "Mozilla/5.0 (X11; Linux x86_64)", "basic plan",
		"the token expired", "-----BEGIN CERTIFICATE-----",
	} {
		if r.MatchValue(s) {
			t.Errorf("MatchValue(%q) = true with all detectors", s)
		}
	}
}

func TestDetectorNames(t *testing.T) {
	names := DetectorNames()
	want := []string{DetectorAWSAccessKeyID, DetectorBasic, DetectorBearer, DetectorCardNumber,
		DetectorGitHubToken, DetectorGitLabToken, DetectorGoogleAPIKey, DetectorJWT,
		DetectorPrivateKey, DetectorSlackToken, DetectorStripeKey, DetectorURLCredentials}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("DetectorNames() = %q, want %q", names, want)
	}
}

func TestLuhn(t *testing.T) {
	digits := func(s string) []byte {
		var ds []byte
		for i := 0; i < len(s); i++ {
			ds = append(ds, s[i]-'0')
		}
		return ds
	}
	for s, want := range map[string]bool{
		"4111111111111111": true, "79927398713": true, "0": true, "18": true,
		"4111111111111112": false, "79927398710": false, "1": false, "": false,
	} {
		if got := luhn(digits(s)); got != want {
			t.Errorf("luhn(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestDetectorsOnce: a default detector named again is not run twice, and a
// slow one named twice is added once.
func TestDetectorsOnce(t *testing.T) {
	twice := mustNew(Options{Detectors: []string{DetectorBearer, DetectorCardNumber, DetectorCardNumber}})
	if len(twice.detectors) != 1 {
		t.Errorf("%d slow detectors, want 1", len(twice.detectors))
	}
	if twice.fast != defaultRules.fast {
		t.Errorf("fast = %b, want the defaults' %b", twice.fast, defaultRules.fast)
	}
}
