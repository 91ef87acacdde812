package modelaudit

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strconv"

	"github.com/secaudit/auditkit/internal/eventlog"
	"github.com/secaudit/auditkit/slogaudit"
)

// ScopeName is the instrumentation scope of every event this package logs,
// attached as the slogaudit.KeyScopeName attribute.
const ScopeName = "github.com/secaudit/auditkit/modelaudit"

// Event types (the event_type attribute) and the body shared by all of them.
const (
	EventCreate = "model.create" // Created
	EventUpdate = "model.update" // Updated
	EventDelete = "model.delete" // Deleted
	EventAccess = "model.access" // Accessed
	// Body is the record message of every model event, as in the seed.
	Body = "model.event"
)

// Attribute keys of model events, besides event_type, user.id and
// changed_fields (KeyChangedFields).
const (
	// KeyModel is the model (entity, table) name the application passed.
	KeyModel = "model"
	// KeyObjectID is the id of the affected object, as a string.
	KeyObjectID = "object_id"
	// KeyCRUDAction is create, update, delete or access.
	KeyCRUDAction = "crud_action"
)

// Logger writes model events to a bound *slog.Logger. Its methods are the
// package functions, which use slog.Default() instead.
//
// A nil or zero Logger logs through slog.Default(), looked up on every call.
// A Logger is safe for concurrent use.
type Logger struct {
	l         *slog.Logger
	sensitive []string // models whose events are OWASP sensitive_* events
}

// New returns a Logger that writes to l; a nil l means slog.Default(),
// looked up on every call so a later slog.SetDefault takes effect.
func New(l *slog.Logger) *Logger { return &Logger{l: l} }

func (lg *Logger) logger() *slog.Logger {
	if lg == nil {
		return nil
	}
	return lg.l
}

// Sensitive returns a Logger like lg whose events on the given models (and
// on those lg already treats as sensitive) are OWASP DATA events: they gain
// owasp.event sensitive_create, sensitive_read (for Accessed),
// sensitive_update or sensitive_delete, and are logged at WARN, as OWASP
// rates them, instead of INFO. Use it for the models whose every touch must
// stand out: health, payment, identity data.
//
//	ml := modelaudit.New(logger).Sensitive("patient", "card")
//	ml.Accessed(ctx, "patient", p.ID) // model.access, WARN, owasp.event sensitive_read
func (lg *Logger) Sensitive(models ...string) *Logger {
	return &Logger{l: lg.logger(), sensitive: append(slices.Clip(lg.sensitiveModels()), models...)}
}

func (lg *Logger) sensitiveModels() []string {
	if lg == nil {
		return nil
	}
	return lg.sensitive
}

// isSensitive reports whether lg treats model as sensitive.
func (lg *Logger) isSensitive(model string) bool {
	return lg != nil && slices.Contains(lg.sensitive, model)
}

// action is the fixed part of one of the four events.
type action struct {
	typ       string // event_type
	crud      string // crud_action
	sensitive string // owasp.event when the model is sensitive
}

var (
	create = action{EventCreate, "create", "sensitive_create"}
	update = action{EventUpdate, "update", "sensitive_update"}
	del    = action{EventDelete, "delete", "sensitive_delete"}
	access = action{EventAccess, "access", "sensitive_read"}
)

// KeyOWASPEvent is the OWASP identifier of a sensitive model's event (the
// authaudit key of the same name).
const KeyOWASPEvent = "owasp.event"

// emit logs a model event. It must be called directly by an exported
// function: the PC it records is that function's caller, so AddSource
// reports the application's line. Nothing is computed before the Enabled
// check.
func emit(ctx context.Context, l *slog.Logger, sensitive bool, a *action, model string, id any, changed []string, attrs []slog.Attr) {
	level := slog.LevelInfo
	if sensitive {
		level = slog.LevelWarn
	}
	ctx, l, enabled := eventlog.Start(ctx, l, level)
	if !enabled {
		return
	}
	var pcs [1]uintptr
	runtime.Callers(3, pcs[:]) // skip Callers, emit and the exported function

	// Room for the event's own eight attributes and the caller's first ones,
	// so the record gets all of them in one AddAttrs (one allocation).
	var buf [12]slog.Attr
	all := append(buf[:0],
		slog.String(slogaudit.KeyEventType, a.typ),
		slog.String(slogaudit.KeyScopeName, ScopeName))
	if model != "" {
		all = append(all, slog.String(KeyModel, model))
	}
	if s := idString(id); s != "" {
		all = append(all, slog.String(KeyObjectID, s))
	}
	all = append(all, slog.String(KeyCRUDAction, a.crud))
	if sensitive {
		all = append(all, slog.String(KeyOWASPEvent, a.sensitive))
	}
	if u, ok := slogaudit.UserFromContext(ctx); ok && u.ID != "" {
		all = append(all, slog.String(slogaudit.KeyUserID, u.ID))
	}
	if len(changed) > 0 {
		all = append(all, slog.Any(KeyChangedFields, changed))
	}
	eventlog.Log(ctx, l, level, Body, pcs[0], all, attrs)
}

// idString renders an object id. nil is no id (the seed wrote "None").
// Common kinds avoid fmt.
func idString(id any) string {
	switch v := id.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case uint:
		return strconv.FormatUint(uint64(v), 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case uint32:
		return strconv.FormatUint(uint64(v), 10)
	case []byte:
		return string(v)
	}
	// fmt uses String (uuid.UUID and friends) and recovers if it panics on a
	// nil receiver: a bad id must never break the caller.
	return fmt.Sprint(id)
}
