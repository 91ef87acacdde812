package slogaudit

// Keys of the output line. The envelope keys are the top-level fields of an
// OpenTelemetry LogRecord (JSON lines format); the attribute keys follow the
// OpenTelemetry semantic conventions where one exists, else the django-sec-audit
// seed. Use these names in ReplaceAttr functions, routers and tests instead of
// string literals.
const (
	// KeyTimestamp is Record.Time in Unix nanoseconds; omitted for a zero time.
	KeyTimestamp = "timestamp"
	// KeyObservedTimestamp is when the handler saw the record, in Unix nanoseconds.
	KeyObservedTimestamp = "observed_timestamp"
	// KeySeverityText is slog's level string (INFO, WARN, ERROR, CRITICAL, ...).
	KeySeverityText = "severity_text"
	// KeySeverityNumber is the OpenTelemetry severity number (1..24).
	KeySeverityNumber = "severity_number"
	// KeyBody is the record message.
	KeyBody = "body"
	// KeyResource holds service.name, service.version and Options.Resource.
	KeyResource = "resource"
	// KeyInstrumentationScope holds the scope name and version.
	KeyInstrumentationScope = "instrumentation_scope"
	// KeyAttributes is the flat map of dotted attribute keys.
	KeyAttributes = "attributes"
	// KeyEventName repeats the event_type attribute, when there is one.
	KeyEventName = "event_name"
	// KeyTraceID is the W3C trace id of the span in ctx (32 lower-case hex).
	KeyTraceID = "trace_id"
	// KeySpanID is the span id of the span in ctx (16 lower-case hex).
	KeySpanID = "span_id"
	// KeyTraceFlags is the W3C trace flags byte of the span in ctx.
	KeyTraceFlags = "trace_flags"

	// KeyServiceName is the resource attribute naming the service.
	KeyServiceName = "service.name"
	// KeyServiceVersion is the resource attribute giving the service version.
	KeyServiceVersion = "service.version"

	// KeyScopeName is a reserved attribute: helper packages set it to name the
	// instrumentation scope; it is lifted out of attributes.
	KeyScopeName = "otel.scope.name"
	// KeyScopeVersion is the reserved attribute for the scope version.
	KeyScopeVersion = "otel.scope.version"

	// KeyEventType classifies an audit event (auth.login.failed, ...); a record
	// carrying it is an audit event (see IsAudit). Recognised at top level and
	// under WithGroup groups, never inside a slog.Group value.
	KeyEventType = "event_type"
	// KeySchemaVersion is the version of the attribute schema; always present and
	// set only by the handler (Options.SchemaVersion).
	KeySchemaVersion = "schema_version"
	// KeyRequestID is the 32-hex id of the HTTP request (generated, never taken
	// from the client).
	KeyRequestID = "request_id"
	// KeySessionID is a keyed hash of the session cookie, never the cookie
	// (a raw string the application puts in the request scope is redacted).
	KeySessionID = "session.id"
	// KeyClientAddress is the resolved client IP (behind trusted proxies).
	KeyClientAddress = "client.address"
	// KeyPeerAddress is the IP of the direct network peer.
	KeyPeerAddress = "network.peer.address"

	// KeyUserID is the acting user's id.
	KeyUserID = "user.id"
	// KeyUserName is the acting or attempted user name; dropped unless
	// Options.IncludeUsernames.
	KeyUserName = "user.name"

	// KeyOutcome is success or failure.
	KeyOutcome = "outcome"

	// KeyCodeFunction, KeyCodeFile and KeyCodeLine give the source location of
	// the log call when Options.AddSource is set.
	KeyCodeFunction = "code.function.name"
	KeyCodeFile     = "code.file.path"
	KeyCodeLine     = "code.line.number"

	// KeyDroppedAttributes counts attributes dropped to fit MaxRecordBytes.
	KeyDroppedAttributes = "audit.dropped_attributes"
	// KeyOriginalEventType is the event_type of a record replaced by the fallback.
	KeyOriginalEventType = "audit.original_event_type"
)

// Event types and values written by the handler itself.
const (
	// EventMalformedRecord is the event_type of the fallback record written when
	// a record cannot be made to fit within Limits.MaxRecordBytes.
	EventMalformedRecord = "audit.logging.malformed_record"

	// OutcomeSuccess and OutcomeFailure are the values of KeyOutcome.
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"

	// TruncatedMarker replaces or ends values cut by Limits.
	TruncatedMarker = "[TRUNCATED]"
)
