package httpaudit

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/secaudit/auditkit/internal/sessionid"
)

type countHandler struct{ n int }

func (h *countHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (h *countHandler) Handle(context.Context, slog.Record) error { h.n++; return nil }
func (h *countHandler) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h *countHandler) WithGroup(string) slog.Handler             { return h }

// In the default setting a 2xx does no work for an event that will not be
// written: no request id, no address parsing, no route or session lookup.
func TestNoWorkWithoutEvent(t *testing.T) {
	var routes, sessions int
	sink := &countHandler{}
	m, err := New(slog.New(sink), &Options{
		TrustedProxies: []string{"10.0.0.0/8"},
		Route:          func(*http.Request) string { routes++; return "/r" },
		SessionID:      func(*http.Request) string { sessions++; return "s" },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []int{200, 404} {
		var st *request
		h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st = r.Context().Value(stateKey{}).(*request)
			w.WriteHeader(code)
		}))
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = "10.0.0.1:5"
		req.Header.Set("X-Forwarded-For", "8.8.8.8")
		h.ServeHTTP(httptest.NewRecorder(), req)
		computed := st.id != "" || st.client != "" || st.peer != "" || routes != 0 || sessions != 0
		if code == 200 && (computed || sink.n != 0) {
			t.Errorf("200: id %q client %q peer %q routes %d sessions %d events %d", st.id, st.client, st.peer, routes, sessions, sink.n)
		}
		if code == 404 && (st.id == "" || st.client != "8.8.8.8" || st.peer != "10.0.0.1" || routes != 1 || sessions != 1 || sink.n != 1) {
			t.Errorf("404: id %q client %q peer %q routes %d sessions %d events %d", st.id, st.client, st.peer, routes, sessions, sink.n)
		}
	}
}

// The scope values resolve lazily, from inside the request, to what the
// response event will say; unknown ones resolve to an empty group, which
// handlers omit.
func TestScopeValues(t *testing.T) {
	m, err := New(slog.New(&countHandler{}), &Options{SessionCookie: "sid", SessionKey: []byte("0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	var vals map[string]slog.Value
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		st := r.Context().Value(stateKey{}).(*request)
		vals = map[string]slog.Value{
			"id":      (*lazyRequestID)(st).LogValue(),
			"client":  (*lazyClient)(st).LogValue(),
			"peer":    (*lazyPeer)(st).LogValue(),
			"route":   (*lazyRoute)(st).LogValue(),
			"session": (*lazySession)(st).LogValue(),
		}
		if RequestID(r.Context()) != vals["id"].String() {
			t.Error("RequestID differs from the scope's request_id")
		}
	})
	h := m.Wrap(mux)

	req := httptest.NewRequest("GET", "/users/7", nil)
	req.AddCookie(&http.Cookie{Name: "sid", Value: "v"})
	h.ServeHTTP(httptest.NewRecorder(), req)
	if vals["route"].String() != "/users/{id}" || vals["client"].String() != "192.0.2.1" || vals["peer"].String() != "192.0.2.1" ||
		len(vals["id"].String()) != 32 || vals["session"].String() != sessionid.Hash([]byte("0123456789abcdef"), "v") {
		t.Errorf("scope values %v", vals)
	}

	// No cookie, unknown peer: empty groups.
	req = httptest.NewRequest("GET", "/users/8", nil)
	req.RemoteAddr = "@"
	h.ServeHTTP(httptest.NewRecorder(), req)
	for _, k := range []string{"client", "peer", "session"} {
		if v := vals[k]; v.Kind() != slog.KindGroup || len(v.Group()) != 0 {
			t.Errorf("%s = %v, want an empty group", k, v)
		}
	}
}

func TestPatternPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"/":                         "/",
		"/users/{id}":               "/users/{id}",
		"GET /users/{id}":           "/users/{id}",
		"GET  \t/x":                 "/x",
		"example.com/":              "/",
		"POST example.com/a/{b...}": "/a/{b...}",
		"GET example.com":           "",
	} {
		if got := patternPath(in); got != want {
			t.Errorf("patternPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// Each generated combination type has exactly the optional interfaces of its
// index bits, plus Unwrap and WriteString.
func TestWriterCombos(t *testing.T) {
	for k, conv := range combos {
		w := conv(&rw{})
		_, f := w.(http.Flusher)
		_, h := w.(http.Hijacker)
		_, r := w.(io.ReaderFrom)
		_, p := w.(http.Pusher)
		//lint:ignore SA1019 mirrored for old handlers, not used
		_, c := w.(http.CloseNotifier)
		got := 0
		for i, has := range []bool{f, h, r, p, c} {
			if has {
				got |= 1 << i
			}
		}
		if got != k {
			t.Errorf("combos[%d] (%T) has interface bits %05b", k, w, got)
		}
		if _, ok := w.(interface{ Unwrap() http.ResponseWriter }); !ok {
			t.Errorf("%T lacks Unwrap", w)
		}
		if _, ok := w.(io.StringWriter); !ok {
			t.Errorf("%T lacks WriteString", w)
		}
	}
}
