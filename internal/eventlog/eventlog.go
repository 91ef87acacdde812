// Package eventlog is the plumbing shared by the helper packages (authaudit,
// modelaudit): which logger to use, and how an event's own attributes and the
// caller's extra ones become one record.
package eventlog

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/secaudit/auditkit/slogaudit"
)

// Start resolves the logger (nil means slog.Default(), looked up now) and the
// context (nil means Background, as slog.Logger does), and reports whether
// level is enabled. Helpers call it before computing anything, so a disabled
// event costs no allocation.
func Start(ctx context.Context, l *slog.Logger, level slog.Level) (context.Context, *slog.Logger, bool) {
	if l == nil {
		l = slog.Default()
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return ctx, l, l.Enabled(ctx, level)
}

// Log hands one record to l's handler: the event's own attributes (own),
// then the caller's extra attributes, less every member that would spell a
// key the event owns (see reserved), at any depth: `slog.Group("", ...)`
// is inlined by slog, and `slog.Group("audit", slog.Group("target", ...))`
// flattens to audit.target.*, so both are looked into. An extra attribute
// can therefore neither relabel the event nor contradict its parameters.
// own should have spare capacity for extra, so the record gets all
// attributes in one AddAttrs (one allocation past slog's inline five). pc
// is the application's call site, for AddSource.
func Log(ctx context.Context, l *slog.Logger, level slog.Level, body string, pc uintptr, own, extra []slog.Attr) {
	n := len(own)
	for _, a := range extra {
		if a, ok, _ := filter(own[:n], "", a, 0); ok {
			own = append(own, a)
		}
	}
	r := slog.NewRecord(time.Now(), level, body, pc)
	r.AddAttrs(own...)
	// A *slog.Logger discards Handle errors too; the handler reports its
	// own failures (slogaudit Options.OnError).
	_ = l.Handler().Handle(ctx, r)
}

// maxDepth bounds the groups filter walks; deeper extras are dropped whole.
const maxDepth = 32

// filter returns a without the members whose dotted key (prefix + key)
// is reserved, whether anything of it is left (keep), and whether it differs
// from a (changed). It copies a group only when it drops something from it.
func filter(own []slog.Attr, prefix string, a slog.Attr, depth int) (_ slog.Attr, keep, changed bool) {
	v := a.Value
	if v.Kind() == slog.KindLogValuer {
		// What it resolves to is what the handler will see.
		v = v.Resolve()
		a.Value, changed = v, true
	}
	if v.Kind() != slog.KindGroup {
		return a, !reserved(own, prefix, a.Key), changed
	}
	if depth >= maxDepth {
		return a, false, true
	}
	inner := prefix
	if a.Key != "" {
		inner = prefix + a.Key + "."
	}
	members := v.Group()
	var kept []slog.Attr
	for i, m := range members {
		fm, ok, ch := filter(own, inner, m, depth+1)
		if kept == nil && ok && !ch {
			continue // unchanged so far
		}
		if kept == nil {
			kept = append(make([]slog.Attr, 0, len(members)), members[:i]...)
		}
		if ok {
			kept = append(kept, fm)
		}
	}
	if kept == nil {
		return a, true, changed
	}
	if len(kept) == 0 {
		return a, false, true
	}
	return slog.Attr{Key: a.Key, Value: slog.GroupValue(kept...)}, true, true
}

// reserved reports whether the dotted key prefix+key belongs to the event:
// one of its own attributes, its labels (event_type, outcome, owasp.event,
// the instrumentation scope), the acting user (user.id) or its target
// (audit.target.*), whether or not this event sets them.
func reserved(own []slog.Attr, prefix, key string) bool {
	full := key
	if prefix != "" {
		full = prefix + key
	}
	switch full {
	case slogaudit.KeyEventType, slogaudit.KeyOutcome, slogaudit.KeyUserID,
		slogaudit.KeyScopeName, slogaudit.KeyScopeVersion, "owasp.event":
		return true
	}
	if strings.HasPrefix(full, "audit.target.") {
		return true
	}
	for _, o := range own {
		if o.Key == full {
			return true
		}
	}
	return false
}
