package slogaudit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secaudit/auditkit/internal/redaction"

	"github.com/secaudit/auditkit/internal/jsonenc"
	"github.com/secaudit/auditkit/redact"
)

// DefaultScopeName is the instrumentation scope name used when Options.Scope
// is zero and a record does not name its own scope.
const DefaultScopeName = "github.com/secaudit/auditkit/slogaudit"

const defaultSchemaVersion = "1.0"

// maxDepthCap bounds Limits.MaxDepth.
const maxDepthCap = 256

// Handler is a slog.Handler that writes each record as one OpenTelemetry
// LogRecord-shaped JSON line (see the package documentation for the exact
// envelope). Create one with NewHandler. It is safe for concurrent use;
// handlers derived with WithAttrs and WithGroup share the writer and its
// mutex.
type Handler struct {
	c *config

	// node is the context of the open groups (dotted prefix, redaction
	// state); the root node when none is open.
	node *groupNode

	// with holds the attributes of WithAttrs, encoded once (entries
	// ",\"key\":value", offsets relative to with).
	with     []byte
	withEnts []entry
	// withBloom is the state.bloom of withEnts.
	withBloom uint64
	// withSrc keeps what produced with, so a record that must shrink its
	// strings to fit MaxRecordBytes can re-encode it with a smaller cap.
	withSrc []withCall
	// withLift holds event_type and otel.scope.* found in WithAttrs.
	withLift lifted
	// withApp counts application attributes in with (for MaxAttrs);
	// withCut records that MaxAttrs already dropped some.
	withApp int
	withCut bool
	// withLongest is the longest string value in with (see state.longest).
	withLongest int
}

// withCall is one WithAttrs call and the groups it was made in.
type withCall struct {
	attrs []slog.Attr
	node  *groupNode
}

// config is what every clone of a Handler shares. It is immutable after
// NewHandler, except for the writer state guarded by mu.
type config struct {
	w       io.Writer
	rw      RecordWriter // w, when it implements RecordWriter
	reserve int          // LineReserver.ReservedBytes, read once

	level     slog.Leveler
	addSource bool
	// rules are the Redactor's (Options.Redactor), taken once so that the
	// hot path calls the engine directly.
	rules      *redaction.Rules
	redacts    bool // rules.Redacts(), read once
	valueRules bool // rules.HasValueRules()
	// prescanned is rules.Prescanned(): a string the copy's pre-scan
	// rules out (jsonenc.AppendPlain) needs no MatchValue.
	prescanned bool
	// direct is set when plain values can be written without the general
	// encoder (MaxDepth above 1); value rules are checked inline.
	direct      bool
	usernames   bool
	hmacNames   bool // pseudonymise user.name instead of dropping it
	limits      Limits
	format      Format
	replaceAttr func(groups []string, a slog.Attr) slog.Attr
	onError     func(error)
	now         func() time.Time // Options.Now; nil means clock
	clock       wallClock

	schemaVersion    string // quoted and escaped
	schemaVersionRaw string
	schemaEntry      []byte // `"schema_version":"1.0"`
	// resource is `"resource":{...},"instrumentation_scope":` and
	// defaultInstScope the default scope object, both encoded once.
	resource         []byte
	defaultInstScope []byte
	// envelope is resource, the default scope and the start of attributes:
	// what follows body in most lines, in one piece.
	envelope []byte
	// otlp is set in the OTLP/JSON format (otlp_envelope.go): an entry's
	// key is written between keyOpen and keyClose (`,"` and `":` in the
	// default format).
	otlp              bool
	keyOpen, keyClose string
	// otlpHead is the OTLP/JSON line up to the scope object, otlpEnvelope
	// the same with the default scope and the start of the log record, and
	// otlpSchemaEntry the schema_version KeyValue; nil in the JSONL format.
	otlpHead, otlpEnvelope, otlpSchemaEntry []byte
	// fallbackService is service.name cut for the fallback record.
	fallbackService string
	instScope       Scope
	// modVersion is this module's version (moduleVersion), given to a
	// record's own scope under the module path when it names no version.
	modVersion string

	mu sync.Mutex
	// torn is set after a failed or short write, so the next line starts
	// with a newline and the torn line stays alone. Guarded by mu.
	torn bool

	root *groupNode // no groups open
	// requestKeyPaths are the redaction paths of requestKeys, for the values an
	// application put in the request scope.
	requestKeyPaths [len(requestKeys)]redaction.Path
	keys            keyCache // decisions about attribute keys, see encode_keys.go
	// labels are event types the value rules cleared, see labels.go.
	labels labelCache

	lastNote atomic.Int64 // unix ns of the last stderr note (OnError nil)
	stderr   io.Writer    // os.Stderr; a field so tests can watch the note
}

