package httpaudit_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// A SessionID hook that logs with the request's own context asks for the
// request's session.id while it runs. With a sync.Once the request hung
// forever (review of turn 3); now the hook's record has no session.id and
// the response event has the hashed id.
func TestSessionHookThatLogs(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(slogaudit.NewHandler(&syncWriter{mu: &mu, w: &buf}, nil))
	m, err := httpaudit.New(logger, &httpaudit.Options{SessionID: func(r *http.Request) string {
		logger.InfoContext(r.Context(), "session.lookup", slog.String(slogaudit.KeyEventType, "session.lookup"))
		return "server-side-session-1"
	}})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "work", slog.String(slogaudit.KeyEventType, "work"))
		w.WriteHeader(http.StatusNotFound)
	}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the request hung: the SessionID hook waited on itself")
	}
	mu.Lock()
	defer mu.Unlock()
	out := buf.String()
	if !strings.Contains(out, `"session.lookup"`) || !strings.Contains(out, `"session.id":"`) ||
		strings.Contains(out, "server-side-session-1") {
		t.Errorf("lines:\n%s", out)
	}
}

type syncWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
