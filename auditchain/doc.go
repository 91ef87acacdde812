// Package auditchain makes an audit file tamper-evident and proves it: a
// hash chain over its lines, signed checkpoints, and a verifier.
//
// # Tamper-evident chain
//
// [Chain] turns each line `{...}\n` into `{...,"seq":N,"chain":"<hex>"}\n`
// and writes signed checkpoints to a sidecar file FILE.ckpt (and, with
// ChainOptions.Witness, a byte-identical copy elsewhere). One writer writes
// one chained file: [OpenChain] holds an exclusive flock(2) on FILE.lock,
// and a second writer fails at once with an error naming the file and the
// holder's PID; the kernel drops the lock when the holder dies. The format,
// version 1:
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
//   - Line 0 is the segment header, which Chain writes as soon as the
//     segment starts (NewChain, OpenChain, Reopen): an event written by the
//     handler's encoder (ChainOptions.Encoder: its format and resource) with
//     event_type audit.chain.segment and attributes audit.chain.segment (S),
//     audit.chain.algorithm ("sha256" or "hmac-sha256"),
//     audit.chain.key_fingerprint ([KeyFingerprint] of the checkpoint key,
//     when signed) and audit.chain.hmac_fingerprint ([HMACFingerprint], for
//     HMAC chains). A segment that continues an earlier one (a rotation, or
//     OpenChain on an existing file after a restart) also has
//     audit.chain.prev_segment, audit.chain.prev_seq and
//     audit.chain.prev_head: the id, seq and hex chain value of the previous
//     segment's last line. audit.chain.found_bytes counts the bytes found
//     after that line when the segment started (a torn line, or anything
//     appended): the header records them and never vouches for them.
//     audit.chain.truncated_at_seq says the file was truncated under the
//     writer (below).
//   - A checkpoint is a FILE.ckpt line
//     {"segment":S,"seq":N,"head":hex(chain_N),"time":unix_ns[,"final":true][,"tail":T],"sig":hex(sig)}
//     (exactly this form, lower-case hex) where sig is the Ed25519 signature
//     of "auditkit-checkpoint-v1\n" S "\n" N "\n" head "\n" time "\n",
//     followed by "final\n" for a final checkpoint and "tail " T "\n" when T
//     is set (decimal numbers). Chain writes one right after each segment
//     header, every CheckpointEvery lines (1000), CheckpointInterval (1m)
//     after an uncovered line, every HeartbeatInterval even without new lines
//     (re-signing the same head with a newer time), and a final one at
//     Reopen and at Close. Before writing a checkpoint it fsyncs the log
//     (when the writer has a Sync method, as File does), and afterwards the
//     sidecar, so no checkpoint can outlive the lines it covers.
//   - A write that fails part-way leaves a fragment; the line is not part of
//     the chain (its seq is used by the next line), and the next write starts
//     with "\n" so the fragment stays on a line of its own. The next chained
//     line of the same segment commits to the fragments the writer itself
//     left: with F the bytes between the end of the previous chained line
//     (its newline) and the start of this one, that is each fragment followed
//     by its "\n", chain_N = H(chain_{N-1} || F || P). F is empty without
//     failed writes, so the vectors below are unchanged. When no line
//     follows, the checkpoint's tail T is hex(SHA-256(F)), so that a failed
//     write just before Close is not mistaken for bytes appended after it. A
//     header never commits to bytes before it.
//   - Rotation is rename, then [Chain.Reopen] (or SIGHUP with
//     [Chain.ReopenOnSignal]): the old segment ends with a final checkpoint
//     and the new file starts with a header linked to it. A file renamed
//     while no writer runs cannot be linked: the next OpenChain starts an
//     unlinked chain, a separate trail. copytruncate is not
//     supported: a file that shrank under the writer is noticed at the next
//     checkpoint (the Encoder's OnError hears of it), the segment is not
//     signed further, and a new one starts whose header records
//     audit.chain.truncated_at_seq; such a file verifies as not provable.
//
// Test vectors (TestChainVectors recomputes them from this definition; they
// were also checked with Python's hashlib and hmac): segment id bytes
// 00 01 ... 0f, so
// S = 000102030405060708090a0b0c0d0e0f, clock 1767323045 s, lines {"a":1},
// {"a":2}, {"a":3}. With SHA-256, genesis is
// bd28e080e986f5ea71f8a2295c0348232738502518c5dd8495067c94b3278066 and the
// lines after the header are
//
//	{"a":1,"seq":1,"chain":"b2c4483cd068e273f644d239d77b91c338beb2c7c9e0c6e2728f64fef811c903"}
//	{"a":2,"seq":2,"chain":"b8e8688fd93417f6ecc3d748676bec9b6d3ad62b3b986b3cdbe3f6c8cd84c179"}
//	{"a":3,"seq":3,"chain":"9622261cbfb091bf8ec19cda8d015c68dca4eba019749a60283212c4eb66cad3"}
//
// (header chain 2237d09a3fcfe8e91ada843f4d06f5af488436e2f59a6d996f2034a308f72629).
// With HMAC key "k3y" (fingerprint ba87f65ae9fd06aa7e5c0dc7bac2f50c), genesis is
// 1f58eb3d1e934f5e997f52c4550ef8f5a2abb38fccec451f106dc98e333919f6, the
// header's chain d9a6d701f609e1e6fe5227b4997880951b006db4a4188cf287f3f4acaae529d2
// and the lines' chains 34f23d3d6860b7e5f98d0208c979df4d9b644a1754c403cc8b2237ebb49c551c,
// 014e46b6050df4c3dca7645466ddfdc0c783441a5391283fb928b33fa1912239,
// cc9e41c74124984be85e3db2d161a745297a3ff40531b7b950db28fd15efbd08. The whole
// files are testdata/vector_sha256.jsonl and testdata/vector_hmac.jsonl.
//
// # Verifying
//
// [Verify] (and the auditkit-verify command) reads a file or a rotated series
// (put in chain order by the headers' links, whatever the order given) and
// reports ([Report.Tampered], exit 1) the first line that was modified,
// deleted, inserted or reordered, an unchained line that cannot be a
// fragment of a failed write, a segment that does not link to the one
// before, a checkpoint that is not in the exact form above or whose
// signature fails (naming the fingerprint of the key that signed the trail
// when another was given), lines cut after a checkpoint, any byte after a
// final checkpoint other than its tail, and, with a public key, a missing or
// empty FILE.ckpt or a segment without any checkpoint. With witness copies
// ([VerifyOptions.Witness]), a validly signed witnessed checkpoint that the
// trail does not contain is a cut. What cannot be proven without being
// tampering is [Report.Incomplete] (exit 3): the lines after the last
// checkpoint of a crashed segment (named SEGMENT:FROM-TO, unless the HMAC key
// proves them or [VerifyOptions.Accept] acknowledges them; unchained bytes
// there, a torn line or anything appended, no key proves), a last segment
// without a final checkpoint, a file truncated under the writer, and a first
// segment that continues a file not given (unless
// [VerifyOptions.AllowPartialSeries]). [Report.LastCheckpoint] is when the
// newest checkpoint was signed; with [VerifyOptions.MaxAge] an older one is
// stale (exit 4), and a live trail whose fresh newest checkpoint covers its
// last line is proven (exit 0); lines or bytes after that checkpoint stay
// unproven (exit 3). A witness holds the checkpoints of one trail: one
// signed with the same key by another trail reads as a cut segment, so
// filter a shared stream or export by its file field. The verifier opens
// only regular files (a FIFO, a device or a directory as a trail file, a
// FILE.ckpt or a witness does not verify) and refuses lines longer than
// [MaxLineSize].
//
// # What verification proves
//
// Who can do what, and what each configuration then proves:
//
//	attacker can ...                      | SHA-256 + checkpoints | + HMAC key     | + witness or heartbeat
//	--------------------------------------+-----------------------+----------------+------------------------
//	edit the files: change, delete,       | detected              | detected       | detected
//	  insert, reorder up to a checkpoint  |                       |                |
//	edit the lines after the last         | unproven (exit 3)     | detected       | as without
//	  checkpoint (crash, live tail)       |                       |                |
//	append after Close; edit after a      | detected / unproven   | detected       | as without
//	  crash and restart                   |                       |                |
//	cut whole segments or files at a      | NOT detected          | NOT detected   | detected (witness),
//	  final checkpoint (or a rotated file)|                       |                | stale (-max-age)
//	read the signing key                  | re-signs anything     | lines hold     | shipped witness holds
//	read the HMAC key                     | checkpoints hold      | = SHA-256      | as without
//
// In words:
//
//   - A restart never launders edits: the new segment's header records the
//     bytes it found but never vouches for them, so bytes after a final
//     checkpoint stay tampering and the uncovered end of a crashed segment
//     stays unproven, whatever later segments say.
//   - Without a witness or -max-age, a cut exactly at a final checkpoint (a
//     whole later run, or the newest rotated file, removed with its
//     checkpoints) cannot be detected: the rest is a complete, valid trail.
//     auditkit-verify prints the time of the last checkpoint so that a human
//     can notice.
//   - Plain SHA-256 without checkpoints detects only accidental corruption
//     and clumsy edits: whoever can edit the file can recompute the chain.
//
// Keep the public key and the HMAC key away from the writing host and ship
// the witness somewhere the host cannot rewrite. An HMAC key must not be
// empty; use at least 32 random bytes.
package auditchain
