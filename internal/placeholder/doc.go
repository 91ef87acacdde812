// Package placeholder holds the fixed strings that replace a value whose
// method failed while it was being logged, shared by the slogaudit handler
// and package redact so that both write the same thing.
//
// A placeholder never carries the error's or the panic's text: a failing
// String, Error, MarshalJSON, MarshalText or LogValue can have the very data
// that redaction exists to keep out of the log in its message
// ("cannot print postgres://app:S3cret@db/prod", "bad key sk-LIVE-123").
// The strings are bracketed like redact.Marker and slogaudit's "[TRUNCATED]",
// so that a reader (and a query) tells them apart from data.
package placeholder

const (
	// Panic replaces a value (or a map key) whose String, Error,
	// MarshalJSON, MarshalText or LogValue method panicked.
	Panic = "[PANIC]"
	// Error replaces a value (or a map key) whose MarshalJSON or
	// MarshalText method returned an error.
	Error = "[ERROR]"
	// InvalidJSON replaces a value whose MarshalJSON output is not a
	// single valid JSON value.
	InvalidJSON = "[INVALID JSON]"
)
