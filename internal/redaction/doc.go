// Package redaction is the engine behind package redact: the compiled
// key rules (an automaton over the compacted key path, see keys.go), the
// built-in value detectors with their shared pre-scan (detect.go, scan.go),
// value patterns and HMAC pseudonyms.
//
// A redact.Redactor holds its [Rules] by value and exposes only what users
// need (New, Value, ReplaceAttr, Middleware, Mask, ...). The sibling packages
// that encode records themselves (slogaudit's handler, httpaudit's query
// redaction) take the Rules of a Redactor once, at construction, with [Of],
// and then call Enter, EnterField, MatchValue and AppendMask directly on the
// hot path: no wrapper, no interface call.
package redaction
