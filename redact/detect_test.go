package redact

import (
	"slices"
	"testing"

	"github.com/secaudit/auditkit/internal/redaction"
)

// TestEngineConstants: the engine writes the same marker and prefix that
// this package documents.
func TestEngineConstants(t *testing.T) {
	if redaction.Marker != Marker || redaction.HashPrefix != HashPrefix {
		t.Errorf("engine %q %q, redact %q %q", redaction.Marker, redaction.HashPrefix, Marker, HashPrefix)
	}
}

// TestDetectorConstants keeps the exported detector names equal to the
// engine's (internal/redaction), which defines the detectors.
func TestDetectorConstants(t *testing.T) {
	consts := []string{DetectorBearer, DetectorBasic, DetectorJWT, DetectorCardNumber,
		DetectorPrivateKey, DetectorURLCredentials, DetectorAWSAccessKeyID,
		DetectorGitHubToken, DetectorGitLabToken, DetectorSlackToken,
		DetectorGoogleAPIKey, DetectorStripeKey}
	slices.Sort(consts)
	if got := DetectorNames(); !slices.Equal(got, consts) {
		t.Errorf("DetectorNames() = %q, want the constants %q", got, consts)
	}
	for _, n := range DefaultDetectors() {
		if n == DetectorCardNumber {
			t.Error("card numbers are on by default")
		}
	}
}
