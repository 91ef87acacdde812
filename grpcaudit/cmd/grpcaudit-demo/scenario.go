package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// step is one scripted call: what it shows, and the code the client must get.
type step struct {
	say  string
	from string // client source address; "" is 127.0.0.1, the trusted proxy
	md   []string
	call func(ctx context.Context, c testgrpc.TestServiceClient, h healthpb.HealthClient) error
	want codes.Code
}

func unary(r *testgrpc.SimpleRequest) func(context.Context, testgrpc.TestServiceClient, healthpb.HealthClient) error {
	return func(ctx context.Context, c testgrpc.TestServiceClient, _ healthpb.HealthClient) error {
		_, err := c.UnaryCall(ctx, r)
		return err
	}
}

func refuse(c codes.Code) *testgrpc.SimpleRequest {
	return &testgrpc.SimpleRequest{ResponseStatus: &testgrpc.EchoStatus{Code: int32(c), Message: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln"}}
}

var maya = []string{"x-api-key", "key-maya", "x-session", "s-7f3a9c"}

var steps = []step{
	{say: "maya's transfer from another account is refused (PERMISSION_DENIED, WARN; the captured request's token is redacted)",
		md: append([]string{"x-forwarded-for", "198.51.100.7"}, maya...), call: unary(refuse(codes.PermissionDenied)), want: codes.PermissionDenied},
	{say: "a wrong API key: auth.login.failed inside the call, then UNAUTHENTICATED (WARN), one request_id",
		md: []string{"x-api-key", "guess", "x-forwarded-for", "203.0.113.66"}, call: unary(&testgrpc.SimpleRequest{}), want: codes.Unauthenticated},
	{say: "the same x-forwarded-for and x-request-id from 127.0.0.2, not a trusted proxy: the peer is the client, the id is generated",
		from: "127.0.0.2", md: append([]string{"x-forwarded-for", "10.9.9.9", "x-request-id", "spoofed-id"}, maya...),
		call: unary(refuse(codes.NotFound)), want: codes.NotFound},
	{say: "a request id from the trusted proxy joins its access log",
		md:   append([]string{"x-forwarded-for", "198.51.100.7", "x-request-id", "envoy-5b1d0c2e"}, maya...),
		call: unary(refuse(codes.FailedPrecondition)), want: codes.FailedPrecondition},
	{say: "a method panics: recovered as INTERNAL (ERROR, error.type panic; the panic text is not logged)",
		md: maya, call: unary(&testgrpc.SimpleRequest{ResponseSize: -1}), want: codes.Internal},
	{say: "maya cancels a stream after two messages: CANCELLED with the message counts",
		md: maya, call: cancelStream, want: codes.Canceled},
	{say: "a successful call and a health check: neither is audited by default",
		md: maya, call: func(ctx context.Context, c testgrpc.TestServiceClient, h healthpb.HealthClient) error {
			if _, err := h.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
				return err
			}
			_, err := c.UnaryCall(ctx, &testgrpc.SimpleRequest{})
			return err
		}, want: codes.OK},
}

func cancelStream(ctx context.Context, c testgrpc.TestServiceClient, _ healthpb.HealthClient) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := c.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	for range 2 {
		if err := st.Send(&testgrpc.StreamingOutputCallRequest{}); err != nil {
			return err
		}
		if _, err := st.Recv(); err != nil {
			return err
		}
	}
	cancel()
	_, err = st.Recv()
	if err == io.EOF {
		err = nil
	}
	return err
}

// scenario runs the steps against addr, one connection per source address.
func scenario(ctx context.Context, addr string, stderr io.Writer) error {
	conns := map[string]*grpc.ClientConn{}
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for i, s := range steps {
		conn := conns[s.from]
		if conn == nil {
			var err error
			if conn, err = dial(addr, s.from); err != nil {
				return err
			}
			conns[s.from] = conn
		}
		fmt.Fprintf(stderr, "grpcaudit-demo: %d. %s\n", i+1, s.say)
		cctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, s.md...), 5*time.Second)
		err := s.call(cctx, testgrpc.NewTestServiceClient(conn), healthpb.NewHealthClient(conn))
		cancel()
		if got := status.Code(err); got != s.want {
			return fmt.Errorf("step %d: got %v, want %v", i+1, err, s.want)
		}
	}
	// The server writes a stream's event when its method returns, which
	// may be just after the client saw the stream end.
	time.Sleep(100 * time.Millisecond)
	return nil
}

func dial(addr, from string) (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithUserAgent("grpcaudit-demo/1.0")}
	if from != "" {
		opts = append(opts, grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
			return d.DialContext(ctx, "tcp", a)
		}))
	}
	return grpc.NewClient("passthrough:///"+addr, opts...)
}
