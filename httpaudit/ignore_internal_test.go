package httpaudit

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestCanonicalPath(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want bool
	}{
		{"/", true},
		{"/healthz", true},
		{"/static/", true},
		{"/a%20b", true}, // default escaping: RawPath stays empty
		{"*", true},      // OPTIONS *
		{"", false},
		{"//", false},
		{"/healthz//", false},
		{"//healthz", false},
		{"/a/../healthz", false},
		{"/a/./healthz", false},
		{"/a/%2E%2E/healthz", false},
		{"/a%2Fb", false},
		{"/%68ealthz", false},
		{"/healthz/.", false},
		{"healthz", false}, // relative: Clean keeps it, but no router sees it
	} {
		u := &url.URL{}
		if tc.raw != "" {
			var err error
			if u, err = url.ParseRequestURI(tc.raw); err != nil {
				if tc.raw != "healthz" {
					t.Fatalf("%q: %v", tc.raw, err)
				}
				u = &url.URL{Path: tc.raw}
			}
		}
		if got := canonicalPath(u); got != tc.want {
			t.Errorf("canonicalPath(%q) = %v, want %v", tc.raw, got, tc.want)
		}
	}
}

// FuzzIgnoredOnlyCanonical: whatever the request target, a request is
// ignored only if the router sees the very path the expression matched:
// no escaping of its own, no empty, "." or ".." segment.
func FuzzIgnoredOnlyCanonical(f *testing.F) {
	for _, s := range []string{"/healthz", "/admin/../healthz", "/admin/%2E%2E/healthz", "//healthz", "/healthz/", "/%68ealthz"} {
		f.Add(s)
	}
	c := &config{ignorePaths: []*regexp.Regexp{regexp.MustCompile(`healthz`)}}
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		if !c.ignored(&http.Request{URL: u}) {
			return
		}
		if u.EscapedPath() != (&url.URL{Path: u.Path}).EscapedPath() {
			t.Fatalf("%q ignored, but the router sees %q", target, u.EscapedPath())
		}
		segs := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
		for i, s := range segs {
			if s == "." || s == ".." || s == "" && i != len(segs)-1 {
				t.Fatalf("%q ignored, with segment %q", target, s)
			}
		}
	})
}
