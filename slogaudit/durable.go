package slogaudit

// Durable is implemented by writers that declare synchronous delivery: a nil
// error from Write or WriteRecord means the line was handed to the operating
// system (written to its file) before the call returned, and a line that
// could not be is an error. Fail-closed callers (httpaudit.Options.FailClosed)
// require it, because refusing work they cannot audit only makes sense when
// Handle's error tells the truth.
//
// The declaration is positive on purpose: a writer that does not say so is
// not trusted. An io.MultiWriter, a slog-multi fan-out or a wrapper of the
// application's own hides what it wraps, so it is refused rather than taken
// for durable. In auditsink, File and Chain declare it, and so do a Guard
// with FailClosed over a durable writer and a Multi whose sinks all are;
// Async (which queues) and a Guard that swallows errors do not.
type Durable interface {
	Durable() bool
}

// Durable reports whether the handler's writer declares durable writes (see
// the Durable interface), that is whether a nil error from Handle means the
// record was written. It implements Durable, so the question can be asked of
// any slog.Handler that might be a Handler; clones answer like the original.
func (h *Handler) Durable() bool {
	d, ok := h.c.w.(Durable)
	return ok && d.Durable()
}
