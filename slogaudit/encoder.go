package slogaudit

import (
	"context"
	"io"
	"log/slog"
)

// Encoder is a Handler's line format as a value: the format, resource,
// instrumentation scope, schema version, redaction and limits of one
// Options. Writers that emit events of their own (auditsink's drop reports,
// disk errors and chain segment headers) take an Encoder in their options,
// so those events are written exactly as the handler writes records, in the
// same format and with the same resource, and the configuration is made
// once:
//
//	enc := slogaudit.NewEncoder(&slogaudit.Options{ServiceName: "billing"})
//	async := auditsink.NewAsync(file, &auditsink.AsyncOptions{Encoder: enc})
//	logger := slog.New(enc.NewHandler(async))
//
// An Encoder is immutable and safe for concurrent use.
type Encoder struct {
	opts Options
	h    *Handler // writes nowhere: AppendRecord's configuration
}

// NewEncoder returns the Encoder of opts (nil means the defaults, as for
// NewHandler). opts is copied.
func NewEncoder(opts *Options) *Encoder {
	var o Options
	if opts != nil {
		o = *opts
	}
	return &Encoder{opts: o, h: NewHandler(io.Discard, &o)}
}

// NewHandler returns a Handler that writes to w with e's configuration.
func (e *Encoder) NewHandler(w io.Writer) *Handler { return NewHandler(w, &e.opts) }

// AppendRecord appends the line the handler would write for r (with no
// request scope or span context) to dst, newline included, and returns the
// extended buffer. A writer makes its own event when it observes what the
// event reports, so observed_timestamp is r.Time (or Options.Now's time when
// set). It never fails: a record that cannot be encoded gives the fallback
// record, as in Handle.
func (e *Encoder) AppendRecord(dst []byte, r slog.Record) []byte {
	st := newState(e.h.c)
	if e.h.c.now == nil && !r.Time.IsZero() {
		st.observed = r.Time.UnixNano()
	}
	st.encodeRecord(e.h, context.Background(), &r)
	dst = append(dst, st.line[1:]...) // line[0] is Handle's spare byte
	st.free()
	return dst
}

// Options returns a copy of the options e was made from. Writers take
// OnError and Now from it, so that they are configured once.
func (e *Encoder) Options() Options { return e.opts }

// Format is the line format of e.
func (e *Encoder) Format() Format { return e.h.c.format }
