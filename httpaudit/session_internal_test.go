package httpaudit

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/secaudit/auditkit/internal/sessionid"
	"github.com/secaudit/auditkit/redact"
)

// The lazy scope value resolves to a redact.Pseudonym too, and to nothing
// without a session.
func TestLazySessionIsPseudonym(t *testing.T) {
	m, err := New(nil, &Options{SessionCookie: "sid", SessionKey: []byte("0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	for _, cookie := range []string{"abc", ""} {
		req := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "sid", Value: cookie})
		}
		st := &request{m: m, in: req, down: req}
		v := (*lazySession)(st).LogValue()
		p, ok := v.Any().(redact.Pseudonym)
		if cookie != "" && (!ok || p != redact.Pseudonym(sessionid.Hash(m.c.session.key, cookie))) {
			t.Errorf("cookie %q: scope value %#v", cookie, v.Any())
		}
		if cookie == "" && ok {
			t.Errorf("no cookie: scope value %#v", v.Any())
		}
	}
}
