package redact

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestDefaultSensitiveKeys(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		// Required rows of the redaction issue.
		{"password1", true},
		{"passwordConfirmation", true},
		{"access_token", true},
		{"X-Api-Key", true},
		{"Authorization", true},
		{"apiKey", true},
		{"token_expiry", true},
		{"monkey", false},
		{"author", false},
		{"keyboard", false},
		{"classname", false},
		{"business_name", false},
		// Compaction: case, separators and non-ASCII letters disappear.
		{"PASSWORD", true},
		{"pass_word", true},
		{"pass-word", true},
		{"Pass Word", true},
		{"db.password", true},
		{"user.Password", true},
		{"x_csrftoken", true},
		{"X-CSRF-Token", true},
		{"api_key", true},
		{"API-KEY", true},
		{"x-api-key", true},
		{"set-cookie", true},
		{"Set-Cookie", true},
		{"cookies", true},
		{"session_id", true},
		{"sessionId", true},
		{"session.id", true},
		{"jwt", true},
		{"id_token", true},
		{"refresh_token", true},
		{"client_secret", true},
		{"clientSecret", true},
		{"private_key", true},
		{"privateKey", true},
		{"priv_key", true},
		{"aws_secret_access_key", true},
		{"aws_access_key_id", true},
		{"accessKey", true},
		{"secret_key", true},
		{"passphrase", true},
		{"credentials", true},
		{"credential_id", true},
		{"signature", true},
		{"x-hub-signature-256", true},
		{"connection_string", true},
		{"proxy-authorization", true},
		{"bearer_token", true},
		{"credit_card", true},
		{"creditCardNumber", true},
		{"card_number", true},
		{"cardNum", true},
		{"card_num", true},
		{"mfa_code", true},
		{"totp", true},
		{"totp_secret", true},
		{"recovery_codes", true},
		{"passcode", true},
		{"pwd", true},
		{"passwd", true},
		{"secretary", true}, // substring rule: documented false positive
		// Short entries must equal a whole segment.
		{"ssn", true},
		{"SSN", true},
		{"user_ssn", true},
		{"user-ssn", true},
		{"user.ssn", true},
		{"user ssn", true},
		{"userSSN", true},
		{"userSsn", true},
		{"SSNLast4", true},  // acronym then word: SSN|Last4
		{"ssn2", true},      // trailing digits ignored
		{"user:ssn", true},  // any non-alphanumeric separates
		{"hdr[ssn]", true},  // idem
		{"ssnumber", false}, // one segment
		{"usersSsnx", false},
		{"classname", false},
		{"className", false},
		{"CLASSNAME", false},
		{"business_name", false},
		{"lessons", false},
		{"otp", true},
		{"otp_code", true},
		{"otpCode", true},
		{"step2OTP", true},
		{"footprint", false},
		{"hotpot", false},
		{"pin", true},
		{"PIN", true},
		{"card_pin", true},
		{"pinCode", true},
		{"PINCode", true},
		{"ping", false},
		{"spinner", false},
		{"pinned", false},
		{"cvv", true},
		{"CVV2", true},
		{"card_cvc", true},
		{"cvc_check", true},
		{"old_pwd", true},
		{"pwdHash", true},
		{"jwtClaims", true},
		{"userpwd", false}, // one segment and "pwd" is short
		// Keys the library itself emits stay (session.id aside, which the
		// handler exempts when its scope provides it).
		{"request_id", false},
		{"event_type", false},
		{"client.address", false},
		{"network.peer.address", false},
		{"http.request.method", false},
		{"http.response.status_code", false},
		{"http.route", false},
		{"url.path", false},
		{"url.query", false},
		{"user.id", false},
		{"user.name", false},
		{"user_agent.original", false},
		{"duration_ns", false},
		{"outcome", false},
		{"error.type", false},
		{"request.body", false},
		{"changed_fields", false},
		{"code.function.name", false},
		// Edge cases.
		{"", false},
		{"___", false},
		{"пароль", false}, // non-ASCII letters compact to nothing
		{"пароль_password", true},
		{"\u212Aey_passwor\u0064", true}, // Kelvin sign lower-cases to k
		{"passworD", true},
	}
	r := Default()
	for _, tt := range tests {
		if got := r.IsSensitiveKey(tt.key); got != tt.want {
			t.Errorf("IsSensitiveKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestEnterPath(t *testing.T) {
	tests := []struct {
		path []string
		want bool
	}{
		{[]string{"api", "key"}, true}, // apikey across a group boundary
		{[]string{"db", "password"}, true},
		{[]string{"password", "anything"}, true}, // under a sensitive key
		{[]string{"credentials", "user", "name"}, true},
		{[]string{"user", "ssn"}, true},
		{[]string{"class", "name"}, false},
		{[]string{"clas", "sname"}, false}, // "ssn" is short: no match across keys
		{[]string{"pass", "word"}, true},   // long entries match across keys
		{[]string{"http", "request", "method"}, false},
		{[]string{"", "password"}, true}, // an empty (inlined) group is no segment
		{[]string{"user", ""}, false},
		{[]string{"a.b", "c.token"}, true},
	}
	r := Default()
	for _, tt := range tests {
		var p Path
		for _, k := range tt.path {
			p = r.Enter(p, k)
		}
		if p.Sensitive() != tt.want {
			t.Errorf("path %q: Sensitive() = %v, want %v", tt.path, p.Sensitive(), tt.want)
		}
		// The same path written as one dotted key agrees.
		if got := r.IsSensitiveKey(strings.Join(tt.path, ".")); got != tt.want {
			t.Errorf("IsSensitiveKey(%q) = %v, want %v", strings.Join(tt.path, "."), got, tt.want)
		}
	}
}

func TestPathZeroAndComparable(t *testing.T) {
	r := Default()
	if (Path{}).Sensitive() {
		t.Fatal("zero Path is sensitive")
	}
	if r.Enter(Path{}, "") != (Path{}) {
		t.Error("Enter with an empty key changed the root")
	}
	a := r.Enter(r.Enter(Path{}, "http"), "request")
	b := r.Enter(Path{}, "http.request")
	if a != b {
		t.Errorf("Enter(http, request) = %+v, Enter(http.request) = %+v: want equal", a, b)
	}
	s := r.Enter(Path{}, "password")
	if r.Enter(s, "x") != s {
		t.Error("entering under a sensitive path changed it")
	}
	if None().Enter(Path{}, "password").Sensitive() {
		t.Error("None() made password sensitive")
	}
}

func TestAllowlist(t *testing.T) {
	r, err := New(Options{Allowlist: []string{"credit_card_last4", "Token-Expiry"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key  string
		want bool
	}{
		{"credit_card_last4", false},
		{"creditCardLast4", false},
		{"payment.credit_card_last4", false}, // last component
		{"credit_card", true},
		{"credit_card_last4_full", true}, // exact only
		{"token_expiry", false},
		{"tokenExpiry", false},
		{"token_expiry_at", true},
		{"token", true},
	}
	for _, tt := range tests {
		if got := r.IsSensitiveKey(tt.key); got != tt.want {
			t.Errorf("IsSensitiveKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
	// Under a group, the key as given to Enter is what is allowlisted.
	p := r.Enter(r.Enter(Path{}, "payment"), "credit_card_last4")
	if p.Sensitive() {
		t.Error("payment > credit_card_last4 is sensitive")
	}
	// Matches do not span an allowlisted key, but its children are still
	// checked, and a sensitive parent is not undone.
	if r.Enter(p, "password").Sensitive() != true {
		t.Error("password under an allowlisted key is not sensitive")
	}
	if r.Enter(r.Enter(Path{}, "secret"), "token_expiry").Sensitive() != true {
		t.Error("an allowlisted key under a sensitive one is not sensitive")
	}
	// The default Redactor has no allowlist.
	if !Default().IsSensitiveKey("credit_card_last4") {
		t.Error("default redactor: credit_card_last4 not sensitive")
	}
}

func TestCustomKeys(t *testing.T) {
	r, err := New(Options{SensitiveKeys: []string{"iban", "tan", "Internal-Note"}})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{
		"iban": true, "customer_iban": true, "tan": true, "user_tan": true,
		"standard": false, "internalNote": true, "password": true, // defaults kept
	} {
		if got := r.IsSensitiveKey(key); got != want {
			t.Errorf("extended: IsSensitiveKey(%q) = %v, want %v", key, got, want)
		}
	}
	r, err = New(Options{SensitiveKeys: []string{"iban"}, ReplaceDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"iban": true, "password": false, "ssn": false} {
		if got := r.IsSensitiveKey(key); got != want {
			t.Errorf("replaced: IsSensitiveKey(%q) = %v, want %v", key, got, want)
		}
	}
	r, err = New(Options{ReplaceDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.IsSensitiveKey("password") {
		t.Error("empty denylist redacts password")
	}
}

func TestDefaultSensitiveKeysList(t *testing.T) {
	keys := DefaultSensitiveKeys()
	seed := []string{"password", "passwd", "pwd", "passcode", "secret", "token", "apikey",
		"authorization", "bearer", "jwt", "cookie", "sessionid", "csrf", "creditcard", "ssn"}
	if !slices.Equal(keys[:len(seed)], seed) {
		t.Errorf("DefaultSensitiveKeys starts with %q, want the seed list %q", keys[:len(seed)], seed)
	}
	for _, want := range []string{"privatekey", "clientsecret", "otp", "cvv", "setcookie", "xapikey",
		"signature", "refreshtoken"} {
		if !slices.Contains(keys, want) {
			t.Errorf("DefaultSensitiveKeys lacks %q", want)
		}
	}
	r := Default()
	for _, k := range keys {
		if compact(k) != k {
			t.Errorf("default entry %q is not compacted", k)
		}
		if !r.IsSensitiveKey(k) {
			t.Errorf("default entry %q is not sensitive itself", k)
		}
	}
	keys[0] = "changed"
	if DefaultSensitiveKeys()[0] != "password" {
		t.Error("DefaultSensitiveKeys returned shared storage")
	}
}

// refSensitive is a deliberately plain reference for the key rule: build the
// segments with strings, then compare. Enter must agree with it.
func refSensitive(longs, shorts []string, path []string) bool {
	full := ""
	for _, key := range path {
		full += compact(key)
		for _, seg := range refSegments(key) {
			for _, s := range shorts {
				if seg == s || strings.TrimRight(seg, "0123456789") == s {
					return true
				}
			}
		}
		for _, l := range longs {
			if strings.Contains(full, l) {
				return true
			}
		}
	}
	return false
}

func refSegments(key string) []string {
	rs := []rune(key)
	var segs []string
	start := 0
	cut := func(end int) {
		if end > start {
			segs = append(segs, compact(string(rs[start:end])))
		}
		start = end
	}
	isSep := func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) && !unicode.IsMark(c) }
	for i, c := range rs {
		switch {
		case isSep(c):
			cut(i)
			start = i + 1
		case i > 0 && unicode.IsUpper(c) && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])):
			cut(i)
		case i > 1 && unicode.IsLower(c) && unicode.IsUpper(rs[i-1]) && unicode.IsUpper(rs[i-2]):
			cut(i - 1)
		}
	}
	cut(len(rs))
	return segs
}

func TestEnterMatchesReference(t *testing.T) {
	r := Default()
	var longs, shorts []string
	for _, k := range DefaultSensitiveKeys() {
		if len(k) <= maxShort {
			shorts = append(shorts, k)
		} else {
			longs = append(longs, k)
		}
	}
	// Fragments that combine into near misses and hits.
	frags := []string{"pass", "word", "Word", "SSN", "ssn", "s", "n", "_", ".", "-", " ", "class",
		"Name", "otp", "OTP", "t", "o", "p", "2", "9", "api", "Key", "key", "tok", "en", "PIN", "pin",
		"g", "Cvv", "x", "É", "\u212A", "secret", "cook", "ie", "jwt", "J", "W", "T", "A", "a"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		var path []string
		for k := rng.IntN(3) + 1; k > 0; k-- {
			var b strings.Builder
			for n := rng.IntN(5) + 1; n > 0; n-- {
				b.WriteString(frags[rng.IntN(len(frags))])
			}
			path = append(path, b.String())
		}
		var p Path
		for _, k := range path {
			p = r.Enter(p, k)
		}
		if want := refSensitive(longs, shorts, path); p.Sensitive() != want {
			t.Fatalf("path %q: Sensitive() = %v, reference says %v", path, p.Sensitive(), want)
		}
	}
}

// FuzzEnter checks the streaming key matcher against the plain reference on
// arbitrary keys (any bytes, any runes), and that IsSensitiveKey agrees.
func FuzzEnter(f *testing.F) {
	for _, s := range []string{"password", "userSSN", "SSNLast4", "cvv2", "classname", "x-Api-Key",
		"\u212Aey", "pass\xffword", "ÉTÉpin", "a.b_c-d e", "PINCode", ""} {
		f.Add(s, "group")
	}
	r := Default()
	var longs, shorts []string
	for _, k := range DefaultSensitiveKeys() {
		if len(k) <= maxShort {
			shorts = append(shorts, k)
		} else {
			longs = append(longs, k)
		}
	}
	f.Fuzz(func(t *testing.T, key, group string) {
		p := r.Enter(r.Enter(Path{}, group), key)
		if want := refSensitive(longs, shorts, []string{group, key}); p.Sensitive() != want {
			t.Fatalf("Enter(%q, %q) = %v, reference says %v", group, key, p.Sensitive(), want)
		}
		if want := refSensitive(longs, shorts, []string{key}); r.IsSensitiveKey(key) != want {
			t.Fatalf("IsSensitiveKey(%q) = %v, reference says %v", key, !want, want)
		}
	})
}
