package httpaudit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/secaudit/auditkit/redact"
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

func (s *sessionConfig) enabled() bool { return s.cookie != "" || s.hook != nil }

// id returns the session id of r, or "" when it has none.
func (s *sessionConfig) id(r *http.Request) string {
	if s.hook != nil {
		return s.hook(r)
	}
	c, err := r.Cookie(s.cookie)
	if err != nil || c.Value == "" {
		return ""
	}
	return sessionHash(s.key, c.Value)
}

// sessionHash is the first 16 bytes of HMAC-SHA256(key, value) in lower-case
// hex: stable for one cookie value, useless for recovering it.
func sessionHash(key []byte, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(value))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0])[:16])
}

// pseudonym is the log value of a session id: a redact.Pseudonym, which
// redact's adapters (Middleware, ReplaceAttr) in front of any handler pass
// through although "session.id" is a sensitive key. The id is a keyed hash
// of the cookie, or the application's own non-secret id (Options.SessionID),
// so it is safe to log, and useless masked. "" renders as an empty group,
// which handlers omit.
func pseudonym(id string) slog.Value {
	if id == "" {
		return slog.GroupValue()
	}
	return slog.AnyValue(redact.Pseudonym(id))
}
