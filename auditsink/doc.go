// Package auditsink delivers audit lines and says exactly what happens to
// them when things go wrong: a slow or hung sink, a full disk, a crash, or
// someone editing the file afterwards.
//
// The writers stack. A typical tamper-evident setup, from the handler down:
//
//	chain, err := auditsink.OpenChain("/var/log/app/audit.log",
//		&auditsink.FileOptions{Sync: auditsink.SyncEvery(50)},
//		&auditsink.ChainOptions{SigningKey: priv})
//	guard := auditsink.NewGuard(chain, &auditsink.GuardOptions{Action: auditsink.Suspend})
//	async := auditsink.NewAsync(guard, nil)
//	logger := slog.New(slogaudit.NewHandler(async, opts))
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
// a crash of the process as soon as Write returns. [SyncPolicy] adds fsync
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
//   - [FailOpen]: every line is tried; lost lines are counted; callers see nil;
//   - [Suspend]: the sink is left alone and lines are counted as lost, except
//     for one probe per ProbeInterval; callers see nil;
//   - [FailClosed]: callers get the error for every lost line, so an
//     application can refuse work it cannot audit.
//
// Each is taken once per transition: OnError hears of the outage once, and
// the first write that succeeds afterwards is one audit.delivery.disk_error
// event (WARN) with the error, the action, the number of lines lost and the
// outage's length. Other errors are returned unchanged.
//
// # At least one of N
//
// [Multi] writes each line to every sink and fails only when no sink accepted
// it, with all errors joined (Vault's rule for audit devices). A hanging sink
// hangs Multi: put an Async in front of sinks that can hang.
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
//     Options.FailClosed needs. Async reports itself slogaudit.Buffered, and
//     so do Guard and Multi with an Async behind them, so that
//     httpaudit.New can refuse that combination.
//   - Chain: any change to the file is detected up to the last complete line;
//     with signed checkpoints, also the loss of lines up to the last
//     checkpoint.
//
// # Tamper-evident chain
//
// [Chain] turns each line `{...}\n` into `{...,"seq":N,"chain":"<hex>"}\n`
// and writes signed checkpoints to a sidecar file FILE.ckpt. One process
// writes one chained file. The format, version 1:
//
//   - H is SHA-256, or HMAC-SHA256 under ChainOptions.HMACKey.
//   - A segment is a run of lines with a random 16-byte id, written as 32
//     lower-case hex S. Its chain starts at genesis = H("auditkit-chain-v1:" || S).
//   - Line N of a segment (N = 0, 1, 2, ...): take the line without its
//     newline (and without leading newlines), drop the final "}", append
//     `,"seq":N` (no comma for an empty object), giving P. Then
//     chain_N = H(chain_{N-1} || P) with chain_{-1} = genesis, as 32 raw bytes,
//     and the written line is P + `,"chain":"` + hex(chain_N) + `"}` + "\n".
//     seq and chain are the last two top-level keys; seq is decimal without
//     leading zeros, hex is lower case.
//   - Line 0 is the segment header that Chain writes itself: an envelope
//     with event_type audit.chain.segment and attributes audit.chain.segment
//     (S) and audit.chain.algorithm ("sha256" or "hmac-sha256"). A segment
//     that continues an earlier one (after [Chain.Reopen] for rotation, or
//     [OpenChain] on an existing file after a restart) also has
//     audit.chain.prev_seq and audit.chain.prev_head: the seq and hex chain
//     value of the previous segment's last line.
//   - A checkpoint is a FILE.ckpt line
//     {"segment":S,"seq":N,"head":hex(chain_N),"time":unix_ns,"sig":hex(sig)}
//     where sig is the Ed25519 signature of
//     "auditkit-checkpoint-v1\n" S "\n" N "\n" head "\n" time "\n"
//     (decimal numbers). Chain writes one every CheckpointEvery lines (1000),
//     CheckpointInterval (1m) after an uncovered line, at Reopen and at Close.
//   - A write that fails part-way leaves a fragment; the line is not part of
//     the chain (its seq is used by the next line), and the next write starts
//     with "\n" so the fragment stays on a line of its own.
//
// Test vectors (checked in TestChainVectors against an independent
// implementation): segment id bytes 00 01 ... 0f, so
// S = 000102030405060708090a0b0c0d0e0f, clock 1767323045 s, lines {"a":1},
// {"a":2}, {"a":3}. With SHA-256, genesis is
// bd28e080e986f5ea71f8a2295c0348232738502518c5dd8495067c94b3278066 and the
// lines after the header are
//
//	{"a":1,"seq":1,"chain":"f876154f4f39243c36f979fcb962219ee0ab7bd374cb0dc07f358b10ef3f01e9"}
//	{"a":2,"seq":2,"chain":"db948a9fa3d3a469af31f975d67723e1c8d923bf8ea54a06e4e8b9003bff7e50"}
//	{"a":3,"seq":3,"chain":"f60d4e0e9ae6be81742dcbcf195402eecd30c67616a48ca2587f59e3ebf97c6e"}
//
// (header chain 574e8e966adc96502a56f6587648c4ef2c2a835a435a34b7a8eb81b27256e0ba).
// With HMAC key "k3y", genesis is
// 1f58eb3d1e934f5e997f52c4550ef8f5a2abb38fccec451f106dc98e333919f6, the
// header's chain 1db60db5d9622d016a440a794c10ede23b865ab72b328c10ab73ca5c3856d57e
// and the lines' chains 14c23cc87ad20853c60e0f9b1152a14d333ebbeca0556a4b8824b020655436dd,
// e568492d34db882aced979961bc69ca0f9462d3d079debfddbb8813d5593b259,
// 4af60a20e82567bb2850fcebec35810eeaec22349d1d7d84c65a7fcbdd5f814a. The whole
// files are testdata/vector_sha256.jsonl and testdata/vector_hmac.jsonl.
//
// # Verifying
//
// [Verify] (and the auditkit-verify command) reads a file or a rotated series
// in order and reports the first line that was modified, deleted, inserted or
// reordered, a segment that does not link to the one before, a checkpoint
// whose signature fails, and lines cut after a checkpoint. A torn final line
// (a crash in the middle of a write) and fragments of failed writes are
// reported as notes, not failures. What it cannot see: with plain SHA-256,
// whoever can edit the file can recompute the chain (checkpoints, or an HMAC
// key kept away from the host, catch that); lines cut after the last
// checkpoint, together with the checkpoints themselves, look like a shorter
// trail. Keep the public key and, ideally, copies of the checkpoints elsewhere.
//
// Rotation: rename FILE to NAME and FILE.ckpt to NAME.ckpt, then call
// [Chain.Reopen] (or send SIGHUP with [Chain.ReopenOnSignal]).
package auditsink
