// Command auditkit-verify checks tamper-evident audit files written by an
// auditsink.Chain.
//
// Usage:
//
//	auditkit-verify -key pub.pem [-hmac-key-file F] [-allow-partial-series] [-q] FILE...
//	auditkit-verify -unsigned [-hmac-key-file F] [-allow-partial-series] [-q] FILE...
//	auditkit-verify -genkey NAME
//
// FILE... is one file or a rotated series, oldest first. Each FILE's signed
// checkpoints are read from FILE.ckpt; with -key a missing or empty FILE.ckpt
// is tampering. Flags come before the files.
//
// It prints OK, or the first line that was modified, deleted, inserted,
// reordered, or cut after a checkpoint, or what leaves the end of the trail
// unproven. -q hides notes and the OK line, never a problem.
//
// Exit status:
//
//	0  the files verify, complete up to a final checkpoint (notes may be printed)
//	1  tampering found
//	2  usage or I/O error (a missing key, an unreadable file)
//	3  nothing tampered, but the end is not proven: a torn final line, lines
//	   after the last checkpoint, no final checkpoint (the writer crashed,
//	   or the tail was cut exactly at a checkpoint), or a series whose oldest
//	   files are missing (unless -allow-partial-series)
//
// What holds depends on the keys. SHA-256 chain + Ed25519 checkpoints (-key):
// any change, deletion, insertion or reordering of lines is detected, and so
// is cutting the tail or deleting checkpoints; lines written after the last
// checkpoint are reported (exit 3) but could have been rewritten by whoever
// could write the file. HMAC-SHA256 (-hmac-key-file): whoever lacks the key
// cannot recompute the chain, so every line is protected as soon as it is
// written, but without -key a cut tail looks like a shorter trail. Use both
// for the strongest guarantee; -unsigned checks only the chain.
//
// -genkey NAME writes a new Ed25519 key pair: NAME.pem (PKCS #8 private key,
// mode 0600, for auditchain.ChainOptions.SigningKey) and NAME.pub.pem (PKIX
// public key, for -key).
package main
