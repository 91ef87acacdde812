// Package eventlog is the plumbing shared by the helper packages (authaudit,
// modelaudit): which logger to use, and how an event's own attributes and the
// caller's extra ones become one record.
package eventlog

import (
	"context"
	"log/slog"
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
// then each of the caller's extra attributes whose key the event does not
// set itself, so an extra attribute can neither relabel the event nor
// contradict its parameters. own should have spare capacity for extra, so
// the record gets all attributes in one AddAttrs (one allocation past slog's
// inline five). pc is the application's call site, for AddSource.
func Log(ctx context.Context, l *slog.Logger, level slog.Level, body string, pc uintptr, own, extra []slog.Attr) {
	n := len(own)
	for _, a := range extra {
		if !hasKey(own[:n], a.Key) && a.Key != slogaudit.KeyScopeVersion {
			own = append(own, a)
		}
	}
	r := slog.NewRecord(time.Now(), level, body, pc)
	r.AddAttrs(own...)
	// A *slog.Logger discards Handle errors too; the handler reports its
	// own failures (slogaudit Options.OnError).
	_ = l.Handler().Handle(ctx, r)
}

func hasKey(attrs []slog.Attr, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}
