// Package recordtest is a slog.Handler for tests that keeps the records it
// handles, so a test sees exactly what a helper logged, whatever handler will
// encode it later. It is shared by the helper packages' tests.
package recordtest

import (
	"context"
	"log/slog"
	"sync"
)

// Recorder keeps clones of the records it handles. Records below Level are
// not enabled. It is safe for concurrent use.
type Recorder struct {
	Level slog.Level

	mu      sync.Mutex
	records []slog.Record
	calls   int
}

// Enabled reports whether l is at least r.Level.
func (h *Recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= h.Level }

// Handle keeps a clone of r.
func (h *Recorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	h.records = append(h.records, r.Clone())
	return nil
}

// WithAttrs returns h: the helpers under test attach everything per record.
func (h *Recorder) WithAttrs([]slog.Attr) slog.Handler { return h }

// WithGroup returns h.
func (h *Recorder) WithGroup(string) slog.Handler { return h }

// Records returns the records handled so far.
func (h *Recorder) Records() []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]slog.Record(nil), h.records...)
}

// Calls is how many times Handle ran.
func (h *Recorder) Calls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

// Only returns the single record handled, failing if there is not exactly one.
func (h *Recorder) Only(t interface {
	Helper()
	Fatalf(string, ...any)
}) slog.Record {
	t.Helper()
	rs := h.Records()
	if len(rs) != 1 {
		t.Fatalf("handled %d records, want 1", len(rs))
	}
	return rs[0]
}

// AttrMap flattens a record's attributes to key → Value.Any(), reporting
// keys that occur more than once.
func AttrMap(r slog.Record) (m map[string]any, dups []string) {
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
