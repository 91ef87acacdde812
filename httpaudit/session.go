package httpaudit

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/secaudit/auditkit/internal/sessionid"
)

// sessionConfig derives session.id. The zero value derives nothing.
type sessionConfig struct {
	cookie string
	key    []byte
	hook   func(*http.Request) string
}

func compileSession(o *Options) (sessionConfig, error) {
	s := sessionConfig{cookie: o.SessionCookie, key: slices.Clone(o.SessionKey), hook: o.SessionID}
	switch {
	case s.cookie == "":
		// A key alone serves SetSession (sessions carried in a header, say):
		// it must be as strong as with a cookie.
		if len(s.key) > 0 && len(s.key) < minSessionKeyLen {
			return s, fmt.Errorf("httpaudit: SessionKey: %d bytes, need at least %d", len(s.key), minSessionKeyLen)
		}
	case !isToken(s.cookie):
		return s, fmt.Errorf("httpaudit: SessionCookie %q: not a cookie name", s.cookie)
	case len(s.key) < minSessionKeyLen:
		// A short or missing key makes the hash a guessable function of
		// the cookie, which would turn the log into a session-token oracle.
		return s, fmt.Errorf("httpaudit: SessionKey: %d bytes, need at least %d with SessionCookie %q", len(s.key), minSessionKeyLen, s.cookie)
	case s.hook != nil:
		return s, fmt.Errorf("httpaudit: SessionCookie %q: cannot be combined with SessionID", s.cookie)
	}
	return s, nil
}

// enabled reports whether requests can have a session id: from the cookie,
// the hook, or SetSession with the key.
func (s *sessionConfig) enabled() bool { return s.cookie != "" || s.hook != nil || len(s.key) > 0 }

// id returns the session id of r, or "" when it has none.
func (s *sessionConfig) id(r *http.Request) string {
	if s.hook != nil {
		return s.hashed(s.hook(r))
	}
	if s.cookie == "" {
		return ""
	}
	c, err := r.Cookie(s.cookie)
	if err != nil || c.Value == "" {
		return ""
	}
	return sessionid.Hash(s.key, c.Value)
}

// hashed is the session.id of an id the SessionID hook returned (or
// SetSession was given): its keyed hash, with SessionKey, else with the
// process's random key. A session id is a bearer credential, and no value
// rule tells a random token from a harmless id, so it is never written as
// it is (red team 2: base64 or percent-encoded JWTs, "Bearer%20..." and
// 32-hex tokens passed the rules).
func (s *sessionConfig) hashed(id string) string { return sessionid.Of(s.key, id) }

// fromRaw is the session id SetSession derives from raw, as id derives it
// from a request: the keyed hash. ok is false when neither SessionKey nor
// the SessionID hook is configured.
func (s *sessionConfig) fromRaw(raw string) (id string, ok bool) {
	if s.hook == nil && len(s.key) == 0 {
		return "", false
	}
	return s.hashed(raw), true
}

// SetSession names the session that the request ctx belongs to from now on:
// records logged after the call in the same request (through the request
// scope) and the request's response event carry its session.id. It is meant
// for the request that creates a session, a login, whose own cookie did not
// exist yet when the request arrived, so that auth.login.success, the
// session.created event and the login's response are joined to the session's
// later requests:
//
//	sid := newSessionToken()
//	httpaudit.SetSession(r.Context(), sid)
//	authaudit.LoginSucceeded(r.Context(), user.ID)
//	authaudit.SessionCreated(r.Context(), user.ID)
//	http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, ...})
//
// raw is what later requests will present: with Options.SessionKey (with or
// without SessionCookie) it is the raw token, and session.id is its keyed
// hash, the same value the cookie gives on the next request; the token
// itself is never logged. With the Options.SessionID hook, raw is the id as
// the hook would return it on the next request, and session.id is its
// keyed hash too (with SessionKey, else with a random key of the process).
// "" means the request has no session from now on (after a logout, say).
//
// SetSession reports false, and changes nothing, when ctx does not belong to
// a request audited by a Middleware, or the Middleware has neither a
// SessionKey nor a SessionID hook. Under nested middlewares every one of
// them that can takes the session. It is safe for concurrent use; the last
// call wins.
func SetSession(ctx context.Context, raw string) bool {
	if ctx == nil {
		return false
	}
	set := false
	st, ok := ctx.Value(stateKey{}).(*request)
	for ok {
		if id, can := st.m.c.session.fromRaw(raw); can {
			st.sessSet.Store(&id)
			set = true
		}
		st, ok = st.Context.Value(stateKey{}).(*request)
	}
	return set
}
