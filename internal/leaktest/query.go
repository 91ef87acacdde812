package leaktest

import (
	"encoding/base64"
	"net/url"
	"strings"
)

// QueryKinds is the number of ways Query hides a secret in a parameter name.
const QueryKinds = 8

// Query builds a raw query string whose parameter names carry the secret
// made from raw (see SecretOf), one parameter per op byte, among ordinary
// parameters: as a bare base64 token with padding, a JWT, a GitHub token, a
// name longer than 32 bytes, a sensitive name with the secret smuggled in
// escaped "=" and "&", a name with a space or non-ASCII letter, and a plain
// name that only the value pattern `zq[0-9A-Za-z]{6,}` recognises. Every
// value is the secret too. The control is Names: logged naively, the
// decoded names show the secret.
func Query(ops []byte, raw string) (query, secret string) {
	secret = SecretOf(raw)
	var b strings.Builder
	b.WriteString("page=2")
	for _, op := range ops {
		b.WriteByte('&')
		switch op % QueryKinds {
		case 0:
			// A token that ends in padding: its "name" is the token.
			b.WriteString(base64.RawStdEncoding.EncodeToString([]byte(secret)) + secret + "==")
		case 1:
			b.WriteString("eyJhbGciOiJIUzI1NiJ9." + "eyJ" + secret + ".c2lnbmF0dXJl=1")
		case 2:
			tok := "ghp_" + secret + strings.Repeat("A", 36)
			b.WriteString(tok[:40] + "=")
		case 3:
			b.WriteString(strings.Repeat("x", 32) + secret + "=v")
		case 4:
			b.WriteString("password%3D" + secret + "%26x=1")
		case 5:
			b.WriteString("note%20" + secret + "=1")
		case 6:
			b.WriteString("%C3%A9" + secret + "=1")
		default:
			b.WriteString(url.QueryEscape(secret) + "=1")
		}
		b.WriteString("&q=" + secret) // values are always masked
	}
	return b.String(), secret
}

// Names returns the decoded parameter names of a raw query, as a naive
// logger would write them.
func Names(query string) []string {
	var names []string
	for _, part := range strings.Split(query, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			names = append(names, n)
		} else {
			names = append(names, name)
		}
	}
	return names
}
