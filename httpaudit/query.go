package httpaudit

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/secaudit/auditkit/internal/redaction"
)

// Bounds of url.query (Options.LogQuery). Whatever the client sends, at most
// maxQueryBytes of the raw query and maxQueryParams parameters are looked at;
// the rest is summarised as one "[TRUNCATED n]" entry.
const (
	// maxQueryParams is the most query parameters written to url.query.
	maxQueryParams = 32
	// maxQueryBytes is how much of the raw query (after "?") is parsed: a
	// parameter that does not end within it is not parsed.
	maxQueryBytes = 2048
	// maxQueryNameLen is the longest parameter name (decoded, in bytes)
	// written in clear.
	maxQueryNameLen = 32
)

// redactedQuery renders the raw query of a request as url.query, as the
// package documentation describes:
//
//   - parameters are written in their order, joined by "&"; empty ones
//     ("&&") are skipped;
//   - a value is always masked: name=[REDACTED] (or name=<pseudonym> with
//     an HMAC redactor);
//   - the (percent-decoded) name is kept only if it is 1 to maxQueryNameLen
//     bytes of [A-Za-z0-9_.\-\[\]] and passes r's key rules (not a sensitive
//     key) and value rules (r.MatchValue); otherwise, and for a parameter
//     without "=" (a bare token is a value), the whole parameter is masked
//     as one: [REDACTED], or the pseudonym of the decoded parameter;
//   - only parameters that end within the first maxQueryBytes bytes, and at
//     most maxQueryParams of them, are parsed. If anything is left, a last
//     entry "[TRUNCATED n]" says how many bytes n of the raw query were not
//     parsed.
//
// The work and memory are bounded by the constants, not by the length of
// the query: nothing beyond the first maxQueryBytes bytes is read.
func redactedQuery(raw string, r *redaction.Rules) string {
	limit := min(len(raw), maxQueryBytes)
	var b strings.Builder
	pos, params := 0, 0
	for params < maxQueryParams {
		for pos < limit && raw[pos] == '&' {
			pos++
		}
		if pos >= limit {
			break
		}
		end := strings.IndexByte(raw[pos:limit], '&')
		switch {
		case end >= 0:
			end += pos
		case limit == len(raw) || raw[limit] == '&':
			end = limit
		default:
			// The parameter goes on past the bound: not parsed.
		}
		if end < 0 {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		writeParam(&b, raw[pos:end], r)
		params++
		pos = end
	}
	// The separator right after the last parsed parameter is no data.
	for pos < len(raw) && pos <= limit && raw[pos] == '&' {
		pos++
	}
	if n := len(raw) - pos; n > 0 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString("[TRUNCATED ")
		b.WriteString(strconv.Itoa(n))
		b.WriteByte(']')
	}
	return b.String()
}

// writeParam writes one name=value parameter with its value masked, or the
// whole parameter masked when its name may not be shown.
func writeParam(b *strings.Builder, part string, r *redaction.Rules) {
	if name, value, ok := strings.Cut(part, "="); ok {
		if n, ok := safeQueryName(name, r); ok {
			b.WriteString(n)
			b.WriteByte('=')
			b.WriteString(r.Mask(unescape(value)))
			return
		}
	}
	b.WriteString(r.Mask(unescape(part)))
}

// safeQueryName decodes a parameter name and reports whether it may be
// written in clear.
func safeQueryName(raw string, r *redaction.Rules) (string, bool) {
	if raw == "" || len(raw) > 3*maxQueryNameLen {
		return "", false // cannot decode to 1..maxQueryNameLen bytes
	}
	name, err := url.QueryUnescape(raw)
	if err != nil || len(name) > maxQueryNameLen {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_', c == '.', c == '-', c == '[', c == ']':
		default:
			return "", false
		}
	}
	if r.IsSensitiveKey(name) || r.MatchValue(name) {
		return "", false
	}
	return name, true
}

// unescape decodes a query component, keeping it as sent when it is not
// valid percent-encoding.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
