package auditchain

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// fingerprintLen is the number of hash bytes a fingerprint keeps: enough to
// tell keys apart, short enough to read out in an error message.
const fingerprintLen = 16

// hmacFingerprintLabel is the message an HMAC key's fingerprint is the MAC
// of. Publishing the MAC of a fixed label reveals nothing about the key.
const hmacFingerprintLabel = "auditkit-hmac-fingerprint-v1"

// KeyFingerprint returns the fingerprint of an Ed25519 public key: the lower
// hex of the first 16 bytes of SHA-256 of its 32 raw bytes. Segment headers
// carry it (KeyChainKeyFingerprint) so that a verifier given the wrong key
// can say "signed by key fingerprint A, you gave B" instead of "tampered".
func KeyFingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:fingerprintLen])
}

// HMACFingerprint returns the fingerprint of an HMAC chain key: the lower hex
// of the first 16 bytes of HMAC-SHA256(key, "auditkit-hmac-fingerprint-v1").
// Segment headers carry it (KeyChainHMACFingerprint) so that a verifier can
// choose the right key file (with or without a trailing newline) and tell a
// wrong key from an edited line. It is keyed, so it does not help guess the
// key.
func HMACFingerprint(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(hmacFingerprintLabel))
	return hex.EncodeToString(m.Sum(nil)[:fingerprintLen])
}
