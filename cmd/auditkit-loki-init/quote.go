package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Each generated file format gets its own quoting function: a value the user
// typed on the command line is inserted only through one of them, never raw
// (the seed pasted values unescaped, so a quote, a colon or a '#' broke the
// YAML and JSON it wrote).

// yamlQuote returns s as a YAML double-quoted scalar. Everything outside
// printable ASCII and the YAML printable set is escaped, as are line breaks
// (a double-quoted scalar would fold a raw one into a space), so the scalar
// always fits on one line and decodes to exactly s.
func yamlQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			switch {
			case r >= 0x20 && r < 0x7f:
				b.WriteRune(r)
			case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
				fmt.Fprintf(&b, `\x%02X`, r)
			case r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff:
				// Line and paragraph separators are line breaks to YAML;
				// a BOM and the non-characters are outside its printable set.
				fmt.Fprintf(&b, `\u%04X`, r)
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// composeQuote returns s as a YAML scalar for a Docker Compose file. Compose
// interpolates ${VAR} and $VAR in every value, so '$' is doubled first ("$$"
// is Compose's literal dollar).
func composeQuote(s string) string {
	return yamlQuote(strings.ReplaceAll(s, "$", "$$"))
}

// alloyQuote returns s as a string literal of the Alloy configuration syntax,
// whose escapes (\n, \", \\, \xNN, \uNNNN, ...) are Go's, and which has no
// interpolation inside strings.
func alloyQuote(s string) string { return strconv.Quote(s) }

// logqlQuote returns s as a double-quoted LogQL string. Loki unquotes with
// Prometheus' strutil.Unquote, which accepts Go's escapes. Every '$', and a
// '[' followed by another, is written as \x24 or \x5b: Grafana expands $name,
// ${name} and [[name]] in dashboard queries before Loki sees them, and an
// escaped byte is invisible to it.
func logqlQuote(s string) string {
	q := strconv.Quote(s)
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); i++ {
		switch {
		case q[i] == '$':
			b.WriteString(`\x24`)
		case q[i] == '[' && i+1 < len(q) && q[i+1] == '[':
			b.WriteString(`\x5b`)
		default:
			b.WriteByte(q[i])
		}
	}
	return b.String()
}

// logsqlQuote returns s as a double-quoted LogsQL string (VictoriaLogs unquotes
// with strconv.Unquote).
func logsqlQuote(s string) string { return strconv.Quote(s) }

// regexpAlt returns a regular expression matching exactly one of the literal
// strings in alts (Loki and Prometheus anchor label regexps at both ends).
func regexpAlt(alts ...string) string {
	q := make([]string, len(alts))
	for i, a := range alts {
		q[i] = regexp.QuoteMeta(a)
	}
	return strings.Join(q, "|")
}

// checkValue reports why s cannot be used as a value in the generated files:
// invalid UTF-8 (no target format can carry it faithfully) or a NUL byte
// (environment variables, which carry the Grafana credentials, cannot).
func checkValue(name, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("-%s is not valid UTF-8", name)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("-%s contains a NUL byte", name)
	}
	return nil
}
