package httpaudit_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// copying is a middleware that hands the next handler a copy of the request,
// as many context-adding middlewares do; ServeMux then sets Pattern on a
// request the audit middleware never sees.
func copying(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(r.Context()))
	})
}

func TestRouteFromServeMux(t *testing.T) {
	newMux := func() *http.ServeMux {
		mux := http.NewServeMux()
		mux.Handle("GET shop.example/users/{id}", status(404))
		mux.Handle("POST /api/{account}/transfer", status(403))
		mux.Handle("/files/", status(410))
		return mux
	}
	for _, tc := range []struct {
		name  string
		build func(m *httpaudit.Middleware) http.Handler
		route func(*http.ServeMux) func(*http.Request) string
		want  map[string]string // "METHOD url" → route ("" = absent)
	}{
		{"mux inside", func(m *httpaudit.Middleware) http.Handler { return m.Wrap(newMux()) }, nil, nil},
		{"mux outside", func(m *httpaudit.Middleware) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("GET shop.example/users/{id}", m.Wrap(status(404)))
			mux.Handle("POST /api/{account}/transfer", m.Wrap(status(403)))
			mux.Handle("/files/", m.Wrap(status(410)))
			return mux
		}, nil, nil},
		{"copy in between loses the default", func(m *httpaudit.Middleware) http.Handler { return m.Wrap(copying(newMux())) }, nil,
			map[string]string{"GET http://shop.example/users/7": "", "POST /api/acct-9/transfer": "", "GET /files/a/b": "", "GET /nope": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, rec := newMW(t, nil)
			h := tc.build(m)
			want := tc.want
			if want == nil {
				want = map[string]string{
					"GET http://shop.example/users/7": "/users/{id}",
					"POST /api/acct-9/transfer":       "/api/{account}/transfer",
					"GET /files/a/b":                  "/files/",
				}
			}
			check(t, h, rec, want)
		})
	}

	t.Run("MuxRoute survives the copy", func(t *testing.T) {
		mux := newMux()
		m, rec := newMW(t, &httpaudit.Options{Route: httpaudit.MuxRoute(mux)})
		check(t, m.Wrap(copying(mux)), rec, map[string]string{
			"GET http://shop.example/users/7": "/users/{id}",
			"POST /api/acct-9/transfer":       "/api/{account}/transfer",
			"GET /files/a/b":                  "/files/",
			"GET /nope":                       "",
		})
	})
}

func check(t *testing.T, h http.Handler, rec *recorder, want map[string]string) {
	t.Helper()
	for target, route := range want {
		rec.recs = nil
		method, url, _ := strings.Cut(target, " ")
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, url, nil))
		r := rec.only(t)
		if got := r.str(httpaudit.KeyHTTPRoute); got != route || r.has(httpaudit.KeyHTTPRoute) != (route != "") {
			t.Errorf("%s: http.route %q, want %q", target, got, route)
		}
	}
}

func TestRouteWithChi(t *testing.T) {
	rec := &recorder{}
	m, err := httpaudit.New(slog.New(rec), &httpaudit.Options{
		Route: func(r *http.Request) string { return chi.RouteContext(r.Context()).RoutePattern() },
	})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(m.Wrap)
	r.Use(copying) // chi keeps its route context in ctx, so copies do not matter
	r.Route("/api", func(r chi.Router) {
		r.Get("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
			slogaudit.SetUser(r.Context(), slogaudit.User{ID: chi.URLParam(r, "id")})
			w.WriteHeader(http.StatusNotFound)
		})
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/api/users/77")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := rec.only(t)
	if got.str(httpaudit.KeyHTTPRoute) != "/api/users/{id}" || got.str(slogaudit.KeyUserID) != "77" || got.str(httpaudit.KeyURLPath) != "/api/users/77" {
		t.Errorf("event %v", got.Attrs)
	}
}