var _ slog.Handler = (*Handler)(nil)

// NewHandler returns a Handler that writes JSON lines to w. If opts is nil,
// the default options are used; opts is copied, so later changes to it have
// no effect. NewHandler never fails: out-of-range limits are clamped (see
// Limits).
func NewHandler(w io.Writer, opts *Options) *Handler {
	var o Options
	if opts != nil {
		o = *opts
	}
	c := &config{
		w:           w,
		level:       o.Level,
		addSource:   o.AddSource,
		usernames:   o.IncludeUsernames,
		limits:      o.Limits.withDefaults(),
		format:      o.Format,
		replaceAttr: o.ReplaceAttr,
		onError:     o.OnError,
		now:         o.Now,
		instScope:   o.Scope,
		stderr:      os.Stderr,
	}
	// A cyclic value is cut by MaxDepth; keep that bound within what the
	// stack can take whatever the configuration says.
	c.limits.MaxDepth = min(c.limits.MaxDepth, maxDepthCap)
	if c.level == nil {
		c.level = slog.LevelInfo
	}
	red := o.Redactor
	if red == nil {
		red = redact.Default()
	}
	c.rules = redaction.Of(red)
	c.redacts = c.rules.Redacts()
	c.valueRules = c.rules.HasValueRules()
	c.prescanned = c.rules.Prescanned()
	for i, k := range requestKeys {
		c.requestKeyPaths[i] = c.rules.Enter(redaction.Path{}, k.name)
	}
	c.direct = c.limits.MaxDepth > 1
	c.hmacNames = c.rules.HasHMAC()
	if rw, ok := w.(RecordWriter); ok {
		c.rw = rw
	}
	if lr, ok := w.(LineReserver); ok {
		c.reserve = max(lr.ReservedBytes(), 0)
	}
	sv := o.SchemaVersion
	if sv == "" {
		sv = defaultSchemaVersion
	}
	c.schemaVersion = string(jsonenc.AppendString(nil, sv))
	c.schemaVersionRaw = sv
	c.modVersion = moduleVersion()
	if c.instScope == (Scope{}) {
		c.instScope = Scope{Name: DefaultScopeName, Version: c.modVersion}
	}
	c.defaultInstScope = appendInstScope(nil, c.instScope.Name, c.instScope.Version)
	c.root = &groupNode{}
	c.setFormat(c.format)
	c.encodeResource(o)
	c.envelope = append(slices.Clip(c.resource), c.defaultInstScope...)
	c.envelope = append(c.envelope, `,"`+KeyAttributes+`":{`...)
	c.schemaEntry = append([]byte(`"`+KeySchemaVersion+`":`), c.schemaVersion...)
	return &Handler{c: c, node: c.root}
}

// Enabled reports whether records at level l are written (Options.Level).
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.c.level.Level()
}

// WithAttrs returns a Handler whose records also carry attrs, encoded once
// now. Record attributes override them, and they override the request
// scope's attributes (see the package documentation). WithAttrs(nil) returns
// h.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	st := newState(h.c)
	defer st.free()
	st.buf = append(st.buf, h.with...)
	st.ents = append(st.ents, h.withEnts...)
	st.bloom = h.withBloom
	st.lift = h.withLift
	st.appCount = h.withApp
	st.attrsCut = h.withCut
	st.longest = h.withLongest
	for _, a := range attrs {
		st.appendAttr(a, h.node)
	}
	h2.with = slices.Clone(st.buf)
	h2.withEnts = slices.Clone(st.ents)
	h2.withBloom = st.bloom
	h2.withLift = st.lift
	h2.withApp = st.appCount
	h2.withCut = st.attrsCut
	h2.withLongest = st.longest
	h2.withSrc = append(slices.Clip(h.withSrc), withCall{
		attrs: slices.Clone(attrs),
		node:  h.node,
	})
	return &h2
}

