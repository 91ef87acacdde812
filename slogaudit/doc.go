// Package slogaudit is a [log/slog] handler that writes every record as one
// OpenTelemetry LogRecord-shaped JSON line, for security and audit logs.
//
// An audit event is an ordinary [slog.Record] with an event_type attribute,
// so any slog tooling can route, fan out, filter and enrich audit events:
//
//	logger := slog.New(slogaudit.NewHandler(os.Stdout, &slogaudit.Options{ServiceName: "billing"}))
//	logger.WarnContext(ctx, "auth.login.failed", slogaudit.KeyEventType, "auth.login.failed")
//
// [IsAudit] tells audit events apart, for example to route them with
// slogmulti.Router to their own destination.
//
// # The line
//
// This section and the next five are the one specification of the output
// format; the README and the code refer to them. Each record is one JSON
// object on one line, with the keys in this order:
//
//	{"timestamp":1712345678000000000,"observed_timestamp":1712345678000001000,
//	 "severity_text":"WARN","severity_number":13,"body":"http.response",
//	 "resource":{"service.name":"billing","service.version":"1.4.2"},
//	 "instrumentation_scope":{"name":"github.com/secaudit/auditkit/httpaudit","version":"v0.1.0"},
//	 "attributes":{"event_type":"http.response.client_error","schema_version":"1.0",
//	   "request_id":"8bdc1a77fb744594ad67a59004a4a42b","client.address":"203.0.113.10",
//	   "http.request.method":"POST","http.response.status_code":404},
//	 "event_name":"http.response.client_error",
//	 "trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":1}
//
// (wrapped here; the real line has no newline inside.)
//
//   - timestamp is Record.Time in Unix nanoseconds, omitted when zero;
//     observed_timestamp is when Handle ran (Options.Now).
//   - severity_number follows OpenTelemetry: Debug 5, Info 9, Warn 13, Error
//     17, [LevelCritical] 18 (severity_text "CRITICAL"); levels in between are
//     offset from those and clamped to 1..24. severity_text is slog's level
//     string.
//   - body is the message.
//   - resource is service.name (Options.ServiceName, default
//     "unknown_service"), service.version and Options.Resource, encoded once.
//   - instrumentation_scope comes from the reserved attributes
//     otel.scope.name and otel.scope.version, which helper packages attach
//     and which are lifted out of attributes; else from Options.Scope. A
//     scope named under github.com/secaudit/auditkit/ with no version gets
//     the module's version from the build information (omitted when
//     unknown), as the default scope does.
//   - event_name repeats event_type, when the record has one.
//   - trace_id, span_id and trace_flags come from the OpenTelemetry span
//     context in the context passed to Handle, when it is valid.
//
// # The OTLP/JSON format
//
// With Options.Format set to [FormatOTLPJSON], each record is written as one
// OTLP/JSON ExportLogsServiceRequest per line, the protobuf JSON mapping of
// OpenTelemetry's logs protocol, which the OpenTelemetry Collector's decoders
// (the otlpjsonfile receiver, pdata's plog.JSONUnmarshaler) accept:
//
//	{"resourceLogs":[{"resource":{"attributes":[
//	  {"key":"service.name","value":{"stringValue":"billing"}}]},
//	 "scopeLogs":[{"scope":{"name":"github.com/secaudit/auditkit/httpaudit","version":"v0.1.0"},
//	  "logRecords":[{"timeUnixNano":"1712345678000000000","observedTimeUnixNano":"1712345678000001000",
//	   "severityNumber":13,"severityText":"WARN","body":{"stringValue":"http.response"},
//	   "attributes":[{"key":"event_type","value":{"stringValue":"http.response.client_error"}},
//	    {"key":"schema_version","value":{"stringValue":"1.0"}},
//	    {"key":"http.response.status_code","value":{"intValue":"404"}},
//	    {"key":"request.body","value":{"kvlistValue":{"values":[
//	      {"key":"amount","value":{"doubleValue":12.5}}]}}}],
//	   "flags":1,"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",
//	   "eventName":"http.response.client_error"}]}]}]}
//
// (wrapped here; the real line has no newline inside.) It carries exactly
// the data of the default format: the same redaction, limits, precedence,
// fallback record and flat dotted attribute keys. The differences are the
// protocol's:
//   - timeUnixNano and observedTimeUnixNano are decimal strings; a zero
//     record time, or one before 1970 (which the protocol cannot express),
//     leaves timeUnixNano out.
//   - Integers are intValue decimal strings, floats doubleValue numbers (an
//     integral float keeps a ".0", so it stays a double), booleans
//     boolValue, strings, times, errors and []byte (base64) stringValue,
//     nil {} (the empty value), maps and structs kvlistValue, slices
//     arrayValue. As in the default format, uint64 values above the int64
//     range and NaN, +Inf and -Inf are strings.
//   - flags is left out when zero, eventName when the record has no
//     event_type, the trace fields without a valid span context.
//
// MaxRecordBytes bounds the OTLP line, which is one and a half to two times
// as long as the default line for the same record, so records are shrunk (or
// replaced by the fallback record) sooner. The line is written in the same
// single pass over the record as the default line, and allocates nothing
// either (see BenchmarkHandleFormat).
//
// # Attributes
//
// attributes is a flat object: groups, from [slog.Handler.WithGroup] or
// [slog.Group], become dotted key prefixes (http + method → http.method). An
// empty group is dropped and a group with an empty key is inlined. No key
// appears twice in a line, in attributes or in any nested object.
//
// Order: event_type, schema_version, the request-scope keys (request_id,
// session.id, client.address, network.peer.address), then the rest in a
// stable order. Nothing else about order is promised.
//
// Precedence:
//   - event_type, otel.scope.name and otel.scope.version are recognised at
//     the record's top level (groups with an empty key are inlined, as slog
//     does) and under groups opened with WithGroup, and written at the top
//     level; the last one wins, record over WithAttrs. Inside a slog.Group
//     value, a map or a struct they are ordinary data (app.inner.event_type),
//     so a group built from request data cannot relabel a record. [IsAudit]
//     looks at the record's own top-level attributes.
//   - schema_version is always Options.SchemaVersion (default "1.0"); a
//     record's own schema_version is dropped.
//   - The request-scope keys, when the request scope in ctx provides them
//     ([ContextWithAttrs]), are written at the top level whatever groups are
//     open, and win over any attribute of the same name. Only the values the
//     library produced are written as they are (httpaudit's request id and
//     parsed addresses, a [redact.Pseudonym] session id); a value the
//     application put in the scope passes the key and value rules like any
//     attribute, so a raw session.id is redacted. When no scope provides
//     one, an application attribute of that name is an ordinary attribute.
//   - Every other key: the record's attributes win over WithAttrs, which win
//     over the request scope's attributes; a later attribute replaces an
//     earlier one with the same key.
//   - user.id comes from the scope's acting user ([SetUser]). user.name, from
//     any source and also under a group (app.user.name), is dropped unless
//     Options.IncludeUsernames is set, or replaced by its pseudonym when the
//     Redactor has an HMAC key; so are the user name fields of a captured
//     request body (request.body.username, request.body.email, ...; see
//     Options.IncludeUsernames for the list).
//
// # Values
//
// Strings are written as valid UTF-8 (each invalid byte becomes U+FFFD) with
// control characters, U+2028 and U+2029 escaped, so no value can start a new
// line; HTML characters are not escaped. Integers are numbers, except uint64
// values above the int64 range, which are decimal strings. NaN, +Inf and -Inf
// are the strings "NaN", "+Inf" and "-Inf". A [encoding/json.Number] (also
// in MarshalJSON output) keeps its own text, so 12.50 stays 12.50 and an
// integer beyond int64 stays exact; in OTLP/JSON such an integer is a string.
// time.Time is an RFC 3339 string in
// UTC with nanoseconds, time.Duration integer nanoseconds, and an error its
// text.
//
// Other values are resolved in this order: [slog.LogValuer], time.Time,
// time.Duration, error, [encoding/json.Marshaler] (its output decoded and then
// treated like any value, so limits and redaction apply inside it),
// [encoding.TextMarshaler], [fmt.Stringer], then reflection: maps (sorted by
// key; a key with a MarshalText method is its text, even a string type such
// as [redact.Secret]), slices and arrays, structs (exported fields under their json tag
// names; "-" skipped, omitempty honoured; a field is sensitive when its Go
// name or its JSON name is), pointers (nil is null) and []byte (base64; the
// value rules run on the raw bytes, and a match writes the mask). Every string
// meets the Redactor's value rules, error texts and String output included.
// A value that panics while being encoded, or a ReplaceAttr that
// panics, becomes the string "[PANIC]"; MarshalJSON output that is not JSON
// becomes "[INVALID JSON]", and a marshaling error "[ERROR]". The reason goes
// to Options.OnError, never into the line.
//
// # Limits
//
// [Limits] bound every record: values nested deeper than MaxDepth become
// "[TRUNCATED]" (top-level attribute values are depth 1); maps and structs
// keep MaxMapEntries entries and gain "_truncated":"[TRUNCATED]"; lists keep
// MaxListLen elements and end with the element "[TRUNCATED]"; strings and
// keys keep MaxStringLen runes and end in "[TRUNCATED]"; a record keeps
// MaxAttrs application attributes (library keys do not count) and gains
// "_truncated":"[TRUNCATED]". MaxDepth is at most 256, and pointer chains and
// slog group nesting are cut at fixed depths too, so cyclic values end.
//
// A line longer than MaxRecordBytes (including its newline, and minus what a
// [LineReserver] writer reserves) is shrunk: the longest strings are halved
// until it fits or they are short, then application attributes are dropped,
// largest first, and counted in audit.dropped_attributes. If it still does
// not fit, the record is replaced by a fallback record: event_type and body
// audit.logging.malformed_record at ERROR, with the timestamps, the service
// name (cut to 256 runes), the scope (cut to 128), the trace ids,
// schema_version, request_id and audit.original_event_type, and none of the
// record's data; smaller tiers (hostile configuration values, or a writer
// that reserves most of the line) cut or leave out all of these but
// event_type and schema_version when even that does not fit. The fallback
// always fits in 1024 bytes. A line is never cut or split.
//
// # Redaction
//
// Options.Redactor (nil means [redact.Default]) is applied while encoding,
// without copying the record. A value under a sensitive key (at any level:
// group, attribute, map key or struct field) is replaced: a string by the
// Redactor's mask (the marker "[REDACTED]", or a keyed pseudonym), anything
// else, including a whole group, map or struct, by "[REDACTED]". Other string
// values are replaced when they match the Redactor's value rules, and so are
// map keys, as [redact.Redactor.Value] does: a matching key becomes its mask,
// and of keys that end up equal the one that was not masked wins, then the
// smallest original key. The message is checked against value rules only. A
// [redact.Pseudonym] is written as its string under any key and value rules
// do not look at it; only a sensitive key above it masks it, with its whole
// group, map or struct. [redact.None] turns redaction off at no
// cost. Options.ReplaceAttr runs after redaction, on attributes only: never
// on event_type, schema_version, the scope name and version or the
// request-scope keys.
//
// # Writing
//
// Handle builds the whole line in a pooled buffer and makes exactly one
// Write call per record, holding a mutex shared by the handler and every
// handler derived from it with WithAttrs or WithGroup, so lines from many
// goroutines never interleave. A writer that implements [RecordWriter]
// receives the level and whether the record is an audit event instead.
// After a failed or short write, the next line starts with a newline so the
// torn line stays alone. Handle returns the writer's error and reports it to
// Options.OnError (nil means a note on standard error at most once a
// minute); a panicking writer is recovered and reported the same way. A
// cancelled context does not stop a record from being written.
//
// Handle allocates nothing for records of plain attributes (BenchmarkHandle
// compares it with [slog.JSONHandler]).
package slogaudit
