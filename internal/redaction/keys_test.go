package redaction

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
		{"passworD", true},
		// Runes that case-fold to ASCII count as that letter, as in
		// encoding/json, which accepts "paſſword" for a "password" field.
		{"api\u212Aey", true},      // Kelvin sign: apikey
		{"private_\u212Aey", true}, // privatekey
		{"\u212Aeyboard", false},   // keyboard stays a keyboard
		{"paſſword", true},         // long s
		{"PAſſWORD", true},         // long s among capitals
		{"ſecret", true},           // secret
		{"user_ſſn", true},         // short entry, whole segment
		{"claſſname", false},       // still one segment
		{"paſſ", true},             // word entry, whole segment
		{"paſſport", false},        // still one segment
		{"p\u0430ssword", false},   // Cyrillic а does not fold to a
		{"ｐａｓｓｗｏｒｄ", false},        // full-width letters do not fold
		{"\u0130N", false},         // İN is "in"
		{"P\u0130N", true},         // Turkish capital of "pin"
		// Entries added after review.
		{"pass", true},
		{"PASS", true},
		{"user_pass", true},
		{"userPass", true},
		{"DB_PASS", true},
		{"smtp-pass", true},
		{"pass2", true},
		{"PASSWord", true}, // acronym then word: PASS|Word (and "password")
		{"passport", false},
		{"passportNumber", false},
		{"compass", false},
		{"compass_heading", false},
		{"bypass", false},
		{"bypass_cache", false},
		{"passenger", false},
		{"password_policy", true}, // "password" matches anywhere: allowlist it if needed
		{"pw", true},
		{"user_pw", true},
		{"pwHash", true},
		{"pwned", false},
		{"dsn", true},
		{"sentry_dsn", true},
		{"DATABASE_DSN", true},
		{"database_url", true},
		{"databaseURL", true},
		{"otpcode", true},
		{"otp_code", true},
		{"cvvcode", true},
		{"auth_code", true},
		{"authCode", true},
		{"oauth_code", true},
		{"signing_key", true},
		{"encryption_key", true},
		{"master_key", true},
		{"hmac_key", true},
		{"SAMLResponse", true},
		{"saml_response", true},
		{"client_assertion", true},
		{"client_assertion_type", true}, // over-redacted, like token_expiry
		{"mnemonic", true},
		{"seed_phrase", true},
		{"author", false},
		{"code", false},
	}
	r := defaultRules
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
	r := defaultRules
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
	r := defaultRules
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
	if noneRules.Enter(Path{}, "password").Sensitive() {
		t.Error("noneRules made password sensitive")
	}
}

func TestAllowlist(t *testing.T) {
	r, err := newRules(Options{Allowlist: []string{"credit_card_last4", "Token-Expiry"}})
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
	if !defaultRules.IsSensitiveKey("credit_card_last4") {
		t.Error("default redactor: credit_card_last4 not sensitive")
	}
}

func TestCustomKeys(t *testing.T) {
	r, err := newRules(Options{SensitiveKeys: []string{"iban", "tan", "Internal-Note"}})
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
	r, err = newRules(Options{SensitiveKeys: []string{"iban"}, ReplaceDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"iban": true, "password": false, "ssn": false} {
		if got := r.IsSensitiveKey(key); got != want {
			t.Errorf("replaced: IsSensitiveKey(%q) = %v, want %v", key, got, want)
		}
	}
	r, err = newRules(Options{ReplaceDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.IsSensitiveKey("password") {
		t.Error("empty denylist redacts password")
	}
	// A copy of the defaults handed back behaves as the defaults: "pass"
	// stays a whole-segment entry, and a user's "Pass" is the same entry.
	for _, keys := range [][]string{DefaultSensitiveKeys(), {"Pass"}} {
		r, err = newRules(Options{SensitiveKeys: keys, ReplaceDefaults: true})
		if err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]bool{"user_pass": true, "passport": false, "bypass": false} {
			if got := r.IsSensitiveKey(key); got != want {
				t.Errorf("SensitiveKeys %q: IsSensitiveKey(%q) = %v, want %v", keys, key, got, want)
			}
		}
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
	r := defaultRules
	for _, k := range keys {
		if compact(k) != k {
			t.Errorf("default entry %q is not compacted", k)
		}
		if !r.IsSensitiveKey(k) {
			t.Errorf("default entry %q is not sensitive itself", k)
		}
	}
	for _, w := range wordEntries {
		if len(w) != maxWord || compact(w) != w || !slices.Contains(keys, w) {
			t.Errorf("word entry %q: want a compacted default entry of %d bytes", w, maxWord)
		}
	}
	keys[0] = "changed"
	if DefaultSensitiveKeys()[0] != "password" {
		t.Error("DefaultSensitiveKeys returned shared storage")
	}
}

// refCompact is compact written independently: a rune is kept as the ASCII
// letter or digit that it lower-cases to or that strings.EqualFold equates it
// with.
func refCompact(s string) string {
	const keep = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b strings.Builder
	for _, c := range s {
		if l := strings.ToLower(string(c)); len(l) == 1 && strings.Contains(keep, l) {
			b.WriteString(l)
			continue
		}
		for _, k := range keep {
			if strings.EqualFold(string(c), string(k)) {
				b.WriteRune(k)
				break
			}
		}
	}
	return b.String()
}

// refSplit sorts denylist entries as the package documentation describes:
// three characters or fewer, and "pass", must equal a whole segment.
func refSplit(entries []string) (longs, shorts []string) {
	for _, k := range entries {
		if len(k) <= 3 || k == "pass" {
			shorts = append(shorts, k)
		} else {
			longs = append(longs, k)
		}
	}
	return longs, shorts
}

// refSensitive is a deliberately plain reference for the key rule: build the
// segments with strings, then compare. Enter must agree with it.
func refSensitive(longs, shorts []string, path []string) bool {
	full := ""
	for _, key := range path {
		full += refCompact(key)
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
			segs = append(segs, refCompact(string(rs[start:end])))
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
	r := defaultRules
	longs, shorts := refSplit(DefaultSensitiveKeys())
	// Fragments that combine into near misses and hits.
	frags := []string{"pass", "word", "Word", "SSN", "ssn", "s", "n", "_", ".", "-", " ", "class",
		"Name", "otp", "OTP", "t", "o", "p", "2", "9", "api", "Key", "key", "tok", "en", "PIN", "pin",
		"g", "Cvv", "x", "É", "\u212A", "secret", "cook", "ie", "jwt", "J", "W", "T", "A", "a",
		"ſ", "S", "PASS", "Pass", "port", "com", "by", "pw", "PW", "d", "\u0130", "ｓ", "dsn"}
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
		"\u212Aey", "pass\xffword", "ÉTÉpin", "a.b_c-d e", "PINCode", "", "paſſword", "user_ſſn",
		"PASSWord", "compass", "pass2", "P\u0130N"} {
		f.Add(s, "group")
	}
	r := defaultRules
	longs, shorts := refSplit(DefaultSensitiveKeys())
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
