package httpaudit_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// queryOf serves GET path on a loopback server with LogQuery and returns
// url.query of the response event and the whole output.
func queryOf(t *testing.T, opts httpaudit.Options, path string) (query, out string) {
	t.Helper()
	opts.LogQuery = true
	srv, buf, _ := auditServer(t, &opts, http.NotFoundHandler())
	require.Equal(t, http.StatusNotFound, get(t, srv, path))
	a := buf.attrs(t)
	require.Len(t, a, 1)
	q, _ := a[0][httpaudit.KeyURLQuery].(string)
	return q, buf.String()
}

const (
	testJWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	// testB64 is a base64 token with padding: sent bare, its "name" is
	// the token without the padding.
	testB64 = "c2stbGl2ZS1hYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3OA=="
	testGHP = "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R"
)

// A parameter name is kept only when it is at most 32 bytes of the safe
// alphabet and passes the key and value rules; otherwise the whole
// parameter is masked. Values are always masked. These are the names that
// leaked the secret before (issue 10, case 2).
func TestQueryParameterNames(t *testing.T) {
	a32, a33 := strings.Repeat("a", 32), strings.Repeat("b", 33)
	for _, tc := range []struct {
		name, query, want string
		secrets           []string
	}{
		{"base64 token", "?" + testB64, "[REDACTED]", []string{"c2stbGl2ZS1h"}},
		{"JWT name", "?" + testJWT + "=1", "[REDACTED]", []string{"eyJhbGci", "dozjgNryP4J3"}},
		{"GitHub token name", "?" + testGHP + "=", "[REDACTED]", []string{"1a2B3c4D5e6F"}},
		{"encoded = and &", "?password%3Dhunter2%26x=1", "[REDACTED]", []string{"hunter2"}},
		{"sensitive names", "?q=1&password=hunter2&api_key=k3y&X-Auth-Token=t0k", "q=[REDACTED]&[REDACTED]&[REDACTED]&[REDACTED]", []string{"hunter2", "password", "api_key", "Auth-Token"}},
		{"space and plus", "?a+b=1&a%20c=2", "[REDACTED]&[REDACTED]", nil},
		{"safe names kept in order", "?q=go&page=2&user.id=7&filter[status]=open&sort-by=x&_=1",
			"q=[REDACTED]&page=[REDACTED]&user.id=[REDACTED]&filter[status]=[REDACTED]&sort-by=[REDACTED]&_=[REDACTED]", nil},
		{"decoded name", "?f%5Bx%5D=1", "f[x]=[REDACTED]", nil},
		{"32 bytes kept, 33 masked", "?" + a32 + "=1&" + a33 + "=1", a32 + "=[REDACTED]&[REDACTED]", []string{a33}},
		{"empty name, empty part, bare token, empty value", "?=x&&tok&e=", "[REDACTED]&[REDACTED]&e=[REDACTED]", []string{"tok"}},
		{"non-ASCII name", "?%C3%A9t%C3%A9=1", "[REDACTED]", nil},
		{"bad escape", "?a%zz=1", "[REDACTED]", []string{"a%zz"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, out := queryOf(t, httpaudit.Options{}, "/search"+tc.query)
			assert.Equal(t, tc.want, q)
			for _, s := range tc.secrets {
				assert.NotContains(t, out, s)
			}
		})
	}
}

// The value rules of Options.Redactor apply to names too: a short,
// alphabet-safe name that a detector or pattern recognises is masked.
func TestQueryNameValueRules(t *testing.T) {
	red, err := redact.New(redact.Options{Detectors: redact.DetectorNames(), ValuePatterns: []string{`^internal_`}})
	require.NoError(t, err)
	q, out := queryOf(t, httpaudit.Options{Redactor: red}, "/?AKIAIOSFODNN7EXAMPLE=1&internal_x=2&q=3")
	assert.Equal(t, "[REDACTED]&[REDACTED]&q=[REDACTED]", q)
	assert.NotContains(t, out, "AKIAIOSFODNN7EXAMPLE")
	assert.NotContains(t, out, "internal_x")
}

// With an HMAC redactor a masked parameter becomes the pseudonym of the
// decoded parameter, a masked value the pseudonym of the decoded value.
func TestQueryHMAC(t *testing.T) {
	red, err := redact.New(redact.Options{HMACKey: []byte("0123456789abcdef")})
	require.NoError(t, err)
	q, _ := queryOf(t, httpaudit.Options{Redactor: red}, "/?q=a+b&password%3Dhunter2=1&tok")
	assert.Equal(t, "q="+red.Mask("a b")+"&"+red.Mask("password=hunter2=1")+"&"+red.Mask("tok"), q)
}

