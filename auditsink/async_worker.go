package auditsink

import (
	"errors"
	"log/slog"
	"time"

	"github.com/secaudit/auditkit/internal/buffer"
	"github.com/secaudit/auditkit/internal/writer"
)

// The Async writer's goroutine: it takes batches from the queue, writes
// them, settles the counters and reports drops.

const (
	batchSize  = 64
	maxFree    = 16 * batchSize // buffers kept for reuse, at most maxFreeCap each
	maxFreeCap = 4 << 10
	// lingerTime is how long the worker waits for a batch to fill after a
	// partial one. It delays delivery by at most that much, never a writer.
	lingerTime = 200 * time.Microsecond
)

// run is the worker: it writes queued lines in order and reports drops.
func (a *Async) run() {
	defer close(a.exited)
	batch := make([]entry, 0, a.batchLines)
	var reported uint64 // drops already reported
	var lastReport time.Time
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()

	// One critical section per round under load: settle the previous batch
	// and take the next one. Every lock the worker takes is one the
	// application's writers may wait for.
	var done batchResult
	for {
		a.mu.Lock()
		a.settleLocked(batch, done)
		batch, done = batch[:0], batchResult{}
		for size := 0; a.q.n > 0 && len(batch) < a.batchLines; {
			size += a.q.at(0).buf.Len()
			if len(batch) > 0 && size > a.batchBytes {
				break
			}
			batch = append(batch, a.q.pop())
		}
		a.inflight += len(batch)
		dropped, closing := a.stats.Dropped, a.closed
		idle := len(batch) == 0
		a.idle = idle
		a.mu.Unlock()

		if a.batches != nil && len(batch) > 0 {
			done = a.batches.writeBatch(a.stop, batch)
		}
		for i := 0; a.batches == nil && i < len(batch); i++ {
			e := &batch[i]
			if a.abandon.Load() { // Close has returned: the caller may have closed w
				done.late++
				continue
			}
			if err := a.deliver(e.level, e.audit, *e.buf); err != nil {
				done.failed++
				a.errs.Report(err)
			} else {
				done.written++
			}
		}

		// Report drops, at most once per interval, also under sustained load;
		// at the end without waiting, so Close leaves a record of them.
		var wait time.Duration
		abandon := a.abandon.Load()
		if dropped > reported && a.opts.DropReportInterval > 0 && !abandon {
			now := a.now()
			wait = a.opts.DropReportInterval - now.Sub(lastReport)
			if closing || lastReport.IsZero() || wait <= 0 {
				wait = 0
				lastReport = now
				if a.report(now, dropped-reported, dropped) {
					reported = dropped
				}
			}
		}

		// A partial batch means the writers are slower than the sink. Going
		// on at once, the worker would take their lines one or two at a time
		// and contend with them for mu at every line; going idle, it would
		// make them wake it for every line. It lingers instead: writers wake
		// it only when a full batch is queued, else the timer does.
		linger := false
		if !idle && len(batch) < a.wakeAt && !closing && !abandon {
			a.mu.Lock()
			a.settleLocked(batch, done) // room and counters are not kept waiting
			batch, done = batch[:0], batchResult{}
			linger = !a.batchReady()
			a.lingering = linger
			a.mu.Unlock()
		}
		if !idle && !linger {
			continue
		}
		if closing || abandon {
			return
		}
		if linger && (wait <= 0 || wait > a.linger) {
			wait = a.linger
		}
		if wait > 0 {
			timer.Reset(wait)
		}
		select {
		case <-a.wake:
		case <-a.done:
		case <-timer.C:
		}
	}
}

// batchResult counts what became of the lines of a batch.
type batchResult struct{ written, failed, late uint64 }

// settleLocked accounts for a written batch and recycles its buffers.
func (a *Async) settleLocked(batch []entry, r batchResult) {
	if len(batch) == 0 {
		return
	}
	for i := range batch {
		b := batch[i].buf
		a.qBytes -= b.Len()
		if len(a.free) < maxFree && cap(*b) <= maxFreeCap {
			b.Reset()
			a.free = append(a.free, b)
		} else {
			b.Free()
		}
		batch[i] = entry{}
	}
	a.inflight -= len(batch)
	a.stats.Written += r.written
	a.stats.Failed += r.failed
	a.stats.Dropped += r.late
	// Once closed, space stays closed for good; without waiters there is
	// nobody to wake (and no channel to allocate).
	if !a.closed && a.waiters > 0 {
		close(a.space)
		a.space = make(chan struct{})
	}
}

// report writes one audit.delivery.dropped event; true when it was written.
func (a *Async) report(now time.Time, count, total uint64) bool {
	b := buffer.New()
	defer b.Free()
	*b = writer.AppendEvent(*b, a.enc, now, slog.LevelWarn, ScopeName, EventDeliveryDropped,
		slog.Uint64(KeyDroppedCount, count), slog.Uint64(KeyDroppedTotal, total))
	if err := a.deliver(slog.LevelWarn, true, *b); err != nil {
		if err != errNotDelivered { // a batch sink reported it
			a.errs.Report(err)
		}
		return false
	}
	return true
}

// deliver hands one line to the sink.
func (a *Async) deliver(level slog.Level, audit bool, line []byte) error {
	if a.batches != nil {
		b := buffer.Buffer(line)
		r := a.batches.writeBatch(a.stop, []entry{{buf: &b, level: level, audit: audit}})
		if r.written == 0 {
			return errNotDelivered
		}
		return nil
	}
	if a.rw != nil { // whole line or nothing: no fragment to keep apart
		_, err := writeLine(a.w, a.rw, level, audit, line)
		return err
	}
	return a.plain.write(a.w, line)
}

// errNotDelivered is deliver's error for a line a batch sink did not
// deliver; the sink reported why.
var errNotDelivered = errors.New("auditsink: line not delivered")
