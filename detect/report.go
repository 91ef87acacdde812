package detect

import (
	"context"
	"log/slog"
	"time"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// report is a derived event, copied out of a shard under its lock and
// written after the lock is released (the downstream handler may block).
type report struct {
	rule          *rule
	ep            *episode
	phase, reason string
	id, key       string
	keyAttr, raw  string // start only: the key's attribute and raw value
	root          slog.Handler
	count         uint64
	dist          int
	first, last   int64
	samples       [maxSampleSize]string
	ns            int
}

// startReport fills rep with the start of entry i's episode: count records
// and dist distinct values in the window.
func (s *shard) startReport(rep *report, ru *rule, i int, e *entry, count, dist int) {
	*rep = report{
		rule: ru, ep: e.ep, phase: PhaseStart, id: e.ep.id, key: e.ep.key, root: e.ep.root,
		count: uint64(count), dist: dist, first: e.first, last: e.last,
	}
	rep.ns = s.sampleList(i, e, &rep.samples)
}

// endReport fills rep with the summary of entry i's episode.
func (s *shard) endReport(rep *report, ru *rule, i int, e *entry, reason string) {
	s.endReportOf(rep, ru, e, reason)
	rep.ns = s.sampleList(i, e, &rep.samples)
}

// endReportOf fills rep with the summary of e's episode, without samples.
func (s *shard) endReportOf(rep *report, ru *rule, e *entry, reason string) {
	*rep = report{
		rule: ru, ep: e.ep, phase: PhaseEnd, reason: reason, id: e.ep.id, key: e.ep.key, root: e.ep.root,
		count: e.seen, dist: e.ep.maxDist, first: e.first, last: e.last,
	}
}

// holdEnd keeps the summary rep, of an episode whose start event has not
// been written yet, for the goroutine writing that start (see
// episode.pending); it reports whether it did. Call it under s.mu.
func (s *shard) holdEnd(rep *report) bool {
	if rep.ep.written {
		return false
	}
	p := *rep
	rep.ep.pending = &p
	return true
}

// emitStart writes the start event rep of an episode of shard s, then the
// episode's summary if it ended meanwhile.
func (d *Detector) emitStart(s *shard, rep *report, now int64) {
	_ = d.emit(rep, now)
	s.mu.Lock()
	rep.ep.written = true
	p := rep.ep.pending
	rep.ep.pending = nil
	s.mu.Unlock()
	if p != nil {
		_ = d.emit(p, now)
	}
}

// emit writes rep through its downstream handler with a context of its own:
// a detection belongs to no single request (the sampled request ids name
// them). The start event has the rule's level, the summary WARN.
func (d *Detector) emit(rep *report, now int64) error {
	ru := rep.rule
	level := ru.level
	if rep.phase == PhaseEnd {
		level = slog.LevelWarn
	}
	ctx := context.Background()
	if !rep.root.Enabled(ctx, level) {
		return nil
	}
	var buf [24]slog.Attr
	a := append(buf[:0],
		slog.String(slogaudit.KeyEventType, ru.eventType),
		slog.String(authaudit.KeyOWASPEvent, ru.owasp),
		slog.String(slogaudit.KeyScopeName, ScopeName),
		slog.String(KeyRule, ru.name),
		slog.String(KeyPhase, rep.phase),
		slog.String(KeyEpisodeID, rep.id),
		slog.String(KeyKey, rep.key),
		slog.Int64(KeyCount, int64(min(rep.count, 1<<62))),
	)
	if rep.phase == PhaseStart {
		a = append(a, slog.String(KeyKeyAttribute, rep.keyAttr))
	}
	if ru.distinct != "" {
		a = append(a, slog.Int(KeyDistinct, rep.dist), slog.String(KeyDistinctAttribute, ru.distinct))
	}
	a = append(a,
		slog.Int(authaudit.KeyLimit, ru.th.Count),
		slog.Duration(KeyWindow, ru.th.Window),
		slog.Duration(KeyCooldown, ru.th.Cooldown),
		slog.Time(KeyFirstSeen, time.Unix(0, rep.first).UTC()),
		slog.Time(KeyLastSeen, time.Unix(0, rep.last).UTC()),
	)
	if rep.ns > 0 {
		a = append(a, slog.Any(KeyRequestIDs, append([]string(nil), rep.samples[:rep.ns]...)))
	}
	if rep.phase == PhaseEnd {
		a = append(a, slog.String(KeyEndReason, rep.reason))
	} else if rep.raw != "" {
		// The key under its own name, so the handler's rules for it apply
		// (user.name is dropped or pseudonymized, an address kept).
		a = append(a, slog.String(rep.keyAttr, rep.raw))
	}
	rec := slog.NewRecord(time.Unix(0, now), level, ru.eventType, 0)
	rec.AddAttrs(a...)
	return d.handle(rep.root, ctx, rec)
}

// emitEvicted writes EventEvicted for rule ru.
func (d *Detector) emitEvicted(h slog.Handler, ru *rule, evicted uint64, now int64) error {
	ctx := context.Background()
	if !h.Enabled(ctx, slog.LevelWarn) {
		return nil
	}
	rec := slog.NewRecord(time.Unix(0, now), slog.LevelWarn, EventEvicted, 0)
	rec.AddAttrs(
		slog.String(slogaudit.KeyEventType, EventEvicted),
		slog.String(slogaudit.KeyScopeName, ScopeName),
		slog.String(KeyRule, ru.name),
		slog.Int64(KeyEvictions, int64(min(evicted, 1<<62))),
		slog.Int(KeyCapacity, ru.tab.perShard*len(ru.tab.shards)),
	)
	return d.handle(h, ctx, rec)
}

// handle writes rec and counts a failure; a panicking handler is counted
// as one too, never propagated into the application's log call.
func (d *Detector) handle(h slog.Handler, ctx context.Context, rec slog.Record) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errHandlerPanic
		}
		if err != nil {
			d.emitErrors.Add(1)
			if d.onError != nil {
				d.onError(err)
			}
		}
	}()
	return h.Handle(ctx, rec)
}
