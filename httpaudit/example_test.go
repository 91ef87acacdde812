package httpaudit_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// exampleLogger prints records as text without the values that change from
// run to run (time, request id, duration), so the output is reproducible.
func exampleLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, slogaudit.KeyRequestID, httpaudit.KeyDurationNS, slogaudit.KeyScopeName:
				return slog.Attr{}
			}
			return a
		},
	}))
}

// authenticate stands for the application's own authentication middleware:
// it names the acting user on the request scope.
func authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			slogaudit.SetUser(r.Context(), slogaudit.User{ID: "42"})
		}
		next.ServeHTTP(w, r)
	})
}

// The middleware wraps an http.ServeMux; the route comes from the mux
// pattern, the user from the inner authentication middleware. Behind one
// trusted proxy, the client address comes from X-Forwarded-For.
func Example() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/{account}/transfer", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "insufficient funds", http.StatusConflict)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})

	audit, err := httpaudit.New(exampleLogger(), &httpaudit.Options{
		TrustedProxies: []string{"10.0.0.0/8"},
		IgnorePaths:    []string{`^/healthz$`},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := audit.Wrap(authenticate(mux))

	req := httptest.NewRequest("POST", "http://bank.example/api/acct-9/transfer?token=secret", nil)
	req.RemoteAddr = "10.0.0.3:41000"
	req.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.10") // the leftmost is the client's own claim
	req.Header.Set("Authorization", "Bearer secret")
	h.ServeHTTP(httptest.NewRecorder(), req)

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil)) // ignored
	// Output:
	// level=WARN msg=http.response event_type=http.response.client_error client.address=203.0.113.10 network.peer.address=10.0.0.3 http.request.method=POST url.scheme=http server.address=bank.example url.path=/api/acct-9/transfer http.route=/api/{account}/transfer http.response.status_code=409 http.response.body.size=19 user.id=42 outcome=failure
}

// With chi, the route template comes from chi's route context.
func Example_chi() {
	audit, err := httpaudit.New(exampleLogger(), &httpaudit.Options{
		Route: func(r *http.Request) string { return chi.RouteContext(r.Context()).RoutePattern() },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := chi.NewRouter()
	r.Use(audit.Wrap)
	r.Get("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/users/7", nil))
	// Output:
	// level=WARN msg=http.response event_type=http.response.client_error client.address=192.0.2.1 network.peer.address=192.0.2.1 http.request.method=GET url.scheme=http server.address=example.com url.path=/users/7 http.route=/users/{id} http.response.status_code=404 http.response.body.size=19 outcome=failure
}

// RequestID gives handlers the id that every audit record of the request
// carries, for example to return it to the client.
func ExampleRequestID() {
	audit, _ := httpaudit.New(exampleLogger(), nil)
	h := audit.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", httpaudit.RequestID(r.Context()))
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	fmt.Println(len(w.Header().Get("X-Request-Id")))
	// Output: 32
}

// Configuration errors surface when the middleware is built, naming the
// field and the value.
func ExampleNew_errors() {
	_, err := httpaudit.New(nil, &httpaudit.Options{
		TrustedProxies: []string{"10.0.0.0/8", "10.0.0.0/33"},
		SampleRate:     1.5,
	})
	fmt.Println(err)
	// Output:
	// httpaudit: SampleRate 1.5: must be within [0, 1]
	// httpaudit: TrustedProxies[1] "10.0.0.0/33": netip.ParsePrefix("10.0.0.0/33"): prefix length out of range
}

// The login request creates the session, so its cookie was not there when
// the request arrived: SetSession attaches it, and the login's response
// event (and every record logged in the request after the call, such as
// authaudit's auth.login.success and session.created) carries the same
// session.id as the session's later requests. The token itself is never
// logged.
func ExampleSetSession() {
	audit, err := httpaudit.New(exampleLogger(), &httpaudit.Options{
		LogOKResponses: true,
		SessionCookie:  "sid",
		SessionKey:     []byte("example key, at least 16 bytes"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// ... check the credentials, then create the session:
		token := "9b1d52c4e0a7f3b8" // crypto/rand in a real application
		httpaudit.SetSession(r.Context(), token)
		// authaudit.LoginSucceeded(r.Context(), userID)
		// authaudit.SessionCreated(r.Context(), userID)
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: token, HttpOnly: true})
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {})
	h := audit.Wrap(mux)

	login := httptest.NewRecorder()
	h.ServeHTTP(login, httptest.NewRequest("POST", "/login", nil))
	next := httptest.NewRequest("GET", "/me", nil)
	for _, c := range login.Result().Cookies() {
		next.AddCookie(c)
	}
	h.ServeHTTP(httptest.NewRecorder(), next)
	// Output:
	// level=INFO msg=http.response event_type=http.response.success session.id=0bff65c08adc79d8ef9967e7e5291d5a client.address=192.0.2.1 network.peer.address=192.0.2.1 http.request.method=POST url.scheme=http server.address=example.com url.path=/login http.route=/login http.response.status_code=204 http.response.body.size=0 outcome=success
	// level=INFO msg=http.response event_type=http.response.success session.id=0bff65c08adc79d8ef9967e7e5291d5a client.address=192.0.2.1 network.peer.address=192.0.2.1 http.request.method=GET url.scheme=http server.address=example.com url.path=/me http.route=/me http.response.status_code=200 http.response.body.size=0 outcome=success
}
