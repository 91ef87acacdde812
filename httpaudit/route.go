package httpaudit

import (
	"net/http"
	"strings"
)

// MuxRoute returns an Options.Route function that asks mux which pattern
// matches the request (mux.Handler) and returns its path template.
//
// It is needed when a middleware between Wrap and the mux copies the request
// (r.WithContext, r.Clone): the mux then records the matched pattern on a
// copy the audit middleware never sees, and the default route is lost.
// MuxRoute matches again instead, at the cost of a second lookup per audited
// request. The result is the same as the default when nothing copies.
func MuxRoute(mux *http.ServeMux) func(*http.Request) string {
	return func(r *http.Request) string {
		_, p := mux.Handler(r)
		return patternPath(p)
	}
}

// patternPath returns the path template of a ServeMux pattern
// ("GET example.com/users/{id}" → "/users/{id}"), the form http.route takes.
func patternPath(p string) string {
	if i := strings.IndexAny(p, " \t"); i >= 0 {
		p = strings.TrimLeft(p[i+1:], " \t")
	}
	i := strings.IndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[i:]
}
