package slogaudit

import (
	"log/slog"
	"time"

	"github.com/secaudit/auditkit/redact"
)

// LevelCritical is the level for OWASP CRITICAL events. It maps to
// OpenTelemetry severity 18 (ERROR2) and is written as severity_text
// "CRITICAL".
const LevelCritical = slog.LevelError + 1

// Options configure a Handler. A zero Options consists entirely of default
// values; NewHandler copies it, so later changes have no effect.
type Options struct {
	// Level is the minimum level written; nil means slog.LevelInfo. A
	// *slog.LevelVar changes it at run time.
	Level slog.Leveler

	// AddSource adds code.function.name, code.file.path and code.line.number
	// from the record's PC (OWASP's "code location").
	AddSource bool

	// ServiceName is resource service.name; empty means "unknown_service".
	ServiceName string
	// ServiceVersion is resource service.version; omitted when empty.
	ServiceVersion string
	// Resource adds attributes to the resource, after service.name and
	// service.version. Groups flatten to dotted keys.
	Resource []slog.Attr

	// Scope is the instrumentation scope for records that do not name their
	// own through the otel.scope.name attribute. Zero means
	// github.com/secaudit/auditkit/slogaudit at the module's version.
	Scope Scope

	// SchemaVersion is the schema_version attribute of every record; empty
	// means "1.0".
	SchemaVersion string

	// Redactor scrubs sensitive keys and values. nil means redact.Default();
	// redact.None() turns redaction off.
	Redactor *redact.Redactor

	// IncludeUsernames keeps user.name. When false, user.name is dropped from
	// every record, or replaced by its pseudonym when the Redactor has an HMAC
	// key. The user name fields of a captured request body (request.body, a
	// map or flattened keys) are treated the same way: username, user_name,
	// user, login, login_name, email, email_address, mail, account_name and
	// principal, matched ignoring case as encoding/json matches fields.
	IncludeUsernames bool

	// Limits bound the size of values and of the whole line.
	Limits Limits

	// Format selects the line format; the zero value is FormatJSONL.
	Format Format

	// ReplaceAttr rewrites or drops attributes, like slog.HandlerOptions'
	// ReplaceAttr. It runs after redaction and never sees event_type,
	// schema_version or the request-scope keys.
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr

	// OnError receives write and encoding failures. nil means a rate-limited
	// note on standard error.
	OnError func(error)

	// Now is the clock for observed_timestamp; nil means time.Now.
	Now func() time.Time
}

// Scope names the instrumentation scope (the library that produced a record).
type Scope struct {
	Name    string
	Version string
}

// Format selects how a Handler writes records.
type Format int

const (
	// FormatJSONL writes the OpenTelemetry LogRecord-shaped envelope, one JSON
	// object per line, with flat dotted attribute keys.
	FormatJSONL Format = iota
	// FormatOTLPJSON writes each record as one OTLP/JSON
	// ExportLogsServiceRequest line, which OpenTelemetry Collector decoders accept.
	FormatOTLPJSON
)

// Limits bound what one record may cost. Zero or negative fields mean the
// defaults; a MaxRecordBytes below 1024 means 1024.
type Limits struct {
	// MaxDepth is the nesting depth at which a value becomes "[TRUNCATED]"
	// (top-level attribute values are depth 1). Default 8.
	MaxDepth int
	// MaxMapEntries is the number of entries kept from a map or struct.
	// Default 100.
	MaxMapEntries int
	// MaxListLen is the number of elements kept from a slice or array.
	// Default 100.
	MaxListLen int
	// MaxStringLen is the number of runes kept from a string. Default 4096.
	MaxStringLen int
	// MaxAttrs is the number of application attributes kept; library keys do
	// not count. Default 128.
	MaxAttrs int
	// MaxRecordBytes caps the whole line including its trailing newline.
	// Default 32768, because Fluent Bit and Vector discard longer lines.
	MaxRecordBytes int
}

// Default limits.
const (
	DefaultMaxDepth       = 8
	DefaultMaxMapEntries  = 100
	DefaultMaxListLen     = 100
	DefaultMaxStringLen   = 4096
	DefaultMaxAttrs       = 128
	DefaultMaxRecordBytes = 32768
	minMaxRecordBytes     = 1024
)

// withDefaults returns l with zero or negative fields replaced by the defaults.
func (l Limits) withDefaults() Limits {
	def := func(v, d int) int {
		if v <= 0 {
			return d
		}
		return v
	}
	l.MaxDepth = def(l.MaxDepth, DefaultMaxDepth)
	l.MaxMapEntries = def(l.MaxMapEntries, DefaultMaxMapEntries)
	l.MaxListLen = def(l.MaxListLen, DefaultMaxListLen)
	l.MaxStringLen = def(l.MaxStringLen, DefaultMaxStringLen)
	l.MaxAttrs = def(l.MaxAttrs, DefaultMaxAttrs)
	l.MaxRecordBytes = def(l.MaxRecordBytes, DefaultMaxRecordBytes)
	if l.MaxRecordBytes < minMaxRecordBytes {
		l.MaxRecordBytes = minMaxRecordBytes
	}
	return l
}

// RecordWriter is an io.Writer that also wants to know what it is writing.
// When the writer given to NewHandler implements it, the handler calls
// WriteRecord instead of Write, so a delivery policy can treat audit events
// (records with event_type) differently from other records. line is only
// valid during the call. WriteRecord writes the whole line or nothing, so after
// an error the handler does not need to separate the next line from a torn one.
type RecordWriter interface {
	WriteRecord(level slog.Level, audit bool, line []byte) error
}

// LineReserver is implemented by writers that append bytes to each line (a
// tamper-evident chain adds seq and chain keys). The handler keeps every line
// at least ReservedBytes below Limits.MaxRecordBytes so the final line still
// fits.
type LineReserver interface {
	ReservedBytes() int
}
