package grpcaudit

import (
	"context"
	"log/slog"
	randv2 "math/rand/v2"
	"time"

	"github.com/secaudit/auditkit/internal/reqevent"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/slogaudit"
)

// errRecovered is what a client gets for a panic under
// Options.RecoverPanics: INTERNAL, with nothing of the panic.
var errRecovered = status.Error(codes.Internal, "internal error")

// finish runs deferred after the method: it audits the call and, if the
// method panicked, re-raises the panic unchanged or, with RecoverPanics,
// replaces it by errRecovered in *errp.
func (st *call) finish(errp *error) {
	// The call is over: a context kept from it begins later calls with
	// users of their own.
	slogaudit.EndRequest(st.down)
	if st.done {
		st.audit(*errp, false, false)
		return
	}
	p := recover()
	recovered := p != nil && st.ic.c.recover
	st.audit(nil, true, recovered)
	switch {
	case p == nil: // runtime.Goexit: it goes on unwinding
	case recovered:
		*errp = errRecovered
	default:
		panic(p)
	}
}

// statusOf returns the code gRPC sends for a method's error: the status it
// carries, else CANCELLED or DEADLINE_EXCEEDED for context errors, else
// UNKNOWN (grpc-go's own rule, status.FromContextError).
func statusOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	if s, ok := status.FromError(err); ok {
		return s.Code()
	}
	return status.FromContextError(err).Code()
}

// audit decides whether the call is audited and at what level; only then is
// anything computed. panicked says the method did not return; recovered
// that the panic becomes INTERNAL.
func (st *call) audit(err error, panicked, recovered bool) {
	// Fail open: a panic anywhere in the audit (Rand, the handler's Enabled
	// or Handle, the SessionID hook) must neither break the call nor replace
	// the method's own panic, which finish re-raises after this returns.
	defer func() { _ = recover() }()
	c := st.ic.c
	code := statusOf(err)
	if code == codes.OK || code == codes.Unknown {
		// A call the client cancelled (or whose deadline passed) ended so,
		// whatever the method made of it: a stream method that ignores the
		// failed Send and returns nil did not complete the stream, and a
		// unary method's response is never sent once the client has gone.
		if ctxErr := st.Context.Err(); ctxErr != nil {
			code = status.FromContextError(ctxErr).Code()
		}
	}
	if code == codes.Canceled {
		// A client whose deadline passed resets the stream, which cancels
		// the server's context a moment before the server's own timer
		// fires (the server's deadline is the client's plus the headers'
		// trip): the client saw DEADLINE_EXCEEDED, and so does the trail.
		if d, ok := st.Context.Deadline(); ok && time.Until(d) < deadlineSlack {
			code = codes.DeadlineExceeded
		}
	}
	k := classOf(code)
	switch {
	case panicked:
		// Audited whatever IgnoreCodes says: a panic is never routine.
		k.event, k.level = EventServerError, slog.LevelError
		code, k.name = codes.Internal, codeTable[codes.Internal].name
		if !recovered {
			k.name = "" // nothing was sent: the panic goes on
		}
	case c.ignoreCode.has(code):
		return
	case code == codes.OK:
		if !c.logOK || !c.sampled() {
			return
		}
	}
	h := st.ic.logHandler()
	ctx := st.down
	if !h.Enabled(ctx, k.level) {
		return
	}
	st.write(h, ctx, k, code, panicked)
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

// write builds and handles the call's record. Every attribute is on the
// record itself, so handlers that know nothing of the request scope get them
// too (slogaudit drops the scope's duplicates).
func (st *call) write(h slog.Handler, ctx context.Context, k class, code codes.Code, panicked bool) {
	// Fail open: whatever the logging side does, the call is over.
	defer func() { _ = recover() }()

	now := time.Now()
	c := st.ic.c
	var buf [24]slog.Attr
	a := append(buf[:0],
		slog.String(slogaudit.KeyEventType, k.event),
		slog.String(slogaudit.KeyScopeName, ScopeName),
		slog.String(slogaudit.KeyRequestID, st.requestID()),
	)
	if c.session != nil {
		if id := st.sessionID(); id != "" {
			a = append(a, slog.Attr{Key: slogaudit.KeySessionID, Value: reqevent.Pseudonym(id)})
		}
	}
	client, peer := st.addrs()
	a = reqevent.AppendString(a, slogaudit.KeyClientAddress, client)
	a = reqevent.AppendString(a, slogaudit.KeyPeerAddress, peer)
	a = append(a,
		slog.String(KeyRPCSystem, SystemGRPC),
		slog.String(KeyRPCMethod, st.method),
	)
	a = reqevent.AppendString(a, KeyServerAddress, reqevent.HostOnly(st.metadataValue(":authority")))
	a = reqevent.AppendString(a, KeyUserAgent, st.metadataValue("user-agent"))
	a = reqevent.AppendString(a, KeyRPCStatusCode, k.name)
	switch {
	case panicked:
		a = append(a, slog.String(KeyErrorType, ErrorTypePanic))
	case code != codes.OK:
		a = append(a, slog.String(KeyErrorType, k.name))
	}
	if s := st.stream; s != nil {
		a = append(a,
			slog.Int64(KeyMessagesReceived, s.received.Load()),
			slog.Int64(KeyMessagesSent, s.sent.Load()),
		)
	}
	if u, ok := slogaudit.UserFromContext(ctx); ok {
		a = reqevent.AppendString(a, slogaudit.KeyUserID, u.ID)
		a = reqevent.AppendString(a, slogaudit.KeyUserName, u.Name)
	}
	a = st.appendBody(a)
	outcome := slogaudit.OutcomeFailure
	if code == codes.OK && !panicked {
		outcome = slogaudit.OutcomeSuccess
	}
	a = append(a,
		slog.String(slogaudit.KeyOutcome, outcome),
		slog.Int64(KeyDurationNS, int64(now.Sub(st.start))),
	)

	rec := slog.NewRecord(now, k.level, MessageCall, 0)
	rec.AddAttrs(a...)
	_ = h.Handle(ctx, rec)
}

// deadlineSlack is how long before the server's deadline a cancellation is
// taken for the client's deadline: the headers' one-way trip, generously.
// A client that cancels on its own within it is recorded DEADLINE_EXCEEDED.
const deadlineSlack = 50 * time.Millisecond
