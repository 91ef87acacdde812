package grpcaudit

// Attribute keys of the events grpcaudit writes, beside the envelope and
// request-scope keys of package slogaudit (request_id, client.address, ...).
// They follow the OpenTelemetry RPC semantic conventions (the current ones,
// as otelgrpc writes them by default) where one exists.
const (
	// KeyRPCSystem is the RPC system, always "grpc".
	KeyRPCSystem = "rpc.system.name"
	// KeyRPCMethod is the fully qualified method, package.Service/Method,
	// without the leading slash of grpc's FullMethod.
	KeyRPCMethod = "rpc.method"
	// KeyRPCStatusCode is the status code's name (NOT_FOUND, ...).
	KeyRPCStatusCode = "rpc.response.status_code"
	// KeyServerAddress is the host the call was addressed to (:authority
	// without its port).
	KeyServerAddress = "server.address"
	// KeyUserAgent is the user-agent metadata.
	KeyUserAgent = "user_agent.original"
	// KeyErrorType classifies a failure: the status code's name, or
	// ErrorTypePanic.
	KeyErrorType = "error.type"
	// KeyDurationNS is the call duration in nanoseconds.
	KeyDurationNS = "duration_ns"
	// KeyMessagesReceived is the number of messages a stream received.
	KeyMessagesReceived = "rpc.messages_received"
	// KeyMessagesSent is the number of messages a stream sent.
	KeyMessagesSent = "rpc.messages_sent"
	// KeyRequestBody is the captured request (opt-in): the unary request as
	// an object, or for a stream the list of the first captured messages;
	// reduced to Options.PayloadFields and redacted.
	KeyRequestBody = "rpc.request.body"
	// KeyRequestBodyParseStatus says why no request was captured
	// (ParseTooLarge, ParseUnsupported).
	KeyRequestBodyParseStatus = "rpc.request.body.parse_status"
)

// SystemGRPC is the value of rpc.system.name.
const SystemGRPC = "grpc"
