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
)

// ScopeName is the instrumentation scope of the segment header.
const ScopeName = "github.com/secaudit/auditkit/auditchain"
