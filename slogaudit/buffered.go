package slogaudit

// Buffered is implemented by writers that accept a line before it is
// written, such as auditsink.Async: for them a nil error from Write or
// WriteRecord, and so from Handler.Handle, means the line was queued, not
// that it is stored. Fail-closed callers (httpaudit.Options.FailClosed)
// check it, because refusing work they cannot audit only makes sense when
// Handle's error tells the truth. Wrapping writers report what they wrap.
type Buffered interface {
	Buffered() bool
}

// Buffered reports whether the handler's writer is a Buffered writer that
// says it is buffered, that is whether a nil error from Handle may stand for
// a line that is only queued. It implements Buffered, so the question can be
// asked of any slog.Handler that might be a Handler.
func (h *Handler) Buffered() bool {
	b, ok := h.c.w.(Buffered)
	return ok && b.Buffered()
}
