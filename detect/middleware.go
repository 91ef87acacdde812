package detect

import (
	"context"
	"hash/maphash"
	"log/slog"
	"slices"

	"github.com/secaudit/auditkit/slogaudit"
)

// handler is the middleware: it passes every record on unchanged and then
// shows it to the Detector.
type handler struct {
	d    *Detector
	next slog.Handler
	// root is the handler Middleware was applied to, shared by all clones:
	// derived events go there, free of any clone's With attributes and
	// groups.
	root *slog.Handler
	// with are the attributes bound with WithAttrs before any group was
	// opened: a rule reads them when the record lacks a key.
	with    []slog.Attr
	grouped bool
}

var _ slog.Handler = (*handler)(nil)

// Enabled reports whether the next handler handles level.
func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle passes r to the next handler, then lets the Detector count it;
// derived events, if any, follow r. It returns the next handler's error.
// Counting never fails and never changes r.
func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	err := h.next.Handle(ctx, r)
	if !h.d.closed.Load() {
		h.d.observe(ctx, &r, h.with, h.root)
	}
	return err
}

// WithAttrs returns a handler whose next handler has attrs.
func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	c := *h
	c.next = h.next.WithAttrs(attrs)
	if !h.grouped {
		c.with = append(slices.Clip(h.with), attrs...)
	}
	return &c
}

// WithGroup returns a handler whose next handler has the group open. The
// rules still read the record's own attributes by their key (as the audit
// handler still reads event_type under a WithGroup group).
func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.next = h.next.WithGroup(name)
	c.grouped = true
	return &c
}

// observe counts r for every rule that matches it. A record whose
// event_type no rule counts costs one pass over its attributes (fields.scan).
func (d *Detector) observe(ctx context.Context, r *slog.Record, with []slog.Attr, root *slog.Handler) {
	f := fields{d: d, need: scanAll, kept: scanAll, lens: builtinLens}
	f.scan(r)
	rules := f.rules
	if !f.hasET {
		et, ok := withEventType(with)
		if !ok {
			return
		}
		rules = d.rulesFor(et).rules
	}
	if len(rules) == 0 {
		return
	}
	if f.need&^f.kept != 0 {
		f.redo(r)
	}
	if len(with) > 0 {
		f.fill(with)
	}
	m := memo{now: d.nowNS(), root: root}
	v := view{r: r, with: with, f: &f, m: &m}
	haveReqID := false
	for _, ru := range rules {
		if ru.statuses != nil && !slices.Contains(ru.statuses, v.status()) {
			continue
		}
		// The distinct value first: it is a record attribute, the key may
		// need a look into the request scope.
		var dv string
		if ru.distinct != "" {
			if ru.distinctField >= 0 {
				dv = v.field(ru.distinctField)
			} else {
				dv = v.str(ru.distinct)
			}
			if dv == "" {
				continue
			}
		}
		val, attr, class := v.key(ctx, ru)
		if val == "" {
			continue
		}
		var fp uint32
		if ru.distinctClass == className {
			fp = uint32(maphash.Comparable(d.fpSeed, d.nameKey(&m, dv)) >> 32)
		} else if ru.distinct != "" {
			fp = d.fingerprint(dv)
		}
		if !haveReqID {
			m.reqID, haveReqID = clip(v.scopeRead(ctx, slogaudit.KeyRequestID, fRequestID), maxSampleLen), true
		}
		if p := ru.root.p.Load(); p != root {
			ru.root.p.Store(root)
		}
		var key uint64
		switch class {
		case className:
			key = d.nameKey(&m, val)
		case classAddress:
			key = d.addrKey(&m, val)
		default:
			key = d.keyHash(val, class)
		}
		d.count(ru, key, val, attr, class, fp, &m)
	}
}

// count adds one record for key value val of rule ru and writes what that
// causes: the start of an episode, the summary of an episode whose
// cool-down had passed, the summary of an evicted one.
// The record's time, request id and handler come in m: passed one by one,
// with the rest, the call cost 22 instructions a count, 15 now (callgrind).
func (d *Detector) count(ru *rule, key uint64, val, attr string, class keyClass, fp uint32, m *memo) {
	now, reqID, root := m.now, m.reqID, m.root
	t := ru.tab
	s := t.shardOf(key)
	slot := t.slot(now)
	// Allocated only when the record causes an event: zeroing three
	// reports on every record costs more than the rest of the count.
	var reps *[3]report
	n := 0

	s.mu.Lock()
	if d.closed.Load() {
		// Close has begun: it may already have ended this shard's episodes,
		// so open none that it would never end.
		s.mu.Unlock()
		return
	}
	i, evicted := s.lookup(key, slot, t.perShard)
	if evicted != nil {
		// Its samples were cleared with the slot: the summary goes without.
		reps = new([3]report)
		s.endReportOf(&reps[n], ru, evicted, EndEvicted)
		if !s.holdEnd(&reps[n]) {
			n++
		}
		s.ended++
	}
	e := &s.entries[i]
	// A clock that went back (an injected one) would leave last in the
	// future and the episode open for good: clamp.
	e.last, e.first = min(e.last, now), min(e.first, now)
	if e.ep != nil && now-e.last >= int64(ru.th.Cooldown) {
		if reps == nil {
			reps = new([3]report)
		}
		s.endReport(&reps[n], ru, i, e, EndQuiet)
		if !s.holdEnd(&reps[n]) {
			n++
		}
		e.ep = nil
		s.open--
		s.ended++
	}
	c := e.cnt.add(slot)
	if e.ep == nil && c == 1 {
		// A new run of activity (the window was empty): one advance of the
		// counter instead of two, about 16 instructions (callgrind).
		e.first, e.seen = now, 0
	}
	e.seen++
	e.last = now
	s.matched++
	s.addSample(i, e, reqID)
	value, dist := int(c), 0
	if s.sets != nil {
		dist = s.sets[i].add(fp, slot)
		value = dist
	}
	if e.ep != nil {
		e.ep.maxDist = max(e.ep.maxDist, dist)
	} else if value >= ru.th.Count {
		e.ep = &episode{id: newEpisodeID(), key: d.display(val, class, key), root: *root, maxDist: dist}
		s.open++
		s.started++
		if reps == nil {
			reps = new([3]report)
		}
		rep := &reps[n]
		n++
		s.startReport(rep, ru, i, e, int(c), dist)
		rep.keyAttr = attr
		if class == classAddress {
			// The address under its own attribute too (client.address):
			// the one value of a key that is never personal data the log
			// would not write anyway. A username, or any attribute of a
			// generic rule, is only ever shown as detect.key's pseudonym.
			rep.raw = clip(val, maxDisplayLen)
		}
	}
	if n > 0 {
		d.inflight.Add(1)
	}
	s.mu.Unlock()
	if n == 0 {
		return
	}
	defer d.inflight.Done()
	for j := range n {
		if reps[j].phase == PhaseStart {
			d.emitStart(s, &reps[j], now)
		} else {
			_ = d.emit(&reps[j], now)
		}
	}
}
