package redact

import "github.com/secaudit/auditkit/internal/redaction"

// Names of the built-in value detectors, for [Options.Detectors]. The
// high-precision ones, listed by [DefaultDetectors], are on by default:
// bearer and basic credentials, JWTs, private keys, credentials in URLs and
// the well-known key prefixes (AWS, GitHub, GitLab, Slack, Google, Stripe),
// whose shapes ordinary text practically never has. Card numbers are
// opt-in: an order number or a long id can pass the Luhn check by chance
// (one in ten do). Detectors are plain Go functions (substring search, then
// validation), not regular expressions; the default ones share one
// pre-scan of the string, so a clean value costs one pass over its bytes
// however many of them are on.
const (
	// DetectorBearer finds HTTP bearer credentials: "Bearer " followed by a
	// token of at least 8 token68 characters.
	DetectorBearer = redaction.DetectorBearer
	// DetectorBasic finds HTTP basic credentials: "Basic " followed by
	// base64 that decodes to "user:password".
	DetectorBasic = redaction.DetectorBasic
	// DetectorJWT finds JSON Web Tokens (and other JWS/JWE compact
	// serialisations): base64url segments starting with "eyJ", separated by
	// dots.
	DetectorJWT = redaction.DetectorJWT
	// DetectorCardNumber finds payment card numbers: 13 to 19 digits that
	// start with 2 to 6 (the major card brands), written together or in
	// the usual groups separated by single spaces or dashes (4-4-4-4,
	// 4-6-5), and pass the Luhn check.
	DetectorCardNumber = redaction.DetectorCardNumber
	// DetectorPrivateKey finds PEM private key blocks ("-----BEGIN ... PRIVATE
	// KEY-----", including OpenSSH, encrypted and PGP keys); the header alone
	// is enough, so a truncated block is caught too.
	DetectorPrivateKey = redaction.DetectorPrivateKey
	// DetectorURLCredentials finds URLs with a password in them
	// ("postgres://user:secret@host/db").
	DetectorURLCredentials = redaction.DetectorURLCredentials
	// DetectorAWSAccessKeyID finds AWS access key ids (AKIA, ASIA, ABIA, ACCA
	// followed by 16 upper-case letters or digits).
	DetectorAWSAccessKeyID = redaction.DetectorAWSAccessKeyID
	// DetectorGitHubToken finds GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_,
	// github_pat_).
	DetectorGitHubToken = redaction.DetectorGitHubToken
	// DetectorGitLabToken finds GitLab personal access tokens (glpat-).
	DetectorGitLabToken = redaction.DetectorGitLabToken
	// DetectorSlackToken finds Slack tokens (xoxb-, xoxp-, xoxa-, xoxr-,
	// xoxs-, xoxe-, xapp-) and incoming-webhook URLs.
	DetectorSlackToken = redaction.DetectorSlackToken
	// DetectorGoogleAPIKey finds Google API keys (AIza followed by 35
	// characters).
	DetectorGoogleAPIKey = redaction.DetectorGoogleAPIKey
	// DetectorStripeKey finds Stripe secret and restricted keys (sk_live_,
	// sk_test_, rk_live_, rk_test_) and webhook signing secrets (whsec_).
	DetectorStripeKey = redaction.DetectorStripeKey
)

// DetectorNames returns the names of all built-in detectors, sorted. Passing
// it as Options.Detectors enables them all.
func DetectorNames() []string { return redaction.DetectorNames() }

// DefaultDetectors returns the names of the detectors that are on unless
// [Options.ReplaceDefaultDetectors] is set, sorted; the result is a copy.
// They are the high-precision ones: every built-in detector except
// [DetectorCardNumber].
func DefaultDetectors() []string { return redaction.DefaultDetectors() }
