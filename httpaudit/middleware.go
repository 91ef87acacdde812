package httpaudit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secaudit/auditkit/internal/reqevent"

	"github.com/secaudit/auditkit/internal/sessionid"

	"github.com/secaudit/auditkit/internal/clientip"
	"github.com/secaudit/auditkit/internal/trusted"
	"github.com/secaudit/auditkit/slogaudit"
)

// ScopeName is the instrumentation scope of the events this package writes
// (the otel.scope.name attribute).
const ScopeName = "github.com/secaudit/auditkit/httpaudit"

// Event types and the message (body) of the response events.
const (
	// EventSuccess is a response below 300 (only with LogOKResponses).
	EventSuccess = "http.response.success"
	// EventRedirect is a 3xx response (only with LogOKResponses).
	EventRedirect = "http.response.redirect"
	// EventClientError is a 4xx response, written at WARN.
	EventClientError = "http.response.client_error"
	// EventServerError is a 5xx response or a panic, written at ERROR.
	EventServerError = "http.response.server_error"
	// MessageResponse is the message (OpenTelemetry body) of every response event.
	MessageResponse = "http.response"

	// EventRequestReceived is written, at INFO, before the application
	// handler runs, only with Options.FailClosed.
	EventRequestReceived = "http.request.received"
	// MessageRequest is the message (OpenTelemetry body) of
	// http.request.received.
	MessageRequest = "http.request"
)

// Values of error.type on the response event.
const (
	// ErrorTypePanic marks a handler that panicked; the panic value is never logged.
	ErrorTypePanic = "panic"
	// ErrorTypeAbort marks a handler that aborted with http.ErrAbortHandler
	// (or runtime.Goexit); the event is then written at WARN.
	ErrorTypeAbort = "abort"
)

// Middleware writes one audit event per HTTP request, after the response
// (and one before the handler with Options.FailClosed). Its configuration is
// immutable and it is safe for concurrent use; build it once with New and
// wrap any number of handlers.
type Middleware struct {
	logger *slog.Logger // nil: slog.Default() at each request
	c      *config

	rejected atomic.Uint64 // Stats.FailClosedRejections
}

// Stats are the counters of a Middleware, for the operator's metrics.
type Stats struct {
	// FailClosedRejections counts requests refused with 503 under
	// Options.FailClosed because http.request.received could not be
	// written. Any of them means the audit trail is failing.
	FailClosedRejections uint64
}

// Stats returns the counters; it is safe to call at any time.
func (m *Middleware) Stats() Stats {
	return Stats{FailClosedRejections: m.rejected.Load()}
}

// New returns a Middleware that logs to logger (nil means slog.Default(),
// looked up at each request, so a later slog.SetDefault takes effect).
//
// New validates opts (nil means the zero Options) and compiles everything it
// needs: a bad regular expression, CIDR, status code, sample rate, size or
// session key is an error that names the field and the value, never a failure
// at request time.
//
// With Options.FailClosed, a logger whose handler does not declare durable
// writes (see slogaudit.Durable) is an error too; for a nil logger New asks
// the handler of slog.Default() at the time of the call.
func New(logger *slog.Logger, opts *Options) (*Middleware, error) {
	if opts == nil {
		opts = &Options{}
	}
	c, err := compile(opts)
	if c != nil && c.failClosed {
		l := logger
		if l == nil {
			l = slog.Default()
		}
		if d, ok := l.Handler().(slogaudit.Durable); !ok || !d.Durable() {
			err = fmt.Errorf("httpaudit: FailClosed: the logger's handler (%T) does not declare durable "+
				"writes (slogaudit.Durable), so a nil error from Handle may stand for a record that is "+
				"queued or lost and cannot decide the request; write through a slogaudit.Handler over "+
				"an auditsink File, Chain, Guard with FailClosed, or Multi of those, without Async", l.Handler())
		}
	}
	if err != nil {
		return nil, err
	}
	return &Middleware{logger: logger, c: c}, nil
}

// logHandler is the slog.Handler records go to at this moment.
func (m *Middleware) logHandler() slog.Handler {
	if m.logger == nil {
		return slog.Default().Handler()
	}
	return m.logger.Handler()
}

// Wrap returns next wrapped by the middleware; its type suits chi's r.Use and
// any func(http.Handler) http.Handler chain.
//
// Each request not matched by IgnorePaths gets a request scope in its
// context (see slogaudit.BeginRequest): request_id, client.address,
// network.peer.address, session.id, http.request.method, url.path and
// http.route, computed only if something is logged. Handlers inside set the
// acting user with slogaudit.SetUser; the response event reads it after next
// returns.
//
// After the response at most one event is written: http.response.
// client_error (WARN) for 4xx, server_error (ERROR) for 5xx and panics, and,
// only with LogOKResponses and after sampling, success or redirect (INFO).
// A panic is audited and then re-raised unchanged, so the server's own
// recovery still runs. Logging never changes the response: a failing or
// panicking handler of the logger is ignored, unless Options.FailClosed is
// set: then http.request.received is written before next runs, and a request
// it cannot be written for is answered 503 without running next.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	return &handler{m: m, next: next}
}

type handler struct {
	m    *Middleware
	next http.Handler
}

