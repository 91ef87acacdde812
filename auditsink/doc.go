// Package auditsink delivers audit lines and says exactly what happens to
// them when things go wrong: a slow or hung sink, a full disk, a crash, or
// someone editing the file afterwards.
//
// The writers stack. A typical tamper-evident setup, from the handler down
// (the chain is package auditchain's):
//
//	chain, err := auditchain.OpenChain("/var/log/app/audit.log",
//		&auditsink.FileOptions{Sync: auditsink.SyncEvery(50)},
//		&auditchain.ChainOptions{SigningKey: priv, Encoder: enc})
//	guard := auditsink.NewGuard(chain, &auditsink.GuardOptions{Action: auditsink.Suspend})
//	async := auditsink.NewAsync(guard, nil)
//	logger := slog.New(enc.NewHandler(async))
//	...
//	async.Close(ctx) // drain
//	chain.Close()    // final signed checkpoint
//
// Each writer is an [io.Writer] and a [slogaudit.RecordWriter]: the slogaudit
// handler tells it each record's level and whether it is an audit event
// (it carries event_type), and the policies below depend on that. A plain
// Write is treated as an audit event at level Info. Writers that add bytes to
// a line implement [slogaudit.LineReserver], so the handler keeps lines short
// enough for the result to fit Limits.MaxRecordBytes; the other writers pass
// the reservation on.
//
// # Files
//
// [File] opens with O_APPEND|O_CREATE|O_WRONLY, mode 0600, and hands each
// line to the kernel in exactly one write(2), so lines from several processes
// appending to one (unchained) file never interleave, and a line is safe from
// a crash of the process as soon as Write returns. A write the kernel takes
// only in part (a full disk) leaves a fragment; the next Write starts with a
// newline, so the fragment stays on a line of its own. [SyncPolicy] adds fsync
// for power failures ([SyncNever], [SyncEvery], [SyncAlways], like auditd's
// flush). [File.Reopen] (or [File.ReopenOnSignal], SIGHUP by default, as
// Vault does) continues in a new file after logrotate renamed the old one.
//
// # Asynchronous delivery
//
// [Async] is a bounded queue (10 000 lines or 8 MiB by default, like the
// Kubernetes audit buffer) in front of any writer. WriteRecord copies the
// line into a pooled buffer and returns; one goroutine writes lines in order.
// When the queue is full:
//
//   - audit events evict queued non-audit lines first, then follow
//     AuditPolicy: [Block] (default) waits up to BlockTimeout (default 1s),
//     then drops the line; [DropNewest]; [DropOldest];
//   - other records follow OtherPolicy: [DropNewest] (default); [DropOldest]
//     evicts only other non-audit lines; [Block].
//
// A dropped line is never partly written. [Async.Stats] counts every line in
// exactly one of Written, Dropped, Failed or Queued. Drops are recorded in the
// trail itself by an audit.delivery.dropped event (WARN, with
// audit.delivery.dropped_count and _total), at most once per
// DropReportInterval and once more at Close. Errors and panics of the sink are
// counted as Failed and reported to OnError; they never reach the caller.
// [Async.Close] drains within the context's deadline, drops (and counts) what
// is left, and its goroutine ends as soon as any write in progress returns.
//
// # Disk errors
//
// [Guard] applies auditd's disk_full_action/disk_error_action to ENOSPC,
// EDQUOT, EFBIG and EIO from the writer behind it:
//
//   - [FailOpen]: every line is tried (after the warning event, which
//     probes whether the sink is back); lost lines are counted; callers see
//     nil;
//   - [Suspend]: the sink is left alone and lines are counted as lost, except
//     for one probe per ProbeInterval; callers see nil;
//   - [FailClosed]: callers get the error for every lost line, so an
//     application can refuse work it cannot audit.
//
// Each is taken once per transition: OnError hears of the outage once, and
// the outage ends with one audit.delivery.disk_error event (WARN) with the
// error, the action, the number of lines lost and the outage's length,
// written before the next line (under FailOpen, short lines that fit while
// the event does not are written before it). Errors that are not disk
// errors are returned unchanged, during an outage too.
//
// # At least one of N
//
// [Multi] writes each line to every sink and fails only when no sink accepted
// it, with all errors joined (Vault's rule for audit devices). A hanging sink
// hangs Multi: put an Async in front of sinks that can hang.
//
// # Shipping over OTLP
//
// [OTLP] sends the handler's lines to an OpenTelemetry Collector or a log
// database over OTLP/HTTP (POST Endpoint/v1/logs). The handler must write
// slogaudit.FormatOTLPJSON, whose line is one ExportLogsServiceRequest with
// value types kept; the exporter batches lines (MaxBatchLines, MaxBatchBytes,
// FlushInterval) into one request, in protobuf (the default, transcoded from
// the line with protowire, no generated code and no SDK) or JSON, gzipped by
// default, grouping consecutive records of the same resource and scope. It
// sits behind the same queue and policies as Async (audit events block up
// to BlockTimeout when the queue is full, other records are dropped), so a
// slow or absent receiver never holds the application longer than that.
//
// Answers follow the OTLP/HTTP specification:
//
//   - 2xx: delivered (Written); a partialSuccess's rejected records are
//     counted Failed and its message reported to OnError, never retried;
//   - 429, 502, 503, 504 and dropped connections or timeouts: retried with
//     exponential backoff and jitter (InitialBackoff, capped at MaxBackoff),
//     or after the server's Retry-After (capped at 5 minutes), until
//     delivered or Close gives up. A retried request may have arrived the
//     first time, so the receiver holds between Written and Written+Resent
//     lines (OTLPStats);
//   - 413 (or the 400 "http: request body too large" that the Collector's
//     OTLP receiver sends instead): the batch is split in halves sent as
//     new requests; a single line over the receiver's limit is Failed;
//   - any other status (400, 401, 404…): Failed with the server's message,
//     not retried; redirects are not followed (they would carry the batch
//     and the headers elsewhere).
//
// Header values (Authorization) never appear in errors, and are masked in a
// server message that echoes them (values under 4 bytes, which cannot be
// secrets, excepted). The line's members map to the protocol's
// fields one to one; the same data as the default JSON lines format:
//
//	JSON lines key            OTLP/JSON member (the line)             protobuf field (logs/v1, common/v1)
//	resource.*                resourceLogs[].resource.attributes      ResourceLogs.resource=1 → Resource.attributes=1
//	instrumentation_scope     scopeLogs[].scope.name, .version        ScopeLogs.scope=1 → InstrumentationScope.name=1, version=2
//	timestamp                 logRecords[].timeUnixNano               LogRecord.time_unix_nano=1 (fixed64)
//	observed_timestamp        observedTimeUnixNano                    observed_time_unix_nano=11 (fixed64)
//	severity_number           severityNumber                          severity_number=2
//	severity_text             severityText                            severity_text=3
//	body                      body.stringValue                        body=5 → AnyValue.string_value=1
//	attributes.K              attributes[{key:K,value}]               attributes=6 → KeyValue{key=1, value=2}
//	trace_id, span_id         traceId, spanId (hex)                   trace_id=9, span_id=10 (16 and 8 bytes)
//	trace_flags               flags                                   flags=8 (fixed32)
//	event_name                eventName                               event_name=12
//	string, bool              stringValue, boolValue                  AnyValue.string_value=1, bool_value=2
//	integer                   intValue (decimal string)               AnyValue.int_value=3 (int64)
//	float                     doubleValue                             AnyValue.double_value=4
//	object, array             kvlistValue, arrayValue {values}        AnyValue.kvlist_value=6, array_value=5
//	null                      {} (empty value)                        AnyValue with no field set
//
// A chained line's seq and chain members are not part of the protocol and
// are not sent: verify the file, not the copy in the log database.
//
// # Promises by configuration
//
//   - File alone: every line whose Write returned nil is whole in the file
//     after a process crash; after a power failure only up to the last fsync.
//   - Async: the application never waits longer than BlockTimeout for an
//     audit event and never waits for others; what is not written is counted
//     and reported in the trail.
//   - Guard(FailClosed) without Async: an error from the handler's Handle
//     means the record is not on disk, which is what httpaudit's
//     Options.FailClosed needs. File, Chain, Guard(FailClosed) over a
//     durable writer and Multi of durable sinks declare slogaudit.Durable;
//     Async, and anything with an Async behind it, does not, so
//     httpaudit.New refuses that combination.
//   - OTLP: as Async for the application; lines are delivered at least
//     once (a retry may repeat them) unless Stats counts them Dropped or
//     Failed. It does not declare slogaudit.Durable.
//   - A chained file (package auditchain): see its "What verification
//     proves".
package auditsink
