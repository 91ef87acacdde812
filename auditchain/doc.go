// Package auditchain makes an audit file tamper-evident and proves it: a
// hash chain over its lines, signed checkpoints, and a verifier.
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
//     or, for a final checkpoint,
//     {"segment":S,"seq":N,"head":hex(chain_N),"time":unix_ns,"final":true,"sig":hex(sig)}
//     (exactly this form) where sig is the Ed25519 signature of
//     "auditkit-checkpoint-v1\n" S "\n" N "\n" head "\n" time "\n", followed
//     by "final\n" for a final checkpoint (decimal numbers). Chain writes one
//     right after each segment header, every CheckpointEvery lines (1000),
//     CheckpointInterval (1m) after an uncovered line, and a final one at
//     Reopen and at Close. Before writing a checkpoint it fsyncs the log (when
//     the writer has a Sync method, as File does), and afterwards the sidecar,
//     so no checkpoint can outlive the lines it covers.
//   - A write that fails part-way leaves a fragment; the line is not part of
//     the chain (its seq is used by the next line), and the next write starts
//     with "\n" so the fragment stays on a line of its own. The next chained
//     line commits to the fragments: with F the bytes between the end of the
//     previous chained line (its newline) and the start of this one, that is
//     each fragment followed by its "\n", chain_N = H(chain_{N-1} || F || P).
//     F is empty without failed writes, so the vectors below are unchanged.
//     A fragment at the end of a file (a crash) is committed to by the next
//     segment's header: [OpenChain] reads it from the file, and after
//     [Chain.Reopen] the old file's end counts as the fragment's newline.
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
// in order and reports ([Report.Tampered]) the first line that was
// modified, deleted, inserted or reordered, an unchained line that cannot be
// a fragment of a failed write (a whole JSON value, foreign text), a segment
// that does not link to the one before, a checkpoint that is not in the exact
// form above or whose signature fails, lines cut after a checkpoint, lines
// after a final checkpoint, and, with a public key, a missing or empty
// FILE.ckpt or a segment without any checkpoint. Fragments that a later line
// commits to are notes. What keeps the end of the trail from being proven
// without being tampering is [Report.Incomplete] (exit code 3 of
// auditkit-verify): unchained bytes at the very end that nothing commits to
// (a torn final line), lines after the last checkpoint, a last segment
// without a final checkpoint (the writer crashed, or the tail was cut exactly
// at a checkpoint), and a first segment that continues a file not given
// (unless [VerifyOptions.AllowPartialSeries]). [Report.Complete] is true
// when there is neither.
//
// # What verification proves
//
//   - SHA-256 chain and Ed25519 checkpoints (VerifyOptions.PublicKey):
//     every change, deletion, insertion or reordering of lines up to the
//     last checkpoint is detected, and so are a cut tail, deleted or edited
//     checkpoints and lines appended after Close. Whoever can write the file
//     can still rewrite the lines after the last checkpoint; they show as
//     Incomplete (not covered, not closed), never as a complete trail.
//   - HMAC-SHA256 chain without checkpoints: whoever lacks the key cannot
//     change, insert or reorder lines, from the moment each is written, but
//     cutting the tail leaves a shorter, valid trail.
//   - Both: the strongest; an HMAC key also protects the lines written since
//     the last checkpoint.
//   - Plain SHA-256 without checkpoints: only accidental corruption and
//     clumsy edits are detected; whoever can edit the file can recompute the
//     chain.
//
// Keep the public key and the HMAC key away from the writing host and,
// ideally, copies of the checkpoints elsewhere. An HMAC key must not be
// empty; use at least 32 random bytes.
//
// Rotation: rename FILE to NAME and FILE.ckpt to NAME.ckpt, then call
// [Chain.Reopen] (or send SIGHUP with [Chain.ReopenOnSignal]).
package auditchain
