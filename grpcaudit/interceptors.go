package grpcaudit

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
)

// ScopeName is the instrumentation scope of the events this package writes
// (the otel.scope.name attribute).
const ScopeName = "github.com/secaudit/auditkit/grpcaudit"

// Event types and the message (body) of the call events.
const (
	// EventSuccess is a call that ended with OK (only with LogOKCalls,
	// sampled), written at INFO.
	EventSuccess = "rpc.call.success"
	// EventClientError is a call refused or failed for the caller's reasons
	// (UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND, CANCELLED, ...).
	EventClientError = "rpc.call.client_error"
	// EventServerError is a call the server failed (INTERNAL, UNKNOWN,
	// DATA_LOSS, UNAVAILABLE, ...), or a panic.
	EventServerError = "rpc.call.server_error"
	// MessageCall is the message (OpenTelemetry body) of every call event.
	MessageCall = "rpc.call"
)

// ErrorTypePanic is the error.type of a call whose method panicked; the
// panic value is never logged.
const ErrorTypePanic = "panic"

// Interceptors write one audit event per gRPC call, after the method
// returns. Their configuration is immutable and they are safe for concurrent
// use; build them once with New and install them on any number of servers.
type Interceptors struct {
	logger *slog.Logger // nil: slog.Default() at each call
	c      *config
}

// New returns Interceptors that log to logger (nil means slog.Default(),
// looked up at each call, so a later slog.SetDefault takes effect).
//
// New validates opts (nil means the zero Options) and compiles everything
// it needs: a bad method name, regular expression, CIDR, status code, sample
// rate or size is an error that names the field and the value, never a
// failure at call time.
func New(logger *slog.Logger, opts *Options) (*Interceptors, error) {
	if opts == nil {
		opts = &Options{}
	}
	c, err := compile(opts)
	if err != nil {
		return nil, err
	}
	return &Interceptors{logger: logger, c: c}, nil
}

// logHandler is the slog.Handler records go to at this moment.
func (i *Interceptors) logHandler() slog.Handler {
	if i.logger == nil {
		return slog.Default().Handler()
	}
	return i.logger.Handler()
}

// ServerOptions returns the grpc.ServerOptions that install both
// interceptors, chained before any installed after them:
//
//	srv := grpc.NewServer(audit.ServerOptions()...)
//
// Install authentication interceptors after these, so that their
// slogaudit.SetUser reaches the call's event: one installed before them
// sets no call's user (see slogaudit.BeginRequest).
func (i *Interceptors) ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(i.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(i.StreamServerInterceptor()),
	}
}

// UnaryServerInterceptor returns the interceptor for unary calls.
//
// Each call not matched by IgnoreMethods gets a request scope in its
// context (see slogaudit.BeginRequest): request_id, client.address,
// network.peer.address, session.id, rpc.system.name and rpc.method,
// computed only if something is logged, so authaudit and modelaudit events
// logged inside the method carry them. Interceptors and methods inside set
// the acting user with slogaudit.SetUser; the call's event reads it after
// the method returns.
//
// After the method at most one event is written, as the status code table
// says (see the package documentation). A call the client cancelled, or
// whose deadline passed, before the method returned is recorded as
// CANCELLED or DEADLINE_EXCEEDED, which is what the client saw, even if
// the method returned OK. The same Interceptors installed twice on one
// server (ServerOptions and an explicit chain, say) audit each call once:
// the inner one passes the call through; two different Interceptors each
// write their event, with one request id. A panic is audited and then
// re-raised unchanged, or answered INTERNAL with Options.RecoverPanics.
// Logging never changes the call: a failing or panicking handler of the
// logger is ignored.
func (i *Interceptors) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return i.unary
}

// StreamServerInterceptor returns the interceptor for streaming calls. It
// works as UnaryServerInterceptor does; the stream's event, written when the
// method returns, also counts the messages received and sent, and a stream
// the client cancelled is recorded as CANCELLED whatever the method
// returned.
func (i *Interceptors) StreamServerInterceptor() grpc.StreamServerInterceptor {
	return i.stream
}

func (i *Interceptors) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	if i.c.ignore.has(info.FullMethod) {
		return handler(ctx, req)
	}
	outer, _ := ctx.Value(stateKey{}).(*call)
	if outer != nil && outer.ic == i {
		return handler(ctx, req) // installed twice: the outer one audits
	}
	st := i.start(ctx, outer, info.FullMethod)
	if p := i.c.payload; p != nil && p.wants(info.FullMethod) {
		st.body = p.captureUnary(req)
	}
	defer st.finish(&err)
	resp, err = handler(st.down, req)
	st.done = true
	return resp, err
}

func (i *Interceptors) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	if i.c.ignore.has(info.FullMethod) {
		return handler(srv, ss)
	}
	ctx := ss.Context()
	outer, _ := ctx.Value(stateKey{}).(*call)
	if outer != nil && outer.ic == i {
		return handler(srv, ss) // installed twice: the outer one audits
	}
	st := i.start(ctx, outer, info.FullMethod)
	st.stream = &serverStream{ServerStream: ss, st: st}
	if p := i.c.payload; p != nil && p.wants(info.FullMethod) {
		st.stream.capture = p
	}
	defer st.finish(&err)
	err = handler(srv, st.stream)
	st.done = true
	return err
}

// start makes the call state and its request scope. outer is the call
// state of another Interceptors this call is nested in, or nil.
func (i *Interceptors) start(ctx context.Context, outer *call, fullMethod string) *call {
	st := &call{Context: ctx, ic: i, outer: outer, method: trimSlash(fullMethod), start: time.Now()}
	st.down = st.scope()
	return st
}

// trimSlash turns gRPC's "/pkg.Service/Method" into OpenTelemetry's
// rpc.method, "pkg.Service/Method".
func trimSlash(fullMethod string) string {
	if len(fullMethod) > 0 && fullMethod[0] == '/' {
		return fullMethod[1:]
	}
	return fullMethod
}
