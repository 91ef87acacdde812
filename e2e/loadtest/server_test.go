package loadtest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// invoice is the server's data model, as in cmd/auditkit-demo.
type invoice struct {
	ID     string `json:"id"`
	Amount int    `json:"amount"`
	Status string `json:"status"`
}

// app is a small invoicing service built from the demo's pieces: a
// ServeMux with path patterns, the application's own authentication
// middleware naming the user with slogaudit.SetUser, and (when audited)
// httpaudit around both. Its handlers emit no audit events of their own, so
// that every request is exactly one line in the trail.
type app struct {
	mux *http.ServeMux

	mu       sync.Mutex
	invoices map[string]invoice
}

func newApp() *app {
	a := &app{mux: http.NewServeMux(), invoices: map[string]invoice{}}
	a.mux.HandleFunc("GET /invoices/{id}", a.getInvoice)
	a.mux.HandleFunc("PUT /invoices/{id}", a.putInvoice)
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	return a
}

// plain is the server with audit off: no middleware at all.
func (a *app) plain() http.Handler { return a.authenticate(a.mux) }

// audited is the server with audit on, configured as the demo is, except
// that every request is logged (LogOKResponses, no sampling, no ignored
// paths).
func (a *app) audited(logger *slog.Logger) (http.Handler, error) {
	audit, err := httpaudit.New(logger, &httpaudit.Options{
		LogOKResponses: true,
		TrustedProxies: []string{"127.0.0.1/32"},
		// authenticate copies the request, so the route is found again.
		Route:         httpaudit.MuxRoute(a.mux),
		CaptureBodies: true,
		BodyPaths:     []string{`^/invoices/`},
		BodyFields:    []string{"amount", "status"},
	})
	if err != nil {
		return nil, err
	}
	return audit.Wrap(a.authenticate(a.mux)), nil
}

type userKey struct{}

// authenticate trusts a bearer token naming the user: the load generator is
// the only client, and what matters is the SetUser call on every request.
func (a *app) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && user != "" {
			slogaudit.SetUser(r.Context(), slogaudit.User{ID: user})
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, user))
		}
		next.ServeHTTP(w, r)
	})
}

func (a *app) getInvoice(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	a.mu.Lock()
	inv, ok := a.invoices[id]
	a.mu.Unlock()
	if !ok {
		inv = invoice{ID: id, Status: "draft"}
	}
	writeJSON(w, inv)
}

func (a *app) putInvoice(w http.ResponseWriter, r *http.Request) {
	var inv invoice
	if err := json.NewDecoder(r.Body).Decode(&inv); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	inv.ID = r.PathValue("id")
	a.mu.Lock()
	a.invoices[inv.ID] = inv
	a.mu.Unlock()
	writeJSON(w, inv)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
