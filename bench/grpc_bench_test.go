package bench

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/test/bufconn"

	"github.com/secaudit/auditkit/grpcaudit"
)

// okService answers every unary call with an empty response.
type okService struct {
	testgrpc.UnimplementedTestServiceServer
}

func (okService) UnaryCall(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	return &testgrpc.SimpleResponse{}, nil
}

// benchCall serves a real gRPC server (in memory, bufconn: the whole gRPC
// stack, no kernel network) with opts and makes one unary call per
// iteration.
func benchCall(b *testing.B, opts ...grpc.ServerOption) {
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(opts...)
	testgrpc.RegisterTestServiceServer(srv, okService{})
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	conn, err := grpc.NewClient("passthrough:///bench",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	c := testgrpc.NewTestServiceClient(conn)
	ctx := context.Background()
	req := &testgrpc.SimpleRequest{ResponseSize: 1}
	if _, err := c.UnaryCall(ctx, req); err != nil { // connect before timing
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.UnaryCall(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func mustGRPCAudit(b *testing.B, o *grpcaudit.Options) grpc.ServerOption {
	a, err := grpcaudit.New(auditLogger(), o)
	if err != nil {
		b.Fatal(err)
	}
	return grpc.ChainUnaryInterceptor(a.UnaryServerInterceptor())
}

// slogLogger adapts slog to go-grpc-middleware's logging.Logger, as its
// README shows.
func slogLogger(l *slog.Logger) logging.Logger {
	return logging.LoggerFunc(func(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
		l.Log(ctx, slog.Level(lvl), msg, fields...)
	})
}

// BenchmarkGRPC makes one unary call per iteration through a real gRPC
// server and client. grpcaudit-default audits failures only (the call
// succeeds: no event); grpcaudit-all logs every call through the slogaudit
// handler; go-grpc-middleware is its logging interceptor with a slog
// JSONHandler, logging the finished call (one line, like grpcaudit; its
// default also logs the start); otelgrpc is its server stats handler with an
// SDK tracer provider sampling every span (no exporter).
func BenchmarkGRPC(b *testing.B) {
	b.Run("bare", func(b *testing.B) { benchCall(b) })
	b.Run("grpcaudit-default", func(b *testing.B) { benchCall(b, mustGRPCAudit(b, nil)) })
	b.Run("grpcaudit-all", func(b *testing.B) { benchCall(b, mustGRPCAudit(b, &grpcaudit.Options{LogOKCalls: true})) })
	b.Run("go-grpc-middleware", func(b *testing.B) {
		l := slog.New(slog.NewJSONHandler(io.Discard, nil))
		benchCall(b, grpc.ChainUnaryInterceptor(logging.UnaryServerInterceptor(slogLogger(l),
			logging.WithLogOnEvents(logging.FinishCall))))
	})
	b.Run("otelgrpc", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
		benchCall(b, grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp))))
	})
}

// inCall is the context grpc-go hands the interceptors of a call from a TCP
// peer: the peer and the incoming metadata.
func inCall() context.Context {
	ctx := peer.NewContext(context.Background(), &peer.Peer{
		Addr: &net.TCPAddr{IP: net.IPv4(203, 0, 113, 10), Port: 51234}, LocalAddr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 443},
	})
	return metadata.NewIncomingContext(ctx, metadata.MD{
		":authority": {"bank.example:443"}, "user-agent": {"grpc-go/1.85.0"}, "content-type": {"application/grpc"},
	})
}

var (
	benchInfo = &grpc.UnaryServerInfo{FullMethod: "/grpc.testing.TestService/UnaryCall"}
	benchReq  = &testgrpc.SimpleRequest{ResponseSize: 1}
	benchResp = &testgrpc.SimpleResponse{}
)

func okHandlerGRPC(context.Context, any) (any, error) { return benchResp, nil }

// benchInterceptor calls a unary interceptor as grpc-go does, per iteration.
func benchInterceptor(b *testing.B, ic grpc.UnaryServerInterceptor) {
	ctx := inCall()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ic(ctx, benchReq, benchInfo, okHandlerGRPC); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGRPCInterceptor is BenchmarkGRPC without the gRPC stack, whose
// cost (about 50 µs a call here) and noise would hide the differences: each
// peer is called per iteration the way grpc-go calls it, so the difference
// to bare is its own cost. otelgrpc, a stats handler, gets the events
// grpc-go sends it for a unary call (TagRPC, Begin, InPayload, OutPayload,
// End).
func BenchmarkGRPCInterceptor(b *testing.B) {
	audit := func(o *grpcaudit.Options) grpc.UnaryServerInterceptor {
		a, err := grpcaudit.New(auditLogger(), o)
		if err != nil {
			b.Fatal(err)
		}
		return a.UnaryServerInterceptor()
	}
	b.Run("bare", func(b *testing.B) {
		benchInterceptor(b, func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			return h(ctx, req)
		})
	})
	b.Run("grpcaudit-default", func(b *testing.B) { benchInterceptor(b, audit(nil)) })
	b.Run("grpcaudit-all", func(b *testing.B) { benchInterceptor(b, audit(&grpcaudit.Options{LogOKCalls: true})) })
	b.Run("go-grpc-middleware", func(b *testing.B) {
		l := slog.New(slog.NewJSONHandler(io.Discard, nil))
		benchInterceptor(b, logging.UnaryServerInterceptor(slogLogger(l), logging.WithLogOnEvents(logging.FinishCall)))
	})
	b.Run("otelgrpc", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
		h := otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp))
		benchInterceptor(b, func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
			begin := time.Now()
			ctx = h.TagRPC(ctx, &stats.RPCTagInfo{FullMethodName: info.FullMethod})
			h.HandleRPC(ctx, &stats.Begin{BeginTime: begin})
			h.HandleRPC(ctx, &stats.InPayload{Payload: req, Length: 2, WireLength: 7, RecvTime: begin})
			resp, err := next(ctx, req)
			h.HandleRPC(ctx, &stats.OutPayload{Payload: resp, Length: 0, WireLength: 5, SentTime: time.Now()})
			h.HandleRPC(ctx, &stats.End{BeginTime: begin, EndTime: time.Now(), Error: err})
			return resp, err
		})
	})
}
