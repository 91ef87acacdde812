package authaudit_test

import (
	"context"
	"log/slog"
	"sync"
)

// recorder is a slog.Handler that keeps the records it handles, so tests see
// exactly what a helper logged, whatever handler will encode it later.
type recorder struct {
	level slog.Level

	mu      sync.Mutex
	records []slog.Record
	calls   int
}

func (h *recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *recorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	h.records = append(h.records, r.Clone())
	return nil
}

func (h *recorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recorder) WithGroup(string) slog.Handler      { return h }

// only returns the single record handled, failing if there is not exactly one.
func (h *recorder) only(t interface {
	Helper()
	Fatalf(string, ...any)
}) slog.Record {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.records) != 1 {
		t.Fatalf("handled %d records, want 1", len(h.records))
	}
	return h.records[0]
}

// attrMap flattens a record's attributes to key → Value.Any(), reporting
// keys that occur more than once.
func attrMap(r slog.Record) (m map[string]any, dups []string) {
	m = map[string]any{}
	r.Attrs(func(a slog.Attr) bool {
		if _, ok := m[a.Key]; ok {
			dups = append(dups, a.Key)
		}
		m[a.Key] = a.Value.Any()
		return true
	})
	return m, dups
}
