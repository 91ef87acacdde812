package grpcaudit_test

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/grpcaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// TestInstalledTwice (red team): the same Interceptors installed twice on
// one server (ServerOptions and an explicit chain) write one event per
// call, unary and streaming; two different Interceptors write one each,
// with the same request id.
func TestInstalledTwice(t *testing.T) {
	out := &sink{}
	audit, err := grpcaudit.New(newLogger(out, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := grpcaudit.New(newLogger(out, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(append(audit.ServerOptions(),
		grpc.ChainUnaryInterceptor(audit.UnaryServerInterceptor(), other.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(audit.StreamServerInterceptor()))...)
	testgrpc.RegisterTestServiceServer(srv, &service{
		unary: func(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
			return nil, status.Error(codes.PermissionDenied, "")
		},
		fullDuplex: func(testgrpc.TestService_FullDuplexCallServer) error { return status.Error(codes.NotFound, "") },
	})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	c := testgrpc.NewTestServiceClient(dial(t, lis.Addr().String(), ""))
	_, _ = c.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{})
	ev := out.waitCalls(t, 2) // audit's and other's
	if len(ev) != 2 || ev[0].str("request_id") != ev[1].str("request_id") {
		t.Fatalf("unary events:\n%s", out)
	}
	st, err := c.FullDuplexCall(ctxTimeout(t))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = st.Recv()
	out.waitCalls(t, 3)
	time.Sleep(50 * time.Millisecond) // a second stream event would come now
	ev = out.calls(t)
	if len(ev) != 3 || ev[2].str(grpcaudit.KeyRPCStatusCode) != "NOT_FOUND" {
		t.Fatalf("stream events:\n%s", out)
	}
}

// connScope gives every connection a request scope, as observability code
// does from a stats handler (the TLS peer's name, say).
type connScope struct{}

func (connScope) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (connScope) HandleRPC(context.Context, stats.RPCStats)                       {}
func (connScope) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return slogaudit.ContextWithAttrs(ctx, slog.String("tls.peer", "gw"))
}
func (connScope) HandleConn(context.Context, stats.ConnStats) {}

// TestUserPerCall (red team): under a connection-level scope, the call's
// scope shared the connection's user cell, so the user call 1 set was call
// 2's too. Each call now has its own user; the connection's attributes still
// reach every call's records.
func TestUserPerCall(t *testing.T) {
	out := &sink{}
	logger := newLogger(out, nil)
	audit, err := grpcaudit.New(logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(append(audit.ServerOptions(), grpc.StatsHandler(connScope{}))...)
	testgrpc.RegisterTestServiceServer(srv, &service{unary: func(ctx context.Context, r *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
		if r.FillUsername { // "alice authenticates"
			slogaudit.SetUser(ctx, slogaudit.User{ID: "alice"})
		}
		logger.InfoContext(ctx, "inside")
		return nil, status.Error(codes.PermissionDenied, "no")
	}})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	c := testgrpc.NewTestServiceClient(dial(t, lis.Addr().String(), ""))
	_, _ = c.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{FillUsername: true}) // alice
	_, _ = c.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{})                   // anonymous, same connection
	ev := out.waitCalls(t, 2)
	if ev[0].str("user.id") != "alice" || ev[1].str("user.id") != "" {
		t.Errorf("call 1 user.id %q, call 2 user.id %q (want alice, none)", ev[0].str("user.id"), ev[1].str("user.id"))
	}
	for _, e := range out.events(t) {
		if e.str("tls.peer") != "gw" {
			t.Errorf("connection attribute missing: %s", e.raw)
		}
	}
}

// TestAuthBeforeAuditDoesNotLeak (red team 2, B1): an authentication
// interceptor chained before grpcaudit's calls SetUser on the connection's
// scope (a stats handler's, one connection being a gateway that multiplexes
// many users). The call's scope used to start as that scope's user, so every
// later call on the connection was attributed to the first caller. Now the
// call's user starts empty: the misplaced SetUser reaches no call, and once
// the connection scope is known to span calls it reports false.
func TestAuthBeforeAuditDoesNotLeak(t *testing.T) {
	out := &sink{}
	audit, err := grpcaudit.New(newLogger(out, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	var setUser []bool
	authUnary := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if r, ok := req.(*testgrpc.SimpleRequest); ok && r.FillUsername {
			setUser = append(setUser, slogaudit.SetUser(ctx, slogaudit.User{ID: "alice"}))
		}
		return h(ctx, req)
	}
	srv := grpc.NewServer(grpc.StatsHandler(connScope{}),
		grpc.ChainUnaryInterceptor(authUnary, audit.UnaryServerInterceptor()))
	testgrpc.RegisterTestServiceServer(srv, &service{unary: func(ctx context.Context, r *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
		return nil, status.Error(codes.PermissionDenied, "no")
	}})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	c := testgrpc.NewTestServiceClient(dial(t, lis.Addr().String(), ""))
	_, _ = c.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{FillUsername: true})
	_, _ = c.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{}) // anonymous, same connection
	_, _ = c.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{FillUsername: true})
	ev := out.waitCalls(t, 3)
	for i, e := range ev {
		if u := e.str("user.id"); u != "" {
			t.Errorf("call %d attributed to %q by an interceptor outside grpcaudit's", i+1, u)
		}
	}
	if len(setUser) != 2 || setUser[1] {
		t.Errorf("SetUser before grpcaudit reported %v, want [_ false]", setUser)
	}
}
