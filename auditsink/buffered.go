package auditsink

import "github.com/secaudit/auditkit/slogaudit"

var (
	_ slogaudit.Buffered = (*Async)(nil)
	_ slogaudit.Buffered = (*Guard)(nil)
	_ slogaudit.Buffered = (*Multi)(nil)
)

// Buffered reports true: WriteRecord returns once the line is queued, before
// it is written, so its nil error does not mean the line is stored. A
// fail-closed caller (httpaudit.Options.FailClosed) refuses such a writer.
func (a *Async) Buffered() bool { return true }

// Buffered reports whether the writer behind the Guard is buffered (an
// Async): the Guard then only sees whether the line was queued.
func (g *Guard) Buffered() bool { return buffered(g.w) }

// Buffered reports whether any sink is buffered: a line that only a buffered
// sink accepted makes WriteRecord succeed before anything is stored.
func (m *Multi) Buffered() bool {
	for _, s := range m.sinks {
		if buffered(s) {
			return true
		}
	}
	return false
}

// buffered reports whether w says it accepts lines before writing them.
func buffered(w any) bool {
	b, ok := w.(slogaudit.Buffered)
	return ok && b.Buffered()
}
