package slogaudit

import (
	"log/slog"

	"github.com/secaudit/auditkit/internal/trusted"
)

// The request-scope keys: what the request scope (context.go) provides for
// them, and how they are written at the top of attributes.

// requestKey is one request-scope key and what the encoder must know about
// it beyond its position.
type requestKey struct {
	name string
	// fallback: the fallback record keeps the key (cut to the tier's id
	// bound; see fallbackTiers, whose sizes assume one such key).
	fallback bool
}

// requestKeys is the one table of request-scope keys. They are written at
// the top of attributes in this order when the request scope provides them,
// and a key's index i is its bit in every reqKeySet (reqKeyBit) and its slot
// in state.reqVals and config.requestKeyPaths: nothing else spells a key's
// position, so the table can be reordered or extended (up to eight keys)
// without touching the code that uses it. TestRequestKeysTable checks each
// derived fact against it.
var requestKeys = [...]requestKey{
	{name: KeyRequestID, fallback: true},
	{name: KeySessionID},
	{name: KeyClientAddress},
	{name: KeyPeerAddress},
}

// reqKeySet is a set of request-scope keys: bit i stands for requestKeys[i].
type reqKeySet uint8

// A reqKeySet has a bit for every request key: this fails to compile past
// eight keys.
var _ [8 - len(requestKeys)]struct{}

// reqKeyBit is the set holding only requestKeys[i].
func reqKeyBit(i int) reqKeySet { return 1 << i }

// has reports whether s holds requestKeys[i].
func (s reqKeySet) has(i int) bool { return s&reqKeyBit(i) != 0 }

// requestKeyBit returns the set holding the request key that the escaped
// attribute key esc spells, or 0. It runs when the key cache misses, not per
// attribute.
func requestKeyBit(esc []byte) reqKeySet {
	for i, k := range requestKeys {
		if string(esc) == k.name {
			return reqKeyBit(i)
		}
	}
	return 0
}

// requestKeyIndex returns the index of key in requestKeys, or -1.
func requestKeyIndex(key string) int {
	for i, k := range requestKeys {
		if key == k.name {
			return i
		}
	}
	return -1
}

// appendRequestScope adds the request scope of ctx: its attributes
// (LogValuers are resolved now, per record) and the acting user. Request keys
// are kept apart, to be written at the top of attributes.
func (st *state) appendRequestScope(s *requestScope) {
	st.library = true
	// The request keys first: an attribute that spells one ("session" > "id")
	// must yield to it wherever it sits in the scope.
	for _, a := range s.attrs {
		if i := requestKeyIndex(a.Key); i >= 0 {
			st.setRequestKey(i, a.Value)
		}
	}
	for _, a := range s.attrs {
		if requestKeyIndex(a.Key) < 0 {
			st.appendAttr(a, st.c.root)
		}
	}
	if u := s.user.load(); u != nil {
		if u.ID != "" {
			st.appendAttr(slog.String(KeyUserID, u.ID), st.c.root)
		}
		if u.Name != "" {
			st.appendAttr(slog.String(KeyUserName, u.Name), st.c.root)
		}
	}
	st.library = false
}

// setRequestKey records the request scope's value for requestKeys[i],
// resolved now (per record), and whether the library produced it.
func (st *state) setRequestKey(i int, v slog.Value) {
	produced := isProduced(v)
	v, err := resolve(v)
	if err != nil {
		st.c.reportError(err)
		v = slog.StringValue(placeholderPanic)
	}
	if v.Kind() == slog.KindGroup && len(v.Group()) == 0 {
		return // a LogValuer resolving to an empty group means "omit"
	}
	st.reqVals[i] = v
	st.reqProvided |= reqKeyBit(i)
	if produced || isPseudonym(v) {
		st.reqProduced |= reqKeyBit(i)
	} else {
		st.reqProduced &^= reqKeyBit(i) // a child scope's own value
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

// encodeRequestKeys encodes the request keys the request scope provided into
// st.reqBuf. A value the library produced (see isProduced, and a
// redact.Pseudonym) is written as it is; what the application put in the
// scope passes the key and value rules like any attribute, so a raw
// session.id is masked.
func (st *state) encodeRequestKeys() {
	if st.reqProvided == 0 {
		return
	}
	saved, savedNoRedact := st.buf, st.noRedact
	st.buf = st.reqBuf
	for i, k := range requestKeys {
		if !st.reqProvided.has(i) {
			continue
		}
		st.buf = append(st.buf, st.c.keyOpen...)
		st.buf = append(st.buf, k.name...)
		st.buf = append(st.buf, st.c.keyClose...)
		v, p := st.reqVals[i], st.c.requestKeyPaths[i]
		st.noRedact = st.reqProduced.has(i) || !st.c.redacts
		if !st.noRedact && p.Sensitive() {
			st.appendMasked(st.maskValue(v))
		} else {
			st.appendValue(v, p, 1)
		}
		if st.otlp {
			st.buf = append(st.buf, '}')
		}
	}
	st.reqBuf, st.buf, st.noRedact = st.buf, saved, savedNoRedact
}

// requestKeyString is the text of request-scope key i as the fallback record
// writes it: redacted unless the library produced it.
func (st *state) requestKeyString(i int) string {
	v := st.reqVals[i]
	s := stringOf(v)
	if st.reqProduced.has(i) || !st.c.redacts {
		return s
	}
	if st.c.requestKeyPaths[i].Sensitive() || v.Kind() != slog.KindString || st.c.rules.MatchValue(s) {
		return st.maskValue(v).String()
	}
	return s
}
