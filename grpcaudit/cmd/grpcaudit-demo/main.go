package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/grpcaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: tests call it with their own writers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("grpcaudit-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	logger := slog.New(slogaudit.NewHandler(stdout, &slogaudit.Options{ServiceName: "grpcaudit-demo", ServiceVersion: "1.0.0"}))
	audit, err := grpcaudit.New(logger, &grpcaudit.Options{
		TrustedProxies:  []string{"127.0.0.1/32"},
		IgnoreMethods:   grpcaudit.HealthAndReflection(),
		RecoverPanics:   true,
		CapturePayloads: true,
		PayloadFields:   []string{"response_size", "response_status"},
		PayloadMethods:  []string{`^/grpc\.testing\.TestService/UnaryCall$`},
		SessionID:       sessionOf,
		SessionKey:      sessionKey,
	})
	if err != nil {
		fmt.Fprintln(stderr, "grpcaudit-demo:", err)
		return 2
	}
	a := auth{log: authaudit.New(logger)}
	srv := grpc.NewServer(
		// Stop waits for the methods to return, and so for their events.
		grpc.WaitForHandlers(true),
		grpc.ChainUnaryInterceptor(audit.UnaryServerInterceptor(), a.unary),
		grpc.ChainStreamInterceptor(audit.StreamServerInterceptor(), a.stream),
	)
	testgrpc.RegisterTestServiceServer(srv, &bank{logger: logger})
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "grpcaudit-demo:", err)
		return 1
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	fmt.Fprintln(stderr, "grpcaudit-demo: serving on", lis.Addr())
	if err := scenario(ctx, lis.Addr().String(), stderr); err != nil {
		fmt.Fprintln(stderr, "grpcaudit-demo: scenario:", err)
		return 1
	}
	return 0
}
