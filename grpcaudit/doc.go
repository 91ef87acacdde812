// Package grpcaudit is a pair of gRPC server interceptors that write one
// audit event per call through log/slog, in the shape the slogaudit handler
// turns into an OpenTelemetry LogRecord. It is to gRPC what httpaudit is to
// net/http, and lives in its own module so that gRPC never becomes a
// dependency of auditkit itself.
//
//	audit, err := grpcaudit.New(logger, &grpcaudit.Options{
//		TrustedProxies: []string{"10.0.0.0/8"},
//		IgnoreMethods:  grpcaudit.HealthAndReflection(),
//	})
//	if err != nil {
//		log.Fatal(err) // configuration errors surface here, never per call
//	}
//	srv := grpc.NewServer(audit.ServerOptions()...) // or grpc.ChainUnaryInterceptor(audit.UnaryServerInterceptor()), ...
//
// # Events
//
// After the method returns the interceptor writes at most one record, with
// message "rpc.call" and event_type rpc.call.success (INFO, only with
// Options.LogOKCalls, sampled by Options.SampleRate), rpc.call.client_error
// or rpc.call.server_error, as the status code table below says.
//
// Its attributes: event_type, request_id, session.id, client.address,
// network.peer.address, rpc.system.name ("grpc"), rpc.method
// (package.Service/Method), server.address (the :authority), user_agent.original,
// rpc.response.status_code (the code's name: NOT_FOUND), error.type (the
// code's name on failure, or "panic"), rpc.messages_received and
// rpc.messages_sent (streams), user.id, user.name, rpc.request.body and
// rpc.request.body.parse_status (opt-in), outcome and duration_ns, plus
// otel.scope.name naming this package. Status messages, metadata values
// other than those named here, and responses are never logged.
//
// When no event will be written (an OK call in the default setting) the
// cost is the call state and its request scope (three allocations; a stream
// adds its wrapper) and one time.Now: no request id, address parsing,
// metadata lookup or payload rendering.
//
// # Status codes
//
// One table decides every call's event, level and outcome (see CodeEvent).
// The class follows the HTTP status grpc-gateway answers for the code (4xx
// is the caller's doing, 5xx the server's), so a call audited through a
// gateway and directly lands in the same class. ERROR is kept for codes that
// say the server is broken; authentication and authorization failures are
// WARN, never INFO:
//
//	code                 event_type              level  outcome
//	OK                   rpc.call.success        INFO   success  (LogOKCalls, sampled)
//	CANCELLED            rpc.call.client_error   INFO   failure
//	INVALID_ARGUMENT     rpc.call.client_error   WARN   failure
//	NOT_FOUND            rpc.call.client_error   WARN   failure
//	ALREADY_EXISTS       rpc.call.client_error   WARN   failure
//	PERMISSION_DENIED    rpc.call.client_error   WARN   failure
//	UNAUTHENTICATED      rpc.call.client_error   WARN   failure
//	RESOURCE_EXHAUSTED   rpc.call.client_error   WARN   failure
//	FAILED_PRECONDITION  rpc.call.client_error   WARN   failure
//	ABORTED              rpc.call.client_error   WARN   failure
//	OUT_OF_RANGE         rpc.call.client_error   WARN   failure
//	DEADLINE_EXCEEDED    rpc.call.server_error   WARN   failure
//	UNIMPLEMENTED        rpc.call.server_error   WARN   failure
//	UNAVAILABLE          rpc.call.server_error   WARN   failure
//	UNKNOWN              rpc.call.server_error   ERROR  failure
//	INTERNAL             rpc.call.server_error   ERROR  failure
//	DATA_LOSS            rpc.call.server_error   ERROR  failure
//	(panic)              rpc.call.server_error   ERROR  failure   error.type "panic"
//
// The code is the one gRPC sends: the status the method's error carries,
// else CANCELLED or DEADLINE_EXCEEDED for a context error, else UNKNOWN. A
// call, unary or streaming, whose client cancelled it (or whose deadline
// passed) before the method returned is recorded as CANCELLED
// (DEADLINE_EXCEEDED) even if the method returned OK or an error without a
// status: the client never got that answer. (The method may still have
// done its work: a transfer that completed after the client gave up is
// CANCELLED in the trail, as it was for the client.) A panic is recorded with error.type "panic" and
// then re-raised unchanged, with no rpc.response.status_code (nothing was
// sent); with Options.RecoverPanics the client gets INTERNAL "internal
// error" and the event says INTERNAL. Options.IgnoreCodes silences codes,
// never panics.
//
// # Request scope
//
// Every call gets a request scope (slogaudit.BeginRequest), so records
// logged inside the method, authaudit.LoginFailed(ctx, ...) for one, carry
// the call's request_id, client.address, network.peer.address, session.id,
// rpc.system.name and rpc.method. An authentication interceptor installed
// after these ones names the acting user, and the call's event picks it up:
//
//	slogaudit.SetUser(ctx, slogaudit.User{ID: claims.Subject})
//
// The user is the call's own and starts empty: a scope that spans calls (a
// stats handler's, per connection) keeps the attributes it gives every
// call, but never a user. An authentication interceptor chained before
// these ones sets the user on that connection scope: no call's event
// carries it, and SetUser reports false once a call has begun over it.
//
// RequestID returns the id. It is generated (32 hex) unless the peer is in
// Options.TrustedProxies and sent one well-formed x-request-id (see
// RequestID). Options.SessionID supplies the session id from the call's
// context, and session.id is its keyed hash, never the id itself (a session
// id is a bearer credential): with Options.SessionKey, stable across
// instances; without it, with a random key made once per process, so it
// joins a session's calls within one process only.
//
// # Client address
//
// client.address is the network peer unless Options.TrustedProxies or
// Options.TrustedProxyCount say whose x-forwarded-for (or forwarded, or a
// single-address key such as x-real-ip) metadata to believe. The rules and
// the code are httpaudit's: the list is walked from the right, the end the
// nearest proxy appended to, and any doubt (an untrusted peer, a garbage
// entry, too short a chain) falls back to the peer. Only a TCP peer has an
// address: over a Unix socket (whose peer "address" is a path the client
// chose), also when an http.Server on one serves the grpc.Server through
// grpc.Server.ServeHTTP (the local address tells), or an in-memory
// connection both addresses are omitted and no metadata is believed.
//
// grpc-gateway appends the HTTP client's address to x-forwarded-for, so
// list the gateway's address; but it also forwards every
// Grpc-Metadata-* header of its client verbatim, so that client could set
// x-request-id, x-real-ip or forwarded as if the gateway had. Install
// GatewayHeaderMatcher in the gateway's mux to drop those.
//
// # Payloads
//
// With Options.CapturePayloads the request of a unary call, or the first
// Options.PayloadStreamMessages messages a stream receives, are copied
// (proto.Clone) before the method sees them, so what the method receives is
// never touched and nothing it does changes the record. Only when an event
// is written is the copy rendered as protojson renders it (proto field
// names, 64-bit integers as strings, enums by name, well-known types in
// their JSON form), reduced to the top-level Options.PayloadFields, and
// redacted by Options.Redactor; a field marked [debug_redact = true] in its
// .proto is "[REDACTED]" at any depth, Any contents included. Only the
// leaf well-known types (Timestamp, Duration, wrappers, Struct, Value,
// ListValue, FieldMask, Empty) are rendered by protojson; every other
// message, google.protobuf's own Type or descriptors included, is walked so
// that debug_redact holds inside it, and a request that is itself an Any is
// rendered as the message it holds, never as its packed bytes. A message
// larger than MaxPayloadBytes on the wire is not copied
// (rpc.request.body.parse_status "too_large"), and so is a stream message
// past the stream's budget (16 × MaxPayloadBytes, at most 1 MiB, for all
// its copies together). Messages of the old
// github.com/golang/protobuf API are handled too; others (a custom codec's
// structs) through encoding/json. Username-like fields follow the slogaudit
// handler's IncludeUsernames as in httpaudit's request.body.
package grpcaudit
