package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostile are values that break formats written without escaping: YAML
// indicators and comments, JSON and shell quotes, template delimiters, line
// breaks YAML and JavaScript treat specially, Compose and Grafana variables.
var hostile = []string{
	`it's "quoted"`,
	"key: value",
	"# not a comment",
	"line one\nline two\r\n",
	"{{ .AppLabel }} {{end}}",
	`back\slash \\ \n \x41 \u0041`,
	"ünïcødé ✓ 日本語 🔒",
	"$HOME ${PATH} $$ $__range ${__from} [[var]] [[[x]]]",
	"tab\there",
	"\u2028sep\u2029par\u0085nel\ufeffbom\u00a0nbsp",
	"- item",
	"---",
	"]}[{,",
	"`backtick` 'single'",
	"&anchor *alias !tag @at %s |> ?",
	"\x01\x1b[31mred\x7f",
	" leading and trailing ",
	"true",
	"0x1F",
	"~",
}

func TestYAMLQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"admin", `"admin"`},
		{"", `""`},
		{`a"b\c`, `"a\"b\\c"`},
		{"a: b # c", `"a: b # c"`},
		{"x\ny\r\tz", `"x\ny\r\tz"`},
		{"\x00\x1b\x7f", `"\x00\x1B\x7F"`},
		{"\u0085\u00a0", "\"\\x85\u00a0\""},
		{"\u2028\u2029\ufeff", `"\u2028\u2029\uFEFF"`},
		{"$x {{y}}", `"$x {{y}}"`},
		{"日本 🔒", `"日本 🔒"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, yamlQuote(tt.in), "yamlQuote(%q)", tt.in)
	}
}

func TestComposeQuoteDoublesDollars(t *testing.T) {
	assert.Equal(t, `"$$HOME $${X} $$$$"`, composeQuote("$HOME ${X} $$"))
	assert.Equal(t, `"plain"`, composeQuote("plain"))
}

func TestLogQLQuote(t *testing.T) {
	assert.Equal(t, `"billing"`, logqlQuote("billing"))
	assert.Equal(t, `"a\"b\\c\nd"`, logqlQuote("a\"b\\c\nd"))
	assert.Equal(t, `"\x24__range \x24{x}"`, logqlQuote("$__range ${x}"))
	assert.Equal(t, `"\x5b[v]] [ok]"`, logqlQuote("[[v]] [ok]"))
	assert.Equal(t, `"\x5b\x5b[v"`, logqlQuote("[[[v"))
}

func TestRegexpAlt(t *testing.T) {
	re := regexp.MustCompile("^(?:" + regexpAlt("auth.login.failed", "a|b") + ")$")
	assert.True(t, re.MatchString("auth.login.failed"))
	assert.True(t, re.MatchString("a|b"))
	assert.False(t, re.MatchString("authXloginXfailed"), "dots must be literal")
	assert.False(t, re.MatchString("a"))
}

func TestShQuote(t *testing.T) {
	assert.Equal(t, `'plain'`, shQuote("plain"))
	assert.Equal(t, `'it'\''s'`, shQuote("it's"))
}

// checkQuoted asserts the properties every quoting function promises for s.
func checkQuoted(t *testing.T, s string) {
	t.Helper()
	for name, q := range map[string]string{
		"logql":  logqlQuote(s),
		"alloy":  alloyQuote(s),
		"logsql": logsqlQuote(s),
	} {
		got, err := strconv.Unquote(q)
		require.NoError(t, err, "%s quote of %q: %s", name, s, q)
		assert.Equal(t, s, got, name)
		assert.NotContains(t, q, "\n", name)
	}
	lq := logqlQuote(s)
	assert.NotContains(t, lq, "$", "Grafana would expand it")
	assert.NotContains(t, lq, "[[", "Grafana would expand it")

	y := yamlQuote(s)
	assert.True(t, strings.HasPrefix(y, `"`) && strings.HasSuffix(y, `"`), y)
	for _, r := range y {
		printable := r == '\t' || (r >= 0x20 && r < 0x7f) ||
			(r >= 0xa0 && r != 0x2028 && r != 0x2029 && r != 0xfeff && r != 0xfffe && r != 0xffff)
		require.True(t, printable, "yamlQuote(%q) = %q holds %U", s, y, r)
	}
	assert.Equal(t, s, yamlUnquote(t, y))
	assert.Equal(t, s, strings.ReplaceAll(yamlUnquote(t, composeQuote(s)), "$$", "$"))
}

// yamlUnquote decodes the subset of YAML double-quoted escapes yamlQuote
// emits; the e2e module checks the same strings with a real YAML parser.
func yamlUnquote(t *testing.T, q string) string {
	t.Helper()
	q = q[1 : len(q)-1]
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] != '\\' {
			b.WriteByte(q[i])
			continue
		}
		i++
		switch q[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '"', '\\':
			b.WriteByte(q[i])
		case 'x', 'u':
			n := 2
			if q[i] == 'u' {
				n = 4
			}
			v, err := strconv.ParseUint(q[i+1:i+1+n], 16, 32)
			require.NoError(t, err)
			b.WriteRune(rune(v))
			i += n
		default:
			t.Fatalf("unexpected escape \\%c in %q", q[i], q)
		}
	}
	return b.String()
}

func TestQuotingHostile(t *testing.T) {
	for _, s := range hostile {
		checkQuoted(t, s)
	}
}

func FuzzQuoting(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			require.Error(t, checkValue("x", s))
			return
		}
		require.NoError(t, checkValue("x", s))
		checkQuoted(t, s)
	})
}
