// Command auditkit-verify checks tamper-evident audit files written by an
// auditchain.Chain.
//
// Usage:
//
//	auditkit-verify -key pub.pem [-hmac-key-file F] [-witness W]... [-max-age D]
//	                [-accept SEGMENT:FROM-TO]... [-allow-partial-series] [-q] FILE...
//	auditkit-verify -unsigned [-hmac-key-file F] [-allow-partial-series] [-q] FILE...
//	auditkit-verify -genkey NAME
//
// FILE... is one file or a rotated series, in any order: the files are put
// in chain order by the links in their segment headers, and FILE.ckpt (and
// FILE.lock) names that a shell glob picks up are skipped with a note. Each
// FILE's signed checkpoints are read from FILE.ckpt; with -key a missing or
// empty FILE.ckpt is tampering. Flags come before the files; put -- before
// a shell glob, so that a file named like a flag ("-key=evil.pem") stays a
// file name:
//
//	auditkit-verify -key pub.pem -- audit.jsonl*
//
// Every flag but -witness and -accept may be given once: a second -key,
// -hmac-key-file, -max-age (or any other) is refused with exit 2, naming
// the flag.
//
// It prints OK, or the first line that was modified, deleted, inserted,
// reordered, or cut, or what cannot be proven, and always the time of the
// trail's newest checkpoint and its age. -q hides notes, that time and the
// OK line when the trail is proven; it never hides a problem.
//
// Exit status (when several apply, the first in the order 1, 3, 4):
//
//	0  proven: every line verifies, up to a final checkpoint (or, with
//	   -max-age, a fresh checkpoint that covers the last line of a writer
//	   that is still running)
//	1  does not verify under the given keys: a line modified, deleted,
//	   inserted or reordered; bytes after a final checkpoint; lines or a
//	   whole segment that a checkpoint or a witness names are missing; a
//	   checkpoint edited, not in canonical form (upper-case hex) or signed by
//	   another key ("signed by key fingerprint A, you gave B"); a wrong HMAC
//	   key, or none for an HMAC chain; a trail or witness file that cannot
//	   be read
//	2  the command line only: unknown flags, no files, an unreadable or
//	   unparsable key file, a malformed -accept
//	3  not provable, nothing tampered: a torn or uncovered end (with
//	   -max-age as well: lines or bytes after the newest checkpoint of a
//	   live trail), no final checkpoint (the writer crashed, or the tail was
//	   cut exactly at a checkpoint), the lines and unchained bytes of a
//	   crashed segment after its last checkpoint (for good, even after a
//	   restart; an HMAC key proves the lines but never unchained bytes, and
//	   -accept SEGMENT:FROM-TO takes a reviewed range), a series whose
//	   oldest files are missing (unless -allow-partial-series), a file
//	   truncated under the writer (copytruncate; whatever the flags)
//	4  stale: the newest checkpoint is older than -max-age
//
// What holds depends on the keys and flags. With -key (Ed25519 checkpoints)
// any change, deletion, insertion or reordering of lines up to the last
// checkpoint is detected, and so are bytes after a final checkpoint and
// deleted checkpoints; lines after the last checkpoint of a crashed segment
// are reported (exit 3) because whoever could write the file could have
// rewritten them. -hmac-key-file (HMAC-SHA256 chain) protects every line
// from whoever lacks the key as soon as it is written. A key file is tried
// as its exact bytes and then without a trailing newline, chosen by the
// fingerprint in the segment headers.
//
// Without a witness or -max-age, a trail cut at a final checkpoint (a whole
// later segment or the newest rotated file removed, with its checkpoints)
// cannot be detected: it is a shorter trail that verifies, and only the
// printed time of its last checkpoint shows how old its end is. -witness
// FILE (repeatable) reads the copies of the checkpoints that the writer
// handed to a second destination (auditchain.ChainOptions.Witness):
// checkpoint lines, or JSON lines with the line in "_msg" (a VictoriaLogs
// export) or "audit.chain.checkpoint". Every validly signed witnessed
// checkpoint must be in the trail, unless it is older than the trail
// (rotated away); others are ignored with a note. Give one witness stream
// per trail: a checkpoint of another trail signed with the same key cannot
// be told from one of a cut segment, so filter a shared export by its file
// field first. -max-age D fails (exit 4) when the newest checkpoint is
// older than D: for a running writer that signs heartbeats
// (auditchain.ChainOptions.HeartbeatInterval), a periodic check then
// notices a cut end. A fresh checkpoint excuses only the missing final
// checkpoint of a live trail: lines after it stay unproven (exit 3).
//
// -genkey NAME writes a new Ed25519 key pair: NAME.pem (PKCS #8 private key,
// mode 0600, for auditchain.ChainOptions.SigningKey) and NAME.pub.pem (PKIX
// public key, for -key).
package main
