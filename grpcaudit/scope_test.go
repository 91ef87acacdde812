package grpcaudit_test

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/grpcaudit"
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