var _ http.Handler = (*handler)(nil)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m, c := h.m, h.m.c
	if c.ignored(r) {
		h.next.ServeHTTP(w, r)
		return
	}

	st := &request{Context: r.Context(), m: m, in: r, start: time.Now()}
	// The scope holds lazy values: nothing below is computed unless a record
	// is logged. Converting a pointer to an interface does not allocate.
	scope := [...]slog.Attr{
		slog.Any(slogaudit.KeyRequestID, (*lazyRequestID)(st)),
		slog.Any(slogaudit.KeyClientAddress, (*lazyClient)(st)),
		slog.Any(slogaudit.KeyPeerAddress, (*lazyPeer)(st)),
		slog.String(KeyHTTPMethod, r.Method),
		slog.String(KeyURLPath, r.URL.Path),
		slog.Any(KeyHTTPRoute, (*lazyRoute)(st)),
		slog.Any(slogaudit.KeySessionID, (*lazySession)(st)),
	}
	n := len(scope)
	if !c.session.enabled() {
		n--
	}
	// BeginRequest: the request has its own acting user, empty at first,
	// even under a scope that spans requests (one ConnContext makes per
	// connection); finish ends the request.
	down := r.WithContext(slogaudit.BeginRequest(st, scope[:n]...))
	st.down = down
	// Fail closed before anything of the request is consumed: a refused
	// request leaves its body unread.
	if c.failClosed && !st.received() {
		m.rejected.Add(1)
		http.Error(w, "audit log unavailable", http.StatusServiceUnavailable)
		return
	}
	if c.body != nil && c.body.wants(r) {
		var body io.ReadCloser
		if st.body, body = c.body.start(r); body != nil {
			down.Body = body
		}
	}
	st.rw.w = w
	ww := st.rw.wrap()

	defer st.finish()
	h.next.ServeHTTP(ww, down)
	st.done = true
}

// stateKey finds the request state in a context (see request.Value).
type stateKey struct{}

// request is the per-request state: one allocation holding the lazy scope
// values, the response meter and the captured body. It is also the context
// node that makes RequestID work: it embeds the incoming request's context
// and answers stateKey itself, which saves a context.WithValue.
//
// It embeds trusted.Mark, so the lazy scope values (lazyRequestID, ...,
// which are request under other names and keep its promoted methods) are
// library-produced values that the slogaudit handler writes without
// redaction. url.path and http.request.method are plain strings on purpose:
// they come from the client and pass the value rules.
type request struct {
	trusted.Mark
	context.Context
	m     *Middleware
	in    *http.Request // as received: headers, peer, URL
	down  *http.Request // as passed down: its context has the scope, its Pattern the route
	start time.Time
	done  bool // next returned normally
	rw    rw
	body  *capture

	idOnce  sync.Once
	id      string
	ipOnce  sync.Once
	client  string
	peer    string
	sess    sessionid.Memo
	sessSet atomic.Pointer[string] // SetSession's id; nil: the request's own
}

// Value implements context.Context.
func (st *request) Value(key any) any {
	if key == (stateKey{}) {
		return st
	}
	return st.Context.Value(key)
}

// RequestID returns the request id of the audited request ctx belongs to (32
// lower-case hex, generated, never taken from the client), or "" outside one.
// A request audited inside another one (nested middleware) shares the outer
// id.
func RequestID(ctx context.Context) string {
	if st, ok := ctx.Value(stateKey{}).(*request); ok {
		return st.requestID()
	}
	return ""
}

func (st *request) requestID() string {
	st.idOnce.Do(func() {
		if outer, ok := st.Context.Value(stateKey{}).(*request); ok {
			st.id = outer.requestID()
			return
		}
		var b [16]byte
		_, _ = rand.Read(b[:]) // never fails (Go 1.24: it would crash instead)
		var h [32]byte
		hex.Encode(h[:], b[:])
		st.id = string(h[:])
	})
	return st.id
}

func (st *request) addrs() (client, peer string) {
	st.ipOnce.Do(func() {
		local, _ := st.in.Context().Value(http.LocalAddrContextKey).(net.Addr)
		p := clientip.PeerOn(local, clientip.ParsePeer(st.in.RemoteAddr))
		c := st.m.c.ip.Resolve(st.in.Header, p)
		if p.IsValid() {
			st.peer = p.String()
		}
		if c == p {
			st.client = st.peer
		} else if c.IsValid() {
			st.client = c.String()
		}
	})
	return st.client, st.peer
}

func (st *request) route() string {
	if f := st.m.c.route; f != nil {
		return f(st.down)
	}
	return patternPath(st.down.Pattern)
}

func (st *request) sessionID() string {
	if id := st.sessSet.Load(); id != nil {
		return *id
	}
	// Not a sync.Once: a SessionID hook that logs with r.Context() asks for
	// the id while it runs, and would wait on itself forever.
	return st.sess.Get(func() string { return st.m.c.session.id(st.down) })
}

// Lazy scope values. Each is the request state under another name, so that
// one allocation serves them all.
type (
	lazyRequestID request
	lazyClient    request
	lazyPeer      request
	lazyRoute     request
	lazySession   request
)

func (v *lazyRequestID) LogValue() slog.Value { return slog.StringValue((*request)(v).requestID()) }
func (v *lazyClient) LogValue() slog.Value {
	c, _ := (*request)(v).addrs()
	return reqevent.Optional(c)
}
func (v *lazyPeer) LogValue() slog.Value {
	_, p := (*request)(v).addrs()
	return reqevent.Optional(p)
}
func (v *lazyRoute) LogValue() slog.Value   { return reqevent.Optional((*request)(v).route()) }
func (v *lazySession) LogValue() slog.Value { return reqevent.Pseudonym((*request)(v).sessionID()) }
