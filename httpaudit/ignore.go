package httpaudit

import (
	"net/http"
	"net/url"
	"path"
)

// ignored reports whether r passes through unaudited: its path is canonical
// and one of the IgnorePaths expressions matches it.
//
// Matching a cleaned copy of the path would let a client choose what the
// filter sees apart from what the router sees: /admin/../healthz, or
// /admin/%2E%2E/healthz, cleans to /healthz, but chi and others route the
// raw path to the admin handler. So a path that is not already in its
// canonical form is never ignored; it is audited like any other request.
func (c *config) ignored(r *http.Request) bool {
	if len(c.ignorePaths) == 0 || !canonicalPath(r.URL) {
		return false
	}
	for _, re := range c.ignorePaths {
		if re.MatchString(r.URL.Path) {
			return true
		}
	}
	return false
}

// canonicalPath reports whether u's path reads the same to every router:
// absolute (or "*"), no escaping beyond the default (RawPath is empty), and
// already clean in the sense of path.Clean, except that one trailing slash
// is allowed, since path.Clean drops it while routers treat /dir/ and /dir
// as different paths.
// It allocates nothing: path.Clean returns a clean path as it is.
func canonicalPath(u *url.URL) bool {
	p := u.Path
	if u.RawPath != "" || p == "" || p[0] != '/' && p != "*" {
		return false
	}
	if n := len(p); n > 1 && p[n-1] == '/' {
		p = p[:n-1]
		if p == "/" { // "//"
			return false
		}
	}
	return path.Clean(p) == p
}
