// Command grpcaudit-demo serves a gRPC service on loopback with grpcaudit's
// interceptors and drives it through a scripted scenario: a refused call, a
// failed login joined to its call, a client behind a trusted proxy, the same
// metadata spoofed from an untrusted address, a captured request whose token
// is redacted, a panic turned into INTERNAL, a stream the client cancels, and
// an ignored health check. The audit lines (JSON, one per line) go to
// stdout, the scenario to stderr:
//
//	go run ./cmd/grpcaudit-demo 2>/dev/null
//
// The demo trusts 127.0.0.1 as its proxy and plays the spoofing client from
// 127.0.0.2.
package main
