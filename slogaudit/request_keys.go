package slogaudit

import (
	"log/slog"

	"github.com/secaudit/auditkit/internal/trusted"
)

// The request-scope keys: what the request scope (context.go) provides for
// them, and how they are written at the top of attributes.

// scopeKeys are written at the top of attributes, in this order, when the
// request scope provides them.
var scopeKeys = [...]string{KeyRequestID, KeySessionID, KeyClientAddress, KeyPeerAddress}

// scopeKeyBit returns the bit of key in a scope-key set, or 0.
func scopeKeyBit(key []byte) uint8 {
	switch string(key) {
	case KeyRequestID:
		return 1
	case KeySessionID:
		return 2
	case KeyClientAddress:
		return 4
	case KeyPeerAddress:
		return 8
	}
	return 0
}

func scopeKeyIndex(key string) int {
	for i, k := range scopeKeys {
		if key == k {
			return i
		}
	}
	return -1
}

// appendScope adds the request scope of ctx: its attributes (LogValuers are
// resolved now, per record) and the acting user. Scope keys are kept apart,
// to be written at the top of attributes.
func (st *state) appendScope(s *scope) {
	st.library = true
	// The scope keys first: an attribute that spells one ("session" > "id")
	// must yield to it wherever it sits in the scope.
	for _, a := range s.attrs {
		if i := scopeKeyIndex(a.Key); i >= 0 {
			st.setScopeKey(i, a.Value)
		}
	}
	for _, a := range s.attrs {
		if scopeKeyIndex(a.Key) < 0 {
			st.appendAttr(a, st.c.root)
		}
	}
	if u := s.user.p.Load(); u != nil {
		if u.ID != "" {
			st.appendAttr(slog.String(KeyUserID, u.ID), st.c.root)
		}
		if u.Name != "" {
			st.appendAttr(slog.String(KeyUserName, u.Name), st.c.root)
		}
	}
	st.library = false
}

// setScopeKey records the request scope's value for scopeKeys[i], resolved
// now (per record), and whether the library produced it.
func (st *state) setScopeKey(i int, v slog.Value) {
	produced := isProduced(v)
	v, err := resolve(v)
	if err != nil {
		st.c.reportError(err)
		v = slog.StringValue(placeholderPanic)
	}
	if v.Kind() == slog.KindGroup && len(v.Group()) == 0 {
		return // a LogValuer resolving to an empty group means "omit"
	}
	st.scopeVals[i] = v
	st.provided |= 1 << i
	if produced || isPseudonym(v) {
		st.produced |= 1 << i
	} else {
		st.produced &^= 1 << i // a child scope's own value
	}
}

// isProduced reports whether a request-scope value was computed by the
// library (httpaudit's request id and addresses carry internal/trusted's
// mark) rather than handed in by the application.
func isProduced(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindLogValuer, slog.KindAny:
		return trusted.Is(v.Any())
	}
	return false
}

// encodeScopeKeys encodes the scope keys the request scope provided into
// st.sk. A value the library produced (see isProduced, and a
// redact.Pseudonym) is written as it is; what the application put in the
// scope passes the key and value rules like any attribute, so a raw
// session.id is masked.
func (st *state) encodeScopeKeys() {
	if st.provided == 0 {
		return
	}
	saved, savedNoRedact := st.buf, st.noRedact
	st.buf = st.sk
	for i, k := range scopeKeys {
		if st.provided&(1<<i) == 0 {
			continue
		}
		st.buf = append(st.buf, ',', '"')
		st.buf = append(st.buf, k...)
		st.buf = append(st.buf, '"', ':')
		v, p := st.scopeVals[i], st.c.scopePaths[i]
		st.noRedact = st.produced&(1<<i) != 0 || !st.c.redacts
		if !st.noRedact && p.Sensitive() {
			st.appendMasked(st.maskValue(v))
			continue
		}
		st.appendValue(v, p, 1)
	}
	st.sk, st.buf, st.noRedact = st.buf, saved, savedNoRedact
}

// scopeString is the text of request-scope key i as the fallback record
// writes it: redacted unless the library produced it.
func (st *state) scopeString(i int) string {
	v := st.scopeVals[i]
	s := stringOf(v)
	if st.produced&(1<<i) != 0 || !st.c.redacts {
		return s
	}
	if st.c.scopePaths[i].Sensitive() || v.Kind() != slog.KindString || st.c.rules.MatchValue(s) {
		return st.maskValue(v).String()
	}
	return s
}
