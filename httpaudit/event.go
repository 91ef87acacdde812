package httpaudit

import (
	"context"
	"log/slog"
	randv2 "math/rand/v2"
	"net/http"
	"time"

	"github.com/secaudit/auditkit/internal/reqevent"

	"github.com/secaudit/auditkit/slogaudit"
)

// finish runs deferred after the handler: it audits the response and, if the
// handler panicked, re-raises the panic unchanged.
func (st *request) finish() {
	// The request is over: a context kept from it (context.WithoutCancel of
	// the handler's) begins later requests with users of their own.
	slogaudit.EndRequest(st.down.Context())
	// net/http removes the temporary files of a multipart form through the
	// request it passed in, not through our copy.
	if st.down.MultipartForm != nil && st.in.MultipartForm == nil {
		st.in.MultipartForm = st.down.MultipartForm
	}
	if st.done {
		st.audit("")
		return
	}
	p := recover()
	failure := ErrorTypePanic
	if p == http.ErrAbortHandler || p == nil { // nil: runtime.Goexit
		failure = ErrorTypeAbort
	}
	st.audit(failure)
	if p != nil {
		panic(p)
	}
}

// audit decides whether the response is audited and at what level; only then
// is anything computed.
func (st *request) audit(failure string) {
	// Fail open: a panic anywhere in the audit (Rand, the handler's Enabled
	// or Handle, a Route or SessionID hook) must neither break the request
	// nor replace the application's own panic, which finish re-raises after
	// this returns. recover here stops only a panic raised inside audit.
	defer func() { _ = recover() }()
	c := st.m.c
	status := st.rw.status
	if status == 0 {
		status = http.StatusOK // what net/http sends when nothing was written
		if failure != "" {
			status = http.StatusInternalServerError
		}
	}
	var event string
	level := slog.LevelInfo
	switch {
	case failure != "":
		// Audited whatever IgnoreStatusCodes says: a panic is never routine.
		event, level = EventServerError, slog.LevelError
		if failure == ErrorTypeAbort {
			level = slog.LevelWarn // a deliberate abort, not a crash
		}
	case c.ignoreCodes.has(status):
		return
	case status >= 500:
		event, level = EventServerError, slog.LevelError
	case status >= 400:
		event, level = EventClientError, slog.LevelWarn
	default:
		if !c.logOK || !c.sampled() {
			return
		}
		event = EventSuccess
		if status >= 300 {
			event = EventRedirect
		}
	}
	h := st.m.logHandler()
	ctx := st.down.Context()
	if !h.Enabled(ctx, level) {
		return
	}
	st.write(h, ctx, event, level, status, failure)
}

func (c *config) sampled() bool {
	if c.sampleRate >= 1 {
		return true
	}
	draw := c.rand
	if draw == nil {
		draw = randv2.Float64
	}
	return draw() < c.sampleRate
}

// write builds and handles the response record. Every attribute is on the
// record itself, so handlers that know nothing of the request scope get them
// too (slogaudit drops the scope's duplicates).
func (st *request) write(h slog.Handler, ctx context.Context, event string, level slog.Level, status int, failure string) {
	// Fail open: whatever the logging side does, the response is already
	// written and must stay so.
	defer func() { _ = recover() }()

	now := time.Now()
	c, r := st.m.c, st.in
	var buf [24]slog.Attr
	a := st.appendRequest(buf[:0], event)
	a = append(a,
		slog.Int(KeyHTTPStatusCode, status),
		slog.Int64(KeyHTTPResponseBodySize, st.rw.written),
	)
	a = reqevent.AppendString(a, KeyUserAgent, r.UserAgent())
	if u, ok := slogaudit.UserFromContext(ctx); ok {
		a = reqevent.AppendString(a, slogaudit.KeyUserID, u.ID)
		a = reqevent.AppendString(a, slogaudit.KeyUserName, u.Name)
	}
	a = reqevent.AppendString(a, KeyErrorType, failure)
	if st.body != nil {
		body, status := st.body.result(c.body, c.redactor)
		if body != nil {
			a = append(a, slog.Any(KeyRequestBody, body))
		}
		a = reqevent.AppendString(a, KeyRequestBodyParseStatus, status)
	}
	switch event {
	case EventSuccess:
		a = append(a, slog.String(slogaudit.KeyOutcome, slogaudit.OutcomeSuccess))
	case EventClientError, EventServerError:
		a = append(a, slog.String(slogaudit.KeyOutcome, slogaudit.OutcomeFailure))
	}
	a = append(a, slog.Int64(KeyDurationNS, int64(now.Sub(st.start))))

	rec := slog.NewRecord(now, level, MessageResponse, 0)
	rec.AddAttrs(a...)
	_ = h.Handle(ctx, rec)
}

// appendRequest appends event_type, the scope name and what is known of the
// request before the handler runs, from request_id to http.route.
func (st *request) appendRequest(a []slog.Attr, event string) []slog.Attr {
	c, r := st.m.c, st.in
	a = append(a,
		slog.String(slogaudit.KeyEventType, event),
		slog.String(slogaudit.KeyScopeName, ScopeName),
		slog.String(slogaudit.KeyRequestID, st.requestID()),
	)
	if c.session.enabled() {
		if id := st.sessionID(); id != "" {
			a = append(a, slog.Attr{Key: slogaudit.KeySessionID, Value: reqevent.Pseudonym(id)})
		}
	}
	client, peer := st.addrs()
	a = reqevent.AppendString(a, slogaudit.KeyClientAddress, client)
	a = reqevent.AppendString(a, slogaudit.KeyPeerAddress, peer)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	a = append(a,
		slog.String(KeyHTTPMethod, r.Method),
		slog.String(KeyURLScheme, scheme),
	)
	a = reqevent.AppendString(a, KeyServerAddress, reqevent.HostOnly(r.Host))
	a = append(a, slog.String(KeyURLPath, r.URL.Path))
	if c.logQuery && r.URL.RawQuery != "" {
		a = append(a, slog.String(KeyURLQuery, redactedQuery(r.URL.RawQuery, c.queryRules)))
	}
	return reqevent.AppendString(a, KeyHTTPRoute, st.route())
}

// received writes http.request.received for fail-closed mode and reports
// whether the handler stored it: it calls Handle itself, since a
// *slog.Logger would discard the error. A handler that is off at INFO or
// panics has not stored it either.
func (st *request) received() (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	h := st.m.logHandler()
	ctx := st.down.Context()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return false
	}
	var buf [16]slog.Attr
	a := st.appendRequest(buf[:0], EventRequestReceived)
	a = reqevent.AppendString(a, KeyUserAgent, st.in.UserAgent())
	rec := slog.NewRecord(time.Now(), slog.LevelInfo, MessageRequest, 0)
	rec.AddAttrs(a...)
	return h.Handle(ctx, rec) == nil
}
