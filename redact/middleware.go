package redact

import (
	"context"
	"github.com/secaudit/auditkit/internal/redaction"
	"log/slog"
	"slices"
)

// ReplaceAttr redacts a as a slog.HandlerOptions.ReplaceAttr function, for
// handlers that offer one (slog.NewJSONHandler, slog.NewTextHandler):
//
//	h := slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: r.ReplaceAttr})
//
// groups are the open group names, which are walked like key prefixes. A
// group value, a LogValuer and a map, slice or struct inside a slog.Any are
// walked too, as Redactor.Value walks them; an error becomes its text (the
// standard handlers would otherwise call its MarshalJSON or MarshalText), a
// Pseudonym passes unchanged, and a map key that matches a value rule is
// masked (attribute keys are not checked; see the package documentation).
// The built-in message attribute (slog.MessageKey) meets value rules like any
// other string. To combine it with another ReplaceAttr, call it first and
// pass its result on.
func (r *Redactor) ReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	if !r.rules.Redacts() {
		return a
	}
	var p redaction.Path
	for _, g := range groups {
		p = r.rules.Enter(p, g)
	}
	return r.attr(p, a)
}

// attr returns a redacted under the parent path p.
func (r *Redactor) attr(p redaction.Path, a slog.Attr) slog.Attr {
	if v, changed := r.value(r.rules.Enter(p, a.Key), a.Value, 0); changed {
		a.Value = v
	}
	return a
}

// value redacts v at path p and reports whether the result differs from v,
// so that a group is copied only when something in it changed.
func (r *Redactor) value(p redaction.Path, v slog.Value, depth int) (slog.Value, bool) {
	if p.Sensitive() {
		if v.Kind() == slog.KindAny {
			if _, ok := v.Any().(Pseudonym); ok {
				return v, false
			}
		}
		if v.Kind() == slog.KindLogValuer {
			if _, ok := v.Any().(Secret); ok {
				return slog.StringValue(Marker), true
			}
			v = resolve(v)
		}
		if v.Kind() == slog.KindString {
			return slog.StringValue(r.Mask(v.String())), true
		}
		return slog.StringValue(Marker), true
	}
	resolved := false
	if v.Kind() == slog.KindLogValuer {
		v, resolved = resolve(v), true
	}
	switch v.Kind() {
	case slog.KindString:
		if r.rules.MatchValue(v.String()) {
			return slog.StringValue(r.Mask(v.String())), true
		}
	case slog.KindGroup:
		if depth >= maxWalkDepth {
			return slog.StringValue(Marker), true
		}
		attrs := v.Group()
		var out []slog.Attr
		for i, a := range attrs {
			nv, changed := r.value(r.rules.Enter(p, a.Key), a.Value, depth+1)
			if changed && out == nil {
				out = slices.Clone(attrs)
			}
			if changed {
				out[i].Value = nv
			}
		}
		if out != nil {
			return slog.GroupValue(out...), true
		}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case nil, Pseudonym:
			// Nothing to redact; a Pseudonym is safe as it is.
		case slog.Level, *slog.Source:
			// Built-in attributes that a later ReplaceAttr or the
			// handler itself may expect to keep their type.
		default:
			// Only the application's own types get here (slog turns
			// plain numbers into their own kinds). The next handler would
			// call their MarshalJSON, MarshalText or String, or marshal an
			// error's fields, past the rules: turn them into plain data.
			w := walker{r: r, budget: maxWalkNodes}
			return slog.AnyValue(w.any(p, x, depth)), true
		}
	}
	return v, resolved
}

// Middleware returns a slog middleware that redacts records before the next
// handler sees them. It has the type of slogmulti.Middleware, so it works in
// slogmulti.Pipe, and in front of any handler:
//
//	logger := slog.New(r.Middleware()(slog.NewJSONHandler(os.Stdout, nil)))
//
// Unlike ReplaceAttr it works for handlers without that option, because it
// sees what a handler sees: group names (WithGroup) are walked like key
// prefixes, WithAttrs attributes are redacted once when they are added, and
// each record's attributes, including nested groups, LogValuers, maps,
// slices and structs, are redacted into a new record as ReplaceAttr redacts
// them; the caller's record is never modified. The message meets the value
// rules only. Enabled is passed through. With None the middleware returns
// the next handler itself.
func (r *Redactor) Middleware() func(slog.Handler) slog.Handler {
	return func(next slog.Handler) slog.Handler {
		if !r.rules.Redacts() {
			return next
		}
		return &handler{r: r, next: next}
	}
}

// handler is the slog.Handler that Middleware returns.
type handler struct {
	r    *Redactor
	next slog.Handler
	path redaction.Path // the open groups
}

var _ slog.Handler = (*handler)(nil)

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = h.r.attr(h.path, a)
	}
	return &handler{r: h.r, next: h.next.WithAttrs(out), path: h.path}
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &handler{r: h.r, next: h.next.WithGroup(name), path: h.r.rules.Enter(h.path, name)}
}

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	msg := rec.Message
	if h.r.rules.MatchValue(msg) {
		msg = h.r.Mask(msg)
	}
	out := slog.NewRecord(rec.Time, rec.Level, msg, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.r.attr(h.path, a))
		return true
	})
	return h.next.Handle(ctx, out)
}
