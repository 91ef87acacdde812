package grpcaudit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/grpcaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// TestStreams: one event at the end of a stream with the messages received
// and sent, and the request scope in the stream's context.
func TestStreams(t *testing.T) {
	f := newFixture(t, fixtureOpts{
		audit: &grpcaudit.Options{LogOKCalls: true},
		innerS: []grpc.StreamServerInterceptor{func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			slogaudit.SetUser(ss.Context(), slogaudit.User{ID: "streamer"})
			return h(srv, ss)
		}},
	})
	st, err := f.client.FullDuplexCall(ctxTimeout(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := st.Send(&testgrpc.StreamingOutputCallRequest{}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Recv(); err != nil {
			t.Fatal(i, err)
		}
	}
	_ = st.CloseSend()
	if _, err := st.Recv(); err != io.EOF {
		t.Fatal(err)
	}
	e := f.out.waitCalls(t, 1)[0]
	if e.str("event_type") != grpcaudit.EventSuccess || e.Attributes["rpc.messages_received"] != 3.0 || e.Attributes["rpc.messages_sent"] != 3.0 {
		t.Errorf("event %s", e.raw)
	}
	if e.str("user.id") != "streamer" || e.str("rpc.method") != "grpc.testing.TestService/FullDuplexCall" {
		t.Errorf("event %s", e.raw)
	}
}

// TestStreamCancelled: a stream the client cancels is recorded as CANCELLED,
// whether the method returns Recv's error or ignores it and returns nil.
func TestStreamCancelled(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method func(testgrpc.TestService_FullDuplexCallServer) error
	}{
		{"method returns the error", echo},
		{"method returns nil", func(st testgrpc.TestService_FullDuplexCallServer) error {
			_ = echo(st)
			return nil
		}},
		{"method returns a plain error", func(st testgrpc.TestService_FullDuplexCallServer) error {
			_ = echo(st)
			return errors.New("db: connection lost")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{svc: &service{fullDuplex: tc.method}})
			ctx, cancel := context.WithCancel(ctxTimeout(t))
			st, err := f.client.FullDuplexCall(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_ = st.Send(&testgrpc.StreamingOutputCallRequest{})
			if _, err := st.Recv(); err != nil {
				t.Fatal(err)
			}
			cancel()
			e := f.out.waitCalls(t, 1)[0]
			if e.str(grpcaudit.KeyRPCStatusCode) != "CANCELLED" || e.str("event_type") != grpcaudit.EventClientError || e.Severity != "INFO" {
				t.Errorf("event %s", e.raw)
			}
			if e.Attributes["rpc.messages_received"] != 1.0 || e.Attributes["rpc.messages_sent"] != 1.0 {
				t.Errorf("counts %s", e.raw)
			}
		})
	}
}

// TestServerStreamCancelled: a server stream whose Send fails after the
// client went away, and that returns nil anyway.
func TestServerStreamCancelled(t *testing.T) {
	sent := make(chan struct{})
	f := newFixture(t, fixtureOpts{svc: &service{output: func(_ *testgrpc.StreamingOutputCallRequest, st testgrpc.TestService_StreamingOutputCallServer) error {
		_ = st.Send(&testgrpc.StreamingOutputCallResponse{})
		close(sent)
		<-st.Context().Done()
		_ = st.Send(&testgrpc.StreamingOutputCallResponse{}) // fails
		return nil
	}}})
	ctx, cancel := context.WithCancel(ctxTimeout(t))
	st, err := f.client.StreamingOutputCall(ctx, &testgrpc.StreamingOutputCallRequest{})
	if err != nil {
		t.Fatal(err)
	}
	<-sent
	if _, err := st.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	e := f.out.waitCalls(t, 1)[0]
	if e.str(grpcaudit.KeyRPCStatusCode) != "CANCELLED" || e.Attributes["rpc.messages_sent"] != 1.0 || e.Attributes["rpc.messages_received"] != 1.0 {
		t.Errorf("event %s", e.raw)
	}
}

// TestDeadlines: a method that runs past the client's deadline, unary and
// streaming, is DEADLINE_EXCEEDED, a server error at WARN, also when it
// returns as soon as its context ends: the client's timer usually fires
// first, and its reset cancels the server's context a little before the
// server's own deadline (see deadlineSlack).
func TestDeadlines(t *testing.T) {
	f := newFixture(t, fixtureOpts{svc: &service{
		unary: func(ctx context.Context, _ *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
			<-ctx.Done()
			return nil, ctx.Err() // a context error, no status: gRPC maps it
		},
		fullDuplex: func(st testgrpc.TestService_FullDuplexCallServer) error {
			<-st.Context().Done()
			return nil
		},
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := f.client.UnaryCall(ctx, &testgrpc.SimpleRequest{}); status.Code(err) != codes.DeadlineExceeded {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	st, err := f.client.FullDuplexCall(ctx2)
	if err != nil {
		t.Fatal(err)
	}
	// The method returns nil when its context ends: if the server's timer
	// fires first the client may still read that OK before its own fires.
	if _, err := st.Recv(); err != io.EOF && status.Code(err) != codes.DeadlineExceeded {
		t.Fatal(err)
	}
	for _, e := range f.out.waitCalls(t, 2) {
		if e.str(grpcaudit.KeyRPCStatusCode) != "DEADLINE_EXCEEDED" || e.str("event_type") != grpcaudit.EventServerError || e.Severity != "WARN" {
			t.Errorf("event %s", e.raw)
		}
	}
}

// TestUnaryCancelledReturnsOK (red team): a unary method that ignores the
// client's cancel and returns OK sent nothing; the client saw CANCELLED, and
// so does the trail, whether or not OK calls are logged.
func TestUnaryCancelledReturnsOK(t *testing.T) {
	for _, logOK := range []bool{false, true} {
		t.Run(fmt.Sprint("LogOKCalls=", logOK), func(t *testing.T) {
			entered := make(chan struct{})
			f := newFixture(t, fixtureOpts{audit: &grpcaudit.Options{LogOKCalls: logOK}, svc: &service{
				unary: func(ctx context.Context, _ *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
					close(entered)
					<-ctx.Done()
					return &testgrpc.SimpleResponse{}, nil // completed anyway
				}}})
			ctx, cancel := context.WithCancel(context.Background())
			go func() { <-entered; cancel() }()
			if _, err := f.client.UnaryCall(ctx, &testgrpc.SimpleRequest{}); status.Code(err) != codes.Canceled {
				t.Fatalf("client got %v", err)
			}
			e := f.out.waitCalls(t, 1)
			if len(e) != 1 || e[0].str(grpcaudit.KeyRPCStatusCode) != "CANCELLED" || e[0].str("event_type") != grpcaudit.EventClientError ||
				e[0].str("outcome") != "failure" {
				t.Errorf("events %s", f.out)
			}
		})
	}
}
