package redact

// Pseudonym is a value that is already a keyed hash or otherwise safe to log,
// such as the session.id that httpaudit derives from the session cookie with
// HMAC-SHA256. Redaction never masks it by key, even under a sensitive key
// ("session.id" compacts to the "sessionid" entry), and value rules do not
// apply to it: Redactor.Value, Redactor.ReplaceAttr and Redactor.Middleware
// pass it through unchanged, as the slogaudit handler does, and every handler
// renders it as its string (slog.JSONHandler as a JSON string).
//
// The exemption covers a Pseudonym that is itself the value of a key. One
// inside a map, list, group or struct that a sensitive key masks goes with
// its container, which is replaced whole, with no hint of its shape.
//
// Converting a raw secret to a Pseudonym logs it in clear: the type is a
// promise made by the code that computes the value.
//
//	logger.Info("login", "session.id", redact.Pseudonym(hashOfCookie))
type Pseudonym string

// String returns p as a plain string, so fmt and slog.TextHandler print it as
// they print a string.
func (p Pseudonym) String() string { return string(p) }
