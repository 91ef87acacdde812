package grpcaudit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/grpcaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// accounts is a service whose method refuses the caller.
type accounts struct {
	testgrpc.UnimplementedTestServiceServer
	logger *slog.Logger
}

func (a *accounts) UnaryCall(ctx context.Context, _ *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	// Logged inside the call: it carries the call's request_id and addresses.
	authaudit.New(a.logger).AccessDenied(ctx, "u-42", "account:acct-9")
	return nil, status.Error(codes.PermissionDenied, "not your account")
}

// Example serves a real gRPC server on loopback with the interceptors, an
// authentication interceptor after them that names the user, and one call
// that is refused.
func Example() {
	var out bytes.Buffer
	logger := slog.New(slogaudit.NewHandler(&out, &slogaudit.Options{ServiceName: "bank"}))
	audit, err := grpcaudit.New(logger, &grpcaudit.Options{IgnoreMethods: grpcaudit.HealthAndReflection()})
	if err != nil {
		log.Fatal(err)
	}
	auth := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		slogaudit.SetUser(ctx, slogaudit.User{ID: "u-42"}) // from the verified token
		return next(ctx, req)
	}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(audit.UnaryServerInterceptor(), auth),
		grpc.ChainStreamInterceptor(audit.StreamServerInterceptor()))
	testgrpc.RegisterTestServiceServer(srv, &accounts{logger: logger})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	conn, err := grpc.NewClient("passthrough:///"+lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	_, err = testgrpc.NewTestServiceClient(conn).UnaryCall(context.Background(), &testgrpc.SimpleRequest{})
	fmt.Println("client:", status.Code(err))

	for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		var e struct {
			Severity string         `json:"severity_text"`
			Attrs    map[string]any `json:"attributes"`
		}
		if err := json.Unmarshal(line, &e); err != nil {
			log.Fatal(err)
		}
		a := e.Attrs
		fmt.Println(a["event_type"], e.Severity, a["rpc.method"], a["rpc.response.status_code"], a["client.address"], a["user.id"], len(a["request_id"].(string)))
	}
	// Output:
	// client: PermissionDenied
	// authz.access.denied CRITICAL grpc.testing.TestService/UnaryCall <nil> 127.0.0.1 u-42 32
	// rpc.call.client_error WARN grpc.testing.TestService/UnaryCall PERMISSION_DENIED 127.0.0.1 u-42 32
}
