package httpaudit_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/secaudit/auditkit/httpaudit"
)

// rawRequest sends a request line and headers as written (no client
// normalises the path) and returns the status line of the response.
func rawRequest(t *testing.T, addr, head string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the response to %q: %v", head, err)
	}
	return strings.TrimSpace(line)
}

// IgnorePaths must not be evaded by a path the router reads differently
// from its cleaned form: only a canonical path is ignored.
func TestIgnorePathsCanonicalOnly(t *testing.T) {
	routers := map[string]func(ran *string) http.Handler{
		"chi": func(ran *string) http.Handler {
			r := chi.NewRouter()
			r.Post("/admin/*", func(w http.ResponseWriter, r *http.Request) { *ran = "admin"; w.WriteHeader(403) })
			r.Post("/healthz", func(w http.ResponseWriter, r *http.Request) { *ran = "healthz"; w.WriteHeader(403) })
			r.Post("/static/*", func(w http.ResponseWriter, r *http.Request) { *ran = "static"; w.WriteHeader(403) })
			return r
		},
		"ServeMux": func(ran *string) http.Handler {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /admin/", func(w http.ResponseWriter, r *http.Request) { *ran = "admin"; w.WriteHeader(403) })
			mux.HandleFunc("POST /healthz", func(w http.ResponseWriter, r *http.Request) { *ran = "healthz"; w.WriteHeader(403) })
			mux.HandleFunc("POST /static/", func(w http.ResponseWriter, r *http.Request) { *ran = "static"; w.WriteHeader(403) })
			mux.HandleFunc("POST /{acct}", func(w http.ResponseWriter, r *http.Request) { *ran = "acct"; w.WriteHeader(403) })
			return mux
		},
	}
	for name, mk := range routers {
		for _, tc := range []struct {
			path    string
			ignored bool
		}{
			{"/healthz", true},
			{"/static/", true}, // canonical with its trailing slash
			{"/static/app.js", true},
			{"/admin/delete", false},
			{"/admin/../healthz", false},
			{"/admin/%2E%2E/healthz", false},
			{"/admin%2F..%2Fhealthz", false},
			{"/%68ealthz", false}, // decodes to /healthz, but RawPath is set
			{"//healthz", false},
			{"/healthz/", false},   // another path to a router; ^/healthz$ does not match it
			{"/static//x", false},  // not clean
			{"/static/./x", false}, // not clean
		} {
			var ran string
			m, rec := newMW(t, &httpaudit.Options{IgnorePaths: []string{`^/healthz$`, `^/static/`}, LogOKResponses: true})
			srv := httptest.NewServer(m.Wrap(mk(&ran)))
			status := rawRequest(t, srv.Listener.Addr().String(),
				"POST "+tc.path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			srv.Close()
			n := len(rec.records())
			if tc.ignored && n != 0 || !tc.ignored && n != 1 {
				t.Errorf("%s %s: %d events (ignored %v); handler %q answered %s", name, tc.path, n, tc.ignored, ran, status)
			}
			// The attack itself: the admin handler ran, so it must be audited.
			if ran == "admin" && n != 1 {
				t.Errorf("%s %s: admin handler ran unaudited", name, tc.path)
			}
		}
	}
}
