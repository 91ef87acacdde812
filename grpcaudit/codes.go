package grpcaudit

import (
	"log/slog"
	"strconv"

	"google.golang.org/grpc/codes"
)

// class is what a status code means for the audit trail: which event, at
// which level, with which outcome.
type class struct {
	event string
	level slog.Level
	name  string // the code's name, as rpc.response.status_code and error.type
}

// codeTable is the one mapping from status codes to events, documented in
// the package doc (# Status codes) and the README. The event class follows
// the HTTP status grpc-gateway answers for the code (4xx: the caller's
// doing; 5xx: the server's), so a call audited through a gateway and
// directly lands in the same class. The level says how urgent it is:
// ERROR only for codes that mean the server is broken (UNKNOWN, INTERNAL,
// DATA_LOSS); WARN for refused or failed calls, authentication and
// authorization first; INFO for a call the client cancelled, which is
// recorded (a stream's normal end for some clients) but is nobody's fault.
var codeTable = [...]class{
	codes.OK:                 {EventSuccess, slog.LevelInfo, "OK"},
	codes.Canceled:           {EventClientError, slog.LevelInfo, "CANCELLED"},
	codes.Unknown:            {EventServerError, slog.LevelError, "UNKNOWN"},
	codes.InvalidArgument:    {EventClientError, slog.LevelWarn, "INVALID_ARGUMENT"},
	codes.DeadlineExceeded:   {EventServerError, slog.LevelWarn, "DEADLINE_EXCEEDED"},
	codes.NotFound:           {EventClientError, slog.LevelWarn, "NOT_FOUND"},
	codes.AlreadyExists:      {EventClientError, slog.LevelWarn, "ALREADY_EXISTS"},
	codes.PermissionDenied:   {EventClientError, slog.LevelWarn, "PERMISSION_DENIED"},
	codes.ResourceExhausted:  {EventClientError, slog.LevelWarn, "RESOURCE_EXHAUSTED"},
	codes.FailedPrecondition: {EventClientError, slog.LevelWarn, "FAILED_PRECONDITION"},
	codes.Aborted:            {EventClientError, slog.LevelWarn, "ABORTED"},
	codes.OutOfRange:         {EventClientError, slog.LevelWarn, "OUT_OF_RANGE"},
	codes.Unimplemented:      {EventServerError, slog.LevelWarn, "UNIMPLEMENTED"},
	codes.Internal:           {EventServerError, slog.LevelError, "INTERNAL"},
	codes.Unavailable:        {EventServerError, slog.LevelWarn, "UNAVAILABLE"},
	codes.DataLoss:           {EventServerError, slog.LevelError, "DATA_LOSS"},
	codes.Unauthenticated:    {EventClientError, slog.LevelWarn, "UNAUTHENTICATED"},
}

// classOf returns the class of c. A code outside the table (gRPC defines
// none) is a server error at ERROR, named by its number.
func classOf(c codes.Code) class {
	if int(c) < len(codeTable) {
		return codeTable[c]
	}
	return class{EventServerError, slog.LevelError, strconv.FormatUint(uint64(c), 10)}
}

// CodeName returns the name grpcaudit writes for c as
// rpc.response.status_code: the canonical name of the gRPC status code
// (NOT_FOUND, CANCELLED), or its decimal number for a code outside the 17
// that gRPC defines.
func CodeName(c codes.Code) string { return classOf(c).name }

// CodeEvent returns the event type and level of a call that ended with c
// (see # Status codes in the package documentation). For codes.OK it is
// EventSuccess at INFO, written only with Options.LogOKCalls.
func CodeEvent(c codes.Code) (eventType string, level slog.Level) {
	k := classOf(c)
	return k.event, k.level
}
