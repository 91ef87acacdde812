package httpaudit

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secaudit/auditkit/internal/trusted"
)

// The lazy scope values the middleware computes itself carry
// internal/trusted's mark (request embeds trusted.Mark, and the lazy types,
// request under other names, keep its promoted method), so the slogaudit
// handler writes them without redaction. (The method and path, which the
// client chose, stay plain strings: see TestScopeRedaction.)
func TestScopeValuesMarked(t *testing.T) {
	m, err := New(nil, &Options{SessionCookie: "sid", SessionKey: []byte("0123456789abcdef")})
	require.NoError(t, err)
	req := httptest.NewRequest("GET", "/", nil)
	st := &request{m: m, in: req, down: req}
	for name, v := range map[string]any{
		"request_id":           (*lazyRequestID)(st),
		"client.address":       (*lazyClient)(st),
		"network.peer.address": (*lazyPeer)(st),
		"http.route":           (*lazyRoute)(st),
		"session.id":           (*lazySession)(st),
	} {
		assert.True(t, trusted.Is(v), name)
		assert.True(t, trusted.Is(slog.AnyValue(v).Any()), name+" as a slog.Value")
	}

}
