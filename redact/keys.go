package redact

import "github.com/secaudit/auditkit/internal/redaction"

// DefaultSensitiveKeys returns a copy of the default denylist: the seed's
// fifteen entries followed by the ones a security reviewer expects. Entries are
// compared after compaction (see the package documentation), so "api_key",
// "API-Key" and "apiKey" are the same entry. Entries of three characters or
// fewer (pw, pwd, jwt, ssn, otp, pin, cvv, cvc, dsn) and the word "pass" must
// equal a whole segment of a key; the others match anywhere in the compacted
// key path.
func DefaultSensitiveKeys() []string { return redaction.DefaultSensitiveKeys() }

// IsSensitiveKey reports whether a value under key is redacted. key is a
// whole path: dots separate its components, as in "db.password".
func (r *Redactor) IsSensitiveKey(key string) bool { return r.rules.IsSensitiveKey(key) }
