// Package bench compares auditkit with its peers on the same work, in one run,
// so that ratios (not absolute numbers, which depend on the machine) are what
// we report.
//
// It is a separate module so that library users never download the peers
// (zap, zerolog, phuslu/log, the OpenTelemetry SDK, otelhttp, slog-http,
// gRPC, go-grpc-middleware, otelgrpc).
//
//   - BenchmarkHandler: one 8-attribute audit record (one group) written to
//     io.Discard through each handler. nop is a handler that does nothing: the
//     cost of slog's own front end, the floor for every slog handler.
//   - BenchmarkRedaction: the same record with and without sensitive keys.
//   - BenchmarkMiddleware: one HTTP request through each middleware, served
//     in-process (no network), so the difference to bare is the middleware.
//   - BenchmarkGRPCInterceptor: one unary gRPC call through each peer,
//     called the way grpc-go calls it (grpcaudit and go-grpc-middleware's
//     logging interceptor, otelgrpc's stats handler), so the difference to
//     bare is the peer's; BenchmarkGRPC makes the same calls through a real
//     server and client over bufconn, where the gRPC stack's own ~50 µs and
//     its noise hide those differences.
//
// Run with `make bench` from the repository root, then compare with benchstat.
package bench
