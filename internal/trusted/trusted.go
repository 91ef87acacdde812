// Package trusted marks the values that the library computes itself, so
// that the slogaudit handler can tell them from what an application put in
// the request scope. Only a marked value is written without redaction:
// httpaudit's generated request id and its parsed addresses are safe by
// construction, while a string an application passes to
// slogaudit.ContextWithAttrs goes through the key and value rules like any
// attribute.
//
// The mark is an unexported method, so only types declared inside this
// module can carry it (by embedding Mark).
package trusted

// Mark, embedded in a type, marks its values as library-produced.
type Mark struct{}

func (Mark) libraryProduced() {}

type marked interface{ libraryProduced() }

// Is reports whether v carries the mark.
func Is(v any) bool {
	_, ok := v.(marked)
	return ok
}