// WithGroup returns a Handler that qualifies the keys of later attributes
// with name: groups become dotted key prefixes (http + method → http.method).
// WithGroup("") returns h.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.node = h.node.child(h.c, name, false)
	return &h2
}

// Handle writes r as one JSON line with exactly one Write (or WriteRecord)
// call, made while holding the mutex shared by h and every handler derived
// from it. The line is specified in the package documentation ("The line"
// and the sections after it).
//
// Handle returns only the writer's error (which it also passes to
// Options.OnError). Values that fail to encode are written as placeholder
// strings, and a record that cannot be made to fit Limits.MaxRecordBytes is
// replaced by a fallback record, so the line is always complete, valid JSON.
// A cancelled ctx does not stop the record from being written.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		ctx = context.Background()
	}
	st := newState(h.c)
	// No defer: encodeRecord and write recover from the panics of the code
	// they call, so st is always freed.
	st.encodeRecord(h, ctx, &r)
	// The fallback record carries event_type too, so it counts as audit.
	level := r.Level
	if st.fallback {
		level = slog.LevelError
	}
	err := h.c.write(level, st.lift.hasEventType || st.fallback, st.line)
	st.free()
	return err
}

// write makes the single Write call for line (which starts with a spare
// byte, used for the newline that separates a torn line).
func (c *config) write(level slog.Level, audit bool, line []byte) (err error) {
	c.mu.Lock()
	if c.torn {
		line[0] = '\n'
	} else {
		line = line[1:]
	}
	err = c.writeLocked(level, audit, line)
	c.torn = err != nil
	c.mu.Unlock()
	if err != nil {
		c.reportError(err)
	}
	return err
}

func (c *config) writeLocked(level slog.Level, audit bool, line []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("slogaudit: writer panicked: %v", p)
		}
	}()
	if c.rw != nil {
		return c.rw.WriteRecord(level, audit, line)
	}
	n, err := c.w.Write(line)
	if err == nil && n != len(line) {
		err = io.ErrShortWrite
	}
	return err
}

// errNoteInterval rate-limits the stderr note used when OnError is nil.
const errNoteInterval = time.Minute

// reportError passes err to OnError, or notes it on stderr at most once per
// minute so a broken writer cannot flood the process's error output.
func (c *config) reportError(err error) {
	if c.onError != nil {
		func() {
			defer func() { _ = recover() }() // OnError must not break logging
			c.onError(err)
		}()
		return
	}
	now := time.Now().UnixNano()
	last := c.lastNote.Load()
	if last != 0 && now-last < int64(errNoteInterval) {
		return
	}
	if c.lastNote.CompareAndSwap(last, now) {
		fmt.Fprintf(c.stderr, "%v (further errors within a minute are not shown)\n", err)
	}
}

// errPanic wraps a recovered panic from application code (LogValue,
// MarshalJSON, String, Error, ReplaceAttr).
func errPanic(where string, p any) error {
	return fmt.Errorf("slogaudit: %s panicked: %v", where, p)
}

var errInvalidJSON = errors.New("slogaudit: MarshalJSON returned invalid JSON")

// IsAudit reports whether r is an audit event: whether its own attributes
// carry event_type at top level (groups with an empty key are inlined, as
// slog does). An event_type inside a named slog.Group value is data and does
// not count, nor does one bound with Logger.With, which a record predicate
// cannot see. It has the signature of a slogmulti.Router predicate, so
// audit events can be routed to their own handler.
func IsAudit(_ context.Context, r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = hasEventType(a, 0)
		return !found
	})
	return found
}

// hasEventType reports whether a is event_type, or an empty-keyed group
// (inlined by slog) that holds one.
func hasEventType(a slog.Attr, depth int) bool {
	if a.Key == KeyEventType {
		return true
	}
	if a.Key != "" || depth > maxGroupDepth {
		return false
	}
	v := a.Value
	if v.Kind() == slog.KindLogValuer {
		v, _ = resolve(v)
	}
	if v.Kind() != slog.KindGroup {
		return false
	}
	for _, m := range v.Group() {
		if hasEventType(m, depth+1) {
			return true
		}
	}
	return false
}