// params returns n parameters "p0=1&p1=1&...".
func params(n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = fmt.Sprintf("p%d=1", i)
	}
	return strings.Join(p, "&")
}

func masked(n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = fmt.Sprintf("p%d=[REDACTED]", i)
	}
	return strings.Join(p, "&")
}

// At most 32 parameters ending within the first 2 KiB are parsed; what is
// left is one "[TRUNCATED n]" entry, n the bytes of the raw query not parsed.
func TestQueryBounds(t *testing.T) {
	x := func(n int) string { return strings.Repeat("x", n) }
	for _, tc := range []struct{ name, query, want string }{
		{"32 params", params(32), masked(32)},
		{"32 params and a trailing &", params(32) + "&", masked(32)},
		{"40 params", params(40), masked(32) + "&[TRUNCATED 47]"}, // "p32=1&...&p39=1"
		{"param ends at 2 KiB", "a=" + x(2046) + "&b=1", "a=[REDACTED]&[TRUNCATED 3]"},
		{"param crosses 2 KiB", "a=" + x(2044) + "&bb=1", "a=[REDACTED]&[TRUNCATED 4]"},
		{"one long param", x(3000), "[TRUNCATED 3000]"},
		{"only separators", strings.Repeat("&", 10), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, _ := queryOf(t, httpaudit.Options{}, "/?"+tc.query)
			assert.Equal(t, tc.want, q)
		})
	}
}

// The 1 MB query of issue 10 (case 3), sent by a real client: 32 parameters
// and one [TRUNCATED] entry are logged.
func TestQueryOneMegabyte(t *testing.T) {
	const size = 1 << 20
	q, _ := queryOf(t, httpaudit.Options{}, "/?"+strings.Repeat("a&", size/2))
	want := strings.Repeat("[REDACTED]&", 32) + fmt.Sprintf("[TRUNCATED %d]", size-64)
	assert.Equal(t, want, q)
}

// queryCost is the heap bytes and allocations per request of serving query
// on a 404 through the middleware with LogQuery and the slogaudit handler.
func queryCost(tb testing.TB, h http.Handler, query string) (bytes, allocs float64) {
	tb.Helper()
	r := httptest.NewRequest("GET", "/missing?"+query, nil)
	w := &benchWriter{h: http.Header{}}
	h.ServeHTTP(w, r) // warm pools
	const n = 50
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		h.ServeHTTP(w, r)
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / n, float64(after.Mallocs-before.Mallocs) / n
}

func logQueryHandler(tb testing.TB) http.Handler {
	m, err := httpaudit.New(slog.New(slogaudit.NewHandler(io.Discard, nil)), &httpaudit.Options{LogQuery: true})
	if err != nil {
		tb.Fatal(err)
	}
	return m.Wrap(http.NotFoundHandler())
}

// boundQuery is an "a&a&..." query right at the 2 KiB bound; hugeQuery the
// same for 1 MB (issue 10: ~33 MB allocated before the bound).
var (
	boundQuery = strings.Repeat("a&", 1024)
	hugeQuery  = strings.Repeat("a&", 1<<19)
)

// The memory a request's query costs is bounded: serving a 1 MB query
// allocates at most 4 times what a query right at the bound does (the
// request itself, built before the measure, is the caller's). Timing is
// left to BenchmarkLogQuery.
func TestQueryAllocBound(t *testing.T) {
	h := logQueryHandler(t)
	boundBytes, boundAllocs := queryCost(t, h, boundQuery)
	hugeBytes, hugeAllocs := queryCost(t, h, hugeQuery)
	t.Logf("query at the bound: %.0f B, %.1f allocs; 1 MB query: %.0f B, %.1f allocs", boundBytes, boundAllocs, hugeBytes, hugeAllocs)
	assert.LessOrEqual(t, hugeBytes, 4*boundBytes, "bytes allocated for a 1 MB query")
	assert.LessOrEqual(t, hugeAllocs, 4*boundAllocs, "allocations for a 1 MB query")
}

// BenchmarkLogQuery serves a 404 with LogQuery on through the slogaudit
// handler: a query at the bound, a 1 MB one, and the 1 MB one without
// LogQuery for comparison.
func BenchmarkLogQuery(b *testing.B) {
	off, err := httpaudit.New(slog.New(slogaudit.NewHandler(io.Discard, nil)), nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		h     http.Handler
		query string
	}{
		{"bound", logQueryHandler(b), boundQuery},
		{"1MB", logQueryHandler(b), hugeQuery},
		{"1MB-off", off.Wrap(http.NotFoundHandler()), hugeQuery},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/missing?"+bc.query, nil)
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(w, r)
			}
		})
	}
}
