// Package jsonenc appends JSON tokens to byte slices without allocating.
//
// It is the leaf layer of the slogaudit encoders, in the style of log/slog's
// json_handler.go and zerolog's internal/json: every function has the shape
// AppendX(dst []byte, v T) []byte. Strings are always written as valid UTF-8
// (invalid bytes become U+FFFD) and every character that could end or split a
// log line (control characters, U+2028, U+2029) is escaped, so no value can
// forge a second line (CWE-117). HTML characters are not escaped: log lines are
// not HTML.
package jsonenc
