package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/modelaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// maxFailures is how many bad passwords lock an account.
const maxFailures = 3

type account struct {
	id       string
	password string
	failures int
	locked   bool
}

// Invoice is the demo's data model; modelaudit reports which of its fields
// changed (by json name), never their values.
type Invoice struct {
	ID     string `json:"id"`
	Owner  string `json:"owner"`
	Amount int    `json:"amount"`
	Status string `json:"status"`
}

// app is a tiny invoicing service: just enough surface to produce every kind
// of audit event.
type app struct {
	handler http.Handler

	mu       sync.Mutex
	accounts map[string]*account // by username
	sessions map[string]string   // session cookie -> username
	invoices map[string]Invoice
}

type userKey struct{}

func newApp(logger *slog.Logger) (*app, error) {
	a := &app{
		accounts: map[string]*account{
			"alice": {id: "1001", password: "correct horse battery staple"},
			"bob":   {id: "1002", password: "tr0ub4dor&3"},
		},
		sessions: map[string]string{},
		invoices: map[string]Invoice{
			"inv-1": {ID: "inv-1", Owner: "alice", Amount: 100, Status: "draft"},
			"inv-2": {ID: "inv-2", Owner: "bob", Amount: 900, Status: "paid"},
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)
	mux.HandleFunc("GET /invoices/{id}", a.getInvoice)
	mux.HandleFunc("PUT /invoices/{id}", a.updateInvoice)
	mux.HandleFunc("GET /admin/panic", func(http.ResponseWriter, *http.Request) {
		panic("demo: something broke")
	})

	sessionKey := make([]byte, 32)
	if _, err := rand.Read(sessionKey); err != nil {
		return nil, err
	}
	audit, err := httpaudit.New(logger, &httpaudit.Options{
		LogOKResponses: true,
		TrustedProxies: []string{"127.0.0.1/32"},
		// The session middleware below copies the request (WithContext), which
		// hides r.Pattern from us; MuxRoute finds the route again.
		Route:         httpaudit.MuxRoute(mux),
		CaptureBodies: true,
		BodyPaths:     []string{"^/login$"},
		// Usernames stay out of the log (IncludeUsernames is off), so the body
		// fields kept are the password, to show it redacted, and a harmless flag.
		BodyFields:    []string{"password", "remember"},
		SessionCookie: "sid",
		SessionKey:    sessionKey,
	})
	if err != nil {
		return nil, err
	}
	a.handler = audit.Wrap(a.authenticate(mux))
	return a, nil
}

// authenticate is the application's own session middleware: it tells the
// audit scope who is acting, with slogaudit.SetUser.
func (a *app) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("sid"); err == nil {
			a.mu.Lock()
			name, ok := a.sessions[c.Value]
			var id string
			if ok {
				id = a.accounts[name].id
			}
			a.mu.Unlock()
			if ok {
				slogaudit.SetUser(r.Context(), slogaudit.User{ID: id, Name: name})
				r = r.WithContext(context.WithValue(r.Context(), userKey{}, name))
			}
		}
		next.ServeHTTP(w, r)
	})
}

func currentUser(r *http.Request) string {
	name, _ := r.Context().Value(userKey{}).(string)
	return name
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	var creds struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&creds); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	a.mu.Lock()
	defer a.mu.Unlock()
	acct, ok := a.accounts[creds.Username]
	// A failed login has no acting user: the account it tried is its target
	// (audit.target.user.id), so "what did user 1001 do" never includes an
	// attacker's guesses at 1001's password.
	switch {
	case !ok:
		authaudit.LoginFailed(ctx, creds.Username, authaudit.ReasonUnknownUser)
		http.Error(w, "invalid credentials", http.StatusUnauthorized)
		return
	case acct.locked:
		authaudit.LoginFailed(ctx, creds.Username, authaudit.ReasonLocked, slog.String(authaudit.KeyTargetUserID, acct.id))
		http.Error(w, "account locked", http.StatusLocked)
		return
	case subtle.ConstantTimeCompare([]byte(creds.Password), []byte(acct.password)) != 1:
		acct.failures++
		authaudit.LoginFailed(ctx, creds.Username, authaudit.ReasonBadPassword, slog.String(authaudit.KeyTargetUserID, acct.id))
		if acct.failures >= maxFailures {
			acct.locked = true
			authaudit.LoginFailLimitReached(ctx, acct.id, maxFailures)
			authaudit.AccountLocked(ctx, acct.id, "maxretries")
			http.Error(w, "account locked", http.StatusLocked)
			return
		}
		http.Error(w, "invalid credentials", http.StatusUnauthorized)
		return
	}
	// The session exists from here on. The request arrived without its
	// cookie, so tell the audit middleware: the login events below and the
	// login's response event then carry the session.id that the session's
	// later requests (with the cookie) will carry, which joins them.
	sid := newSessionID()
	a.sessions[sid] = creds.Username
	httpaudit.SetSession(ctx, sid)
	if acct.failures > 0 {
		authaudit.LoginSucceededAfterFailures(ctx, acct.id, acct.failures)
	} else {
		authaudit.LoginSucceeded(ctx, acct.id)
	}
	acct.failures = 0
	authaudit.SessionCreated(ctx, acct.id)
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	name := currentUser(r)
	a.mu.Lock()
	var id string
	if name != "" {
		id = a.accounts[name].id
	}
	if c, err := r.Cookie("sid"); err == nil {
		delete(a.sessions, c.Value)
	}
	a.mu.Unlock()
	authaudit.LoggedOut(r.Context(), id)
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: "", Path: "/", MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

// invoiceFor loads an invoice the current user may touch, answering the
// request itself when they may not.
func (a *app) invoiceFor(w http.ResponseWriter, r *http.Request) (Invoice, bool) {
	name := currentUser(r)
	if name == "" {
		http.Error(w, "login required", http.StatusUnauthorized)
		return Invoice{}, false
	}
	id := r.PathValue("id")
	a.mu.Lock()
	inv, ok := a.invoices[id]
	userID := a.accounts[name].id
	a.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return Invoice{}, false
	}
	if inv.Owner != name {
		authaudit.AccessDenied(r.Context(), userID, "invoice/"+id)
		http.Error(w, "forbidden", http.StatusForbidden)
		return Invoice{}, false
	}
	return inv, true
}

func (a *app) getInvoice(w http.ResponseWriter, r *http.Request) {
	inv, ok := a.invoiceFor(w, r)
	if !ok {
		return
	}
	modelaudit.Accessed(r.Context(), "invoice", inv.ID)
	writeJSON(w, inv)
}

func (a *app) updateInvoice(w http.ResponseWriter, r *http.Request) {
	before, ok := a.invoiceFor(w, r)
	if !ok {
		return
	}
	var patch struct {
		Amount *int    `json:"amount"`
		Status *string `json:"status"`
	}
	if err := json.NewDecoder(r.Body).Decode(&patch); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	after := before
	if patch.Amount != nil {
		after.Amount = *patch.Amount
	}
	if patch.Status != nil {
		after.Status = *patch.Status
	}
	a.mu.Lock()
	a.invoices[after.ID] = after
	a.mu.Unlock()
	modelaudit.Updated(r.Context(), "invoice", after.ID, modelaudit.Diff(before, after))
	writeJSON(w, after)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func newSessionID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
