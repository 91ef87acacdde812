package redaction

import (
	"slices"
	"strings"
)

// Names of the built-in value detectors, documented where users meet them:
// package redact's constants (redact.DetectorBearer, ...) are these.
// The default ones share one pre-scan of the string (see scan.go).
const (
	DetectorBearer         = "bearer"
	DetectorBasic          = "basic"
	DetectorJWT            = "jwt"
	DetectorCardNumber     = "card-number"
	DetectorPrivateKey     = "private-key"
	DetectorURLCredentials = "url-credentials"
	DetectorAWSAccessKeyID = "aws-access-key-id"
	DetectorGitHubToken    = "github-token"
	DetectorGitLabToken    = "gitlab-token"
	DetectorSlackToken     = "slack-token"
	DetectorGoogleAPIKey   = "google-api-key"
	DetectorStripeKey      = "stripe-key"
)

// detector is a built-in value detector.
type detector struct {
	match func(string) bool
	// bit is the detector's bit in the shared pre-scan (see candidates), or
	// 0 if it has none and runs on every string.
	bit uint16
	// min is the length of the shortest string it can match; the pre-scan
	// skips shorter ones. FuzzMatchValue checks both against match.
	min int
	// def: on in DefaultDetectors.
	def bool
}

var detectors = map[string]detector{
	// "bearer" + a space + 8 token68 characters.
	DetectorBearer: {detectBearer, bitBearer, 15, true},
	// "basic" + a space + 8 base64 characters.
	DetectorBasic: {detectBasic, bitBasic, 14, true},
	// "eyJ?.????": two segments of four characters at least.
	DetectorJWT: {detectJWT, bitJWT, 9, true},
	// Luhn passes for one string of digits in ten: opt-in.
	DetectorCardNumber: {detectCardNumber, 0, 13, false},
	// "-----BEGIN " + "PRIVATE KEY" + "-----".
	DetectorPrivateKey: {detectPrivateKey, bitPrivateKey, 27, true},
	// "://:p@".
	DetectorURLCredentials: {detectURLCredentials, bitURLCredentials, 6, true},
	DetectorAWSAccessKeyID: {prefixed(isUpperDigit, 16, 16, "AKIA", "ASIA", "ABIA", "ACCA"),
		bitAWS, 4 + 16, true},
	DetectorGitHubToken: {anyOf(
		prefixed(isAlnum, 36, 255, "ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
		prefixed(isWord, 22, 255, "github_pat_")), bitGitHub, len("github_pat_") + 22, true},
	DetectorGitLabToken: {prefixed(isURLSafe, 20, 255, "glpat-"), bitGitLab, 6 + 20, true},
	DetectorSlackToken: {anyOf(
		prefixed(isSlack, 10, 255, "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xoxe.", "xapp-"),
		func(s string) bool { return strings.Contains(s, slackWebhook) }), bitSlack, 5 + 10, true},
	DetectorGoogleAPIKey: {prefixed(isURLSafe, 35, 35, "AIza"), bitGoogle, 4 + 35, true},
	DetectorStripeKey: {prefixed(isAlnum, 10, 255, "sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"),
		bitStripe, len("whsec_") + 10, true},
}

// slackWebhook starts the path of a Slack incoming-webhook URL.
const slackWebhook = "hooks.slack.com/services/T"

// DetectorNames returns the names of all built-in detectors, sorted
// (redact.DetectorNames).
func DetectorNames() []string {
	names := make([]string, 0, len(detectors))
	for n := range detectors {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// DefaultDetectors returns the names of the detectors that are on unless
// Options.ReplaceDefaultDetectors is set, sorted (redact.DefaultDetectors).
func DefaultDetectors() []string {
	names := make([]string, 0, len(detectors))
	for n, d := range detectors {
		if d.def {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
func isUpperDigit(c byte) bool { return 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }
func isWord(c byte) bool       { return isAlnum(c) || c == '_' }
func isURLSafe(c byte) bool    { return isWord(c) || c == '-' }
func isSlack(c byte) bool      { return isAlnum(c) || c == '-' }

// isToken68 reports whether c may appear in an RFC 9110 token68 credential.
func isToken68(c byte) bool {
	return isURLSafe(c) || c == '.' || c == '~' || c == '+' || c == '/'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func anyOf(fs ...func(string) bool) func(string) bool {
	return func(s string) bool {
		for _, f := range fs {
			if f(s) {
				return true
			}
		}
		return false
	}
}

// prefixed returns a detector for tokens that start with one of prefixes (not
// glued to a preceding letter or digit) and continue with min to max bytes of
// class, not glued to a following letter or digit either. It searches for
// each distinct first byte of the prefixes once (IndexByte is vectorised)
// rather than for each prefix.
func prefixed(class func(byte) bool, min, max int, prefixes ...string) func(string) bool {
	var firsts []byte
	for _, p := range prefixes {
		if !slices.Contains(firsts, p[0]) {
			firsts = append(firsts, p[0])
		}
	}
	return func(s string) bool {
		for _, f := range firsts {
			for off := 0; ; {
				i := strings.IndexByte(s[off:], f)
				if i < 0 {
					break
				}
				i += off
				off = i + 1
				if i > 0 && isAlnum(s[i-1]) {
					continue
				}
				for _, p := range prefixes {
					if p[0] == f && strings.HasPrefix(s[i:], p) && tokenAt(s, i+len(p), class, min, max) {
						return true
					}
				}
			}
		}
		return false
	}
}

// tokenAt reports whether s[j:] starts with min to max bytes of class that
// are not followed by a letter or digit.
func tokenAt(s string, j int, class func(byte) bool, min, max int) bool {
	n := 0
	for j < len(s) && class(s[j]) && n <= max {
		j++
		n++
	}
	return n >= min && n <= max && (j == len(s) || !isAlnum(s[j]))
}

// indexFold returns the index of the first ASCII case-insensitive occurrence
// of lower (which must be lower-case) in s at or after from, or -1.
func indexFold(s, lower string, from int) int {
	for i := from; i+len(lower) <= len(s); i++ {
		if s[i]|0x20 != lower[0] {
			continue
		}
		j := 1
		for j < len(lower) && s[i+j]|0x20 == lower[j] {
			j++
		}
		if j == len(lower) {
			return i
		}
	}
	return -1
}

// schemeCredentials calls ok with each credential that follows the word
// scheme (case-insensitive, at a word start) and at least one space.
func schemeCredentials(s, scheme string, ok func(cred string) bool) bool {
	for from := 0; ; {
		i := indexFold(s, scheme, from)
		if i < 0 {
			return false
		}
		from = i + 1
		if i > 0 && isAlnum(s[i-1]) {
			continue
		}
		j := i + len(scheme)
		k := j
		for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
			k++
		}
		if k == j {
			continue
		}
		e := k
		for e < len(s) && isToken68(s[e]) {
			e++
		}
		for e < len(s) && s[e] == '=' {
			e++
		}
		if ok(s[k:e]) {
			return true
		}
	}
}

func detectBearer(s string) bool {
	return schemeCredentials(s, "bearer", func(cred string) bool {
		return len(strings.TrimRight(cred, "=")) >= 8
	})
}

func detectBasic(s string) bool {
	return schemeCredentials(s, "basic", func(cred string) bool {
		return len(cred) >= 8 && base64HasColon(cred)
	})
}

// base64HasColon reports whether the standard base64 text s decodes to bytes
// containing ':', as "user:password" does. It decodes without allocating and
// ignores a malformed tail.
func base64HasColon(s string) bool {
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v byte
		switch {
		case 'A' <= c && c <= 'Z':
			v = c - 'A'
		case 'a' <= c && c <= 'z':
			v = c - 'a' + 26
		case '0' <= c && c <= '9':
			v = c - '0' + 52
		case c == '+':
			v = 62
		case c == '/':
			v = 63
		default:
			return false // '=' padding ends the text; anything else is not base64
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			if byte(acc>>bits) == ':' {
				return true
			}
		}
	}
	return false
}

func detectJWT(s string) bool {
	for from := 0; ; {
		i := strings.Index(s[from:], "eyJ")
		if i < 0 {
			return false
		}
		i += from
		from = i + 1
		if i > 0 && (isURLSafe(s[i-1]) || s[i-1] == '.') && !percentEscapeBefore(s, i) {
			continue
		}
		// header.payload[.signature...]: two non-trivial segments at least.
		j, segs := i, 0
		for {
			k := j
			for k < len(s) && isURLSafe(s[k]) {
				k++
			}
			if k-j < 4 {
				break
			}
			segs++
			if k >= len(s) || s[k] != '.' {
				break
			}
			j = k + 1
		}
		if segs >= 2 {
			return true
		}
	}
}

// percentEscapeBefore reports whether s[:i] ends in a percent escape ("%3A",
// "%20"): a boundary, although its last character is a letter or digit, so
// a percent-encoded "s:<JWT>" or "Bearer <JWT>" is still found (red team 2).
func percentEscapeBefore(s string, i int) bool {
	return i >= 3 && s[i-3] == '%' && isHexDigit(s[i-2]) && isHexDigit(s[i-1])
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func detectPrivateKey(s string) bool {
	for from := 0; ; {
		i := strings.Index(s[from:], "-----BEGIN ")
		if i < 0 {
			return false
		}
		i += from + len("-----BEGIN ")
		from = i
		end := strings.Index(s[i:], "-----")
		if end < 0 {
			return false
		}
		if label := s[i : i+end]; strings.Contains(label, "PRIVATE KEY") {
			return true
		}
	}
}

// detectURLCredentials looks for "scheme://user:password@": a non-empty
// password between the first ':' of the authority and an '@' before any
// '/', '?' or '#'.
func detectURLCredentials(s string) bool {
	for from := 0; ; {
		i := strings.Index(s[from:], "://")
		if i < 0 {
			return false
		}
		i += from + 3
		from = i
		colon := -1
		for j := i; j < len(s); j++ {
			c := s[j]
			if c == '/' || c == '?' || c == '#' || c == ' ' || c == '"' {
				break
			}
			if c == ':' && colon < 0 {
				colon = j
			}
			if c == '@' {
				if colon >= 0 && j > colon+1 {
					return true
				}
				break
			}
		}
	}
}

// detectCardNumber scans digit runs in which single spaces or dashes may
// separate groups, and checks each run's length, grouping, brand digit and
// Luhn sum.
func detectCardNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || i > 0 && (isAlnum(s[i-1])) {
			continue
		}
		var groups [8]int
		ng, digits := 0, 0
		// Luhn works from the right, so collect the digits first.
		var ds [19]byte
		j := i
		ok := true
		for j < len(s) {
			c := s[j]
			if isDigit(c) {
				if digits == len(ds) {
					ok = false // too long to be a card number
					break
				}
				ds[digits] = c - '0'
				digits++
				groups[ng]++
				j++
				continue
			}
			if (c == ' ' || c == '-') && j+1 < len(s) && isDigit(s[j+1]) && ng+1 < len(groups) {
				ng++
				j++
				continue
			}
			break
		}
		ng++
		if j < len(s) && isAlnum(s[j]) {
			ok = false
		}
		if ok && digits >= 13 && ds[0] >= 2 && ds[0] <= 6 && cardGrouping(groups[:ng]) && luhn(ds[:digits]) {
			return true
		}
		i = j // the run is done; resume after it
	}
	return false
}

// cardGrouping reports whether digit groups look like a written card number:
// one group, or groups of four (the last may be shorter), or Amex/Diners
// 4-6-5 and 4-6-4.
func cardGrouping(g []int) bool {
	if len(g) == 1 {
		return true
	}
	if len(g) == 3 && g[0] == 4 && g[1] == 6 && (g[2] == 5 || g[2] == 4) {
		return true
	}
	for _, n := range g[:len(g)-1] {
		if n != 4 {
			return false
		}
	}
	last := g[len(g)-1]
	return last >= 1 && last <= 4
}

// luhn reports whether the digits ds (values 0-9) pass the Luhn checksum
// that payment card numbers carry: from the right, every second digit is
// doubled (minus 9 when above 9) and the sum must end in 0.
func luhn(ds []byte) bool {
	sum := 0
	for k := range ds {
		d := int(ds[len(ds)-1-k])
		if k%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return len(ds) > 0 && sum%10 == 0
}
