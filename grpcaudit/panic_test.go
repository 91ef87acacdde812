package grpcaudit_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/grpcaudit"
)

// TestPanicRecovered: with RecoverPanics the client gets INTERNAL without the
// panic's text, and the event says so.
func TestPanicRecovered(t *testing.T) {
	f := newFixture(t, fixtureOpts{
		audit: &grpcaudit.Options{RecoverPanics: true, IgnoreCodes: []codes.Code{codes.Internal}},
		svc: &service{
			unary: func(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
				panic("secret-in-panic")
			},
			fullDuplex: func(testgrpc.TestService_FullDuplexCallServer) error { panic("secret-in-panic") },
		},
	})
	_, err := f.client.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{})
	if s := status.Convert(err); s.Code() != codes.Internal || strings.Contains(s.Message(), "secret") {
		t.Fatalf("client got %v", err)
	}
	st, _ := f.client.FullDuplexCall(ctxTimeout(t))
	if _, err := st.Recv(); status.Code(err) != codes.Internal {
		t.Fatalf("stream client got %v", err)
	}
	for _, e := range f.out.waitCalls(t, 2) {
		if e.str("event_type") != grpcaudit.EventServerError || e.Severity != "ERROR" || e.str("error.type") != "panic" ||
			e.str(grpcaudit.KeyRPCStatusCode) != "INTERNAL" || strings.Contains(e.raw, "secret") {
			t.Errorf("event %s", e.raw)
		}
	}
}

// TestPanicReraised: without RecoverPanics the panic goes on unchanged
// after the event (grpc-go would let it end the process, so the interceptor
// is called directly).
func TestPanicReraised(t *testing.T) {
	out := &sink{}
	audit, err := grpcaudit.New(newLogger(out, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	type boom struct{ n int }
	func() {
		defer func() {
			if p := recover(); p != (boom{7}) {
				t.Errorf("recovered %v", p)
			}
		}()
		_, _ = audit.UnaryServerInterceptor()(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/s.S/M"},
			func(context.Context, any) (any, error) { panic(boom{7}) })
		t.Error("no panic")
	}()
	e := out.calls(t)
	if len(e) != 1 || e[0].str("error.type") != "panic" || e[0].Severity != "ERROR" {
		t.Fatalf("events %s", out)
	}
	if _, ok := e[0].Attributes[grpcaudit.KeyRPCStatusCode]; ok {
		t.Errorf("a status code for a call that sent none: %s", e[0].raw)
	}
}

// TestLoggerFailureIsIgnored: a handler that panics or fails never changes
// the call's result.
func TestLoggerFailureIsIgnored(t *testing.T) {
	audit, err := grpcaudit.New(slogNew(panicHandler{}), &grpcaudit.Options{LogOKCalls: true})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := audit.UnaryServerInterceptor()(context.Background(), "req", &grpc.UnaryServerInfo{FullMethod: "/s.S/M"},
		func(context.Context, any) (any, error) { return "resp", status.Error(codes.NotFound, "x") })
	if resp != "resp" || status.Code(err) != codes.NotFound {
		t.Fatalf("got %v %v", resp, err)
	}
}
