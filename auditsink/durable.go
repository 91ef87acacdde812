package auditsink

import (
	"github.com/secaudit/auditkit/internal/writer"
	"github.com/secaudit/auditkit/slogaudit"
)

// The writers that declare durable writes (see slogaudit.Durable), which
// httpaudit's FailClosed requires. Async and a Guard that swallows errors
// do not: their nil error may stand for a line that is only queued, or lost.
var (
	_ slogaudit.Durable = (*File)(nil)
	_ slogaudit.Durable = (*Guard)(nil)
	_ slogaudit.Durable = (*Multi)(nil)
)

// Durable reports true: Write returns after the line is written to the file,
// and a failed write is an error.
func (f *File) Durable() bool { return true }

// Durable reports whether the Guard returns its writer's errors (FailClosed)
// and that writer is durable. Any other action reports a lost line as a
// success.
func (g *Guard) Durable() bool { return g.action == FailClosed && writer.Durable(g.w) }

// Durable reports whether every sink is durable: Multi succeeds when one
// sink accepts a line, so one that only queues it would make the write look
// stored. A Multi with no sinks is not durable.
func (m *Multi) Durable() bool {
	for _, s := range m.sinks {
		if !writer.Durable(s) {
			return false
		}
	}
	return len(m.sinks) > 0
}

func init() { writer.Queues = queues }

// queues reports whether w accepts lines before writing them: an Async or an
// OTLP exporter, or a Guard or Multi with one behind it. auditchain.NewChain refuses such a writer, since
// the chain could not tell which lines reached the file.
func queues(w any) bool {
	switch x := w.(type) {
	case *Async, *OTLP:
		return true
	case *Guard:
		return queues(x.w)
	case *Multi:
		for _, s := range x.sinks {
			if queues(s) {
				return true
			}
		}
	}
	return false
}
