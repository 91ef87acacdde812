package auditchain

// EventChainSegment is the event type of the first line of every chain
// segment (the segment header).
const EventChainSegment = "audit.chain.segment"

// Attribute keys of the segment header.
const (
	// KeyChainSegment is the random id of a chain segment (32 hex).
	KeyChainSegment = "audit.chain.segment"
	// KeyChainAlgorithm is "sha256" or "hmac-sha256".
	KeyChainAlgorithm = "audit.chain.algorithm"
	// KeyChainPrevSeq and KeyChainPrevHead name the last line of the
	// previous segment (its seq and hex chain value), linking rotated files
	// and restarts.
	KeyChainPrevSeq  = "audit.chain.prev_seq"
	KeyChainPrevHead = "audit.chain.prev_head"
	// KeyChainPrevSegment is the segment id of the previous segment, next to
	// KeyChainPrevSeq and KeyChainPrevHead, so that a verifier can put a
	// rotated series given in any order back in chain order.
	KeyChainPrevSegment = "audit.chain.prev_segment"
	// KeyChainKeyFingerprint is KeyFingerprint of the public key that
	// verifies the segment's checkpoints; present iff they are signed, so
	// that a verifier given another key can say which key was used.
	KeyChainKeyFingerprint = "audit.chain.key_fingerprint"
	// KeyChainHMACFingerprint is HMACFingerprint of the chain key; present
	// iff the chain is HMAC-SHA256, so that a verifier can pick the right
	// key file and tell a wrong key from tampering.
	KeyChainHMACFingerprint = "audit.chain.hmac_fingerprint"
	// KeyChainFoundBytes is the number of bytes OpenChain found after the
	// previous segment's last chained line (a torn line, or anything someone
	// appended). The header records them; it never vouches for them.
	KeyChainFoundBytes = "audit.chain.found_bytes"
	// KeyChainTruncatedAtSeq is the seq the previous segment had reached
	// when the writer noticed that its file had been truncated under it
	// (copytruncate, which is unsupported for chained files).
	KeyChainTruncatedAtSeq = "audit.chain.truncated_at_seq"
)

// KeyChainCheckpoint is the field of a JSON witness line (a log database
// export) that may hold a checkpoint line, as an alternative to "_msg", for
// pipelines that ship the witness as an attribute rather than the message.
const KeyChainCheckpoint = "audit.chain.checkpoint"

// ScopeName is the instrumentation scope of the segment header.
const ScopeName = "github.com/secaudit/auditkit/auditchain"
