package auditsink

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secaudit/auditkit/internal/buffer"
	"github.com/secaudit/auditkit/internal/writer"
	"github.com/secaudit/auditkit/slogaudit"
)

// Policy says what an Async writer does with a line when its queue is full.
type Policy int

const (
	// PolicyDefault means Block for audit events and DropNewest for other
	// records.
	PolicyDefault Policy = iota
	// Block makes the caller wait for room, up to AsyncOptions.BlockTimeout;
	// then the line is dropped.
	Block
	// DropNewest discards the line being written (Kubernetes' batch mode).
	DropNewest
	// DropOldest discards the oldest queued line of the same class to make
	// room; a non-audit line never evicts an audit event.
	DropOldest
)

// String returns the policy's name.
func (p Policy) String() string {
	switch p {
	case Block:
		return "block"
	case DropNewest:
		return "drop_newest"
	case DropOldest:
		return "drop_oldest"
	}
	return "default"
}

// Defaults of AsyncOptions.
const (
	DefaultMaxQueueLines      = 10000 // Kubernetes' audit buffer size
	DefaultMaxQueueBytes      = 8 << 20
	DefaultBlockTimeout       = time.Second
	DefaultDropReportInterval = 10 * time.Second
)

// ErrDropped is returned for a line the queue policy discarded. Nothing of
// the line was written.
var ErrDropped = errors.New("auditsink: line dropped, queue full")

// AsyncOptions configure an Async writer. A zero AsyncOptions consists
// entirely of default values.
type AsyncOptions struct {
	// MaxQueueLines and MaxQueueBytes bound the queue; a line waits while
	// either bound is reached. Zero or negative mean DefaultMaxQueueLines and
	// DefaultMaxQueueBytes. A line longer than MaxQueueBytes is dropped.
	MaxQueueLines int
	MaxQueueBytes int

	// AuditPolicy applies to audit events (records with event_type, and
	// plain Write calls); PolicyDefault means Block. OtherPolicy applies to
	// other records; PolicyDefault means DropNewest. Whatever the policy, an
	// audit event that finds the queue full first evicts queued non-audit
	// lines.
	AuditPolicy Policy
	OtherPolicy Policy

	// BlockTimeout is how long Block waits for room before dropping the line.
	// Zero means DefaultBlockTimeout; negative means wait as long as it takes
	// (Vault's semantics: a hung sink hangs the application).
	BlockTimeout time.Duration

	// DropReportInterval is the minimum time between two
	// audit.delivery.dropped events; zero means DefaultDropReportInterval,
	// negative turns the event off.
	DropReportInterval time.Duration

	// Encoder writes the self-audit events (audit.delivery.dropped) in the
	// handler's format and resource: pass the Encoder the handler was made
	// from. Its OnError receives errors and panics of the underlying writer
	// and its Now is the clock of the events. nil means the JSON lines
	// defaults.
	Encoder *slogaudit.Encoder
}

// Async is a bounded queue in front of a writer: the caller's WriteRecord
// copies the line into a pooled buffer and returns, and one goroutine writes
// the lines in order. When the queue is full the per-class Policy decides.
// Every line is counted exactly once in Stats. It is safe for concurrent use.
//
// The goroutine writes in batches. When lines arrive more slowly than the
// sink takes them, it waits up to 200µs after a partial batch for more, so
// that writers neither wake it nor contend with it for every line; a line
// may reach the sink that much later, and no caller waits for it.
type Async struct {
	w     io.Writer
	rw    slogaudit.RecordWriter
	plain plainSink // when w is no RecordWriter; only the worker writes
	opts  AsyncOptions
	enc   *slogaudit.Encoder // the self-audit events' encoder
	now   func() time.Time
	errs  writer.ErrorSink

	// batches, when set, takes each batch whole instead of w line by line
	// (the OTLP exporter), with the batch bounds and linger below; stop is
	// cancelled when Close gives up, to end a delivery in progress.
	batches    batchSink
	batchLines int
	batchBytes int
	linger     time.Duration
	stop       context.Context
	cancel     context.CancelFunc

	mu       sync.Mutex
	q        ring
	qBytes   int // bytes queued or in flight
	inflight int // lines taken by the worker and not yet written
	closed   bool
	abandon  atomic.Bool // Close gave up waiting: write nothing more
	idle     bool        // the worker is (about to be) asleep: poke it
	// lingering: the worker took a partial batch and waits up to
	// lingerTime for more lines; poke it once wakeAt lines are queued, or
	// when the queue is full.
	lingering bool
	wakeAt    int
	space     chan struct{} // closed (and replaced) when room is freed
	waiters   int           // writers blocked on space
	stats     Stats
	// free holds buffers of written lines for the next ones. Recycling them
	// under mu, which both sides hold anyway, beats sync.Pool here: the
	// worker frees on its P and writers allocate on theirs, so the pool
	// would hand every buffer across Ps.
	free []*buffer.Buffer

	wake   chan struct{} // buffered(1): lines or drops to look at
	done   chan struct{} // closed by Close
	exited chan struct{} // closed when the worker returns
}

type entry struct {
	buf   *buffer.Buffer
	level slog.Level
	audit bool
}

// batchSink delivers a batch of lines at once and says what became of each
// (written+failed+late = len(batch)). ctx ends when Close gives up.
type batchSink interface {
	writeBatch(ctx context.Context, batch []entry) batchResult
}

var (
	_ io.Writer              = (*Async)(nil)
	_ slogaudit.RecordWriter = (*Async)(nil)
	_ slogaudit.LineReserver = (*Async)(nil)
)

// NewAsync starts an Async writer in front of w. If w implements
// slogaudit.RecordWriter it receives each line's level and audit flag, and
// writes each line whole or not at all. A plain io.Writer may take only part
// of a line (a full disk); the next line then starts with a newline, so the
// fragment stays on a line of its own instead of spoiling a line counted
// Written. If opts is nil, the default options are used. Call Close to stop
// it.
func NewAsync(w io.Writer, opts *AsyncOptions) *Async {
	return newAsync(w, opts, nil, batchSize, 0, lingerTime)
}

// newAsync starts an Async whose worker takes batches of up to lines lines
// and bytes bytes (0: no limit) and lingers for up to linger after a partial
// one. With bs set, batches go to bs instead of w.
func newAsync(w io.Writer, opts *AsyncOptions, bs batchSink, lines, bytes int, linger time.Duration) *Async {
	var o AsyncOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxQueueLines <= 0 {
		o.MaxQueueLines = DefaultMaxQueueLines
	}
	if o.MaxQueueBytes <= 0 {
		o.MaxQueueBytes = DefaultMaxQueueBytes
	}
	if o.AuditPolicy == PolicyDefault {
		o.AuditPolicy = Block
	}
	if o.OtherPolicy == PolicyDefault {
		o.OtherPolicy = DropNewest
	}
	if o.BlockTimeout == 0 {
		o.BlockTimeout = DefaultBlockTimeout
	}
	if o.DropReportInterval == 0 {
		o.DropReportInterval = DefaultDropReportInterval
	}
	if bytes <= 0 {
		bytes = o.MaxQueueBytes
	}
	enc := writer.Encoder(o.Encoder)
	a := &Async{
		w:          w,
		rw:         asRecordWriter(w),
		opts:       o,
		enc:        enc,
		now:        writer.Clock(enc),
		errs:       writer.ErrorSink{Fn: enc.Options().OnError},
		batches:    bs,
		batchLines: lines,
		batchBytes: bytes,
		linger:     linger,
		q:          ring{max: o.MaxQueueLines},
		wakeAt:     min(lines, max(1, o.MaxQueueLines/2)),
		space:      make(chan struct{}),
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		exited:     make(chan struct{}),
	}
	a.stop, a.cancel = context.WithCancel(context.Background())
	go a.run()
	return a
}

// Write queues p as an audit event at level Info: a writer that does not say
// what it writes gets the careful policy.
func (a *Async) Write(p []byte) (int, error) {
	if err := a.WriteRecord(slog.LevelInfo, true, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// ReservedBytes passes on what the underlying writer appends to each line.
func (a *Async) ReservedBytes() int { return writer.Reserved(a.w) }

// WriteRecord queues a copy of line. It returns ErrDropped when the policy
// discarded the line and ErrClosed after Close; it never reports the
// underlying writer's errors, which go to OnError and Stats.Failed. Leading
// newlines are removed: a handler adds one after a failed write to keep a
// torn line apart, but nothing of a line Async refused was written.
func (a *Async) WriteRecord(level slog.Level, audit bool, line []byte) error {
	for len(line) > 0 && line[0] == '\n' {
		line = line[1:]
	}
	policy := a.opts.OtherPolicy
	if audit {
		policy = a.opts.AuditPolicy
	}
	var deadline *time.Timer
	defer func() {
		if deadline != nil {
			deadline.Stop()
		}
	}()

	a.mu.Lock()
	for !a.fits(len(line)) {
		if a.closed {
			break
		}
		if a.lingering { // no more waiting for a batch to fill
			a.lingering = false
			a.poke()
		}
		if len(line) > a.opts.MaxQueueBytes {
			return a.dropLocked() // can never fit
		}
		// Audit events outrank everything else in the queue.
		if audit && a.q.others > 0 {
			a.evictLocked(false)
			continue
		}
		switch policy {
		case DropOldest:
			if audit && a.q.n > 0 {
				a.evictLocked(true)
				continue
			}
			if !audit && a.q.others > 0 {
				a.evictLocked(false)
				continue
			}
			return a.dropLocked()
		case Block:
			if a.opts.BlockTimeout > 0 && deadline == nil {
				deadline = time.NewTimer(a.opts.BlockTimeout)
			}
			var timeout <-chan time.Time
			if deadline != nil {
				timeout = deadline.C
			}
			space := a.space
			a.waiters++
			a.mu.Unlock()
			select {
			case <-space:
				a.mu.Lock()
				a.waiters--
				continue
			case <-timeout:
				a.mu.Lock()
				a.waiters--
				if a.fits(len(line)) && !a.closed {
					continue
				}
				return a.dropLocked()
			}
		default:
			return a.dropLocked()
		}
	}
	if a.closed {
		a.stats.Dropped++
		a.mu.Unlock()
		return ErrClosed
	}
	var b *buffer.Buffer
	if n := len(a.free); n > 0 {
		b = a.free[n-1]
		a.free = a.free[:n-1]
	} else {
		b = buffer.New()
	}
	*b = append(*b, line...)
	a.q.push(entry{buf: b, level: level, audit: audit})
	a.qBytes += len(line)
	wake := a.idle || (a.lingering && a.batchReady())
	if wake {
		a.idle, a.lingering = false, false
	}
	a.mu.Unlock()
	if wake { // a busy worker finds the line without a wake-up
		a.poke()
	}
	return nil
}

// batchReady reports whether a full batch is queued.
func (a *Async) batchReady() bool { return a.q.n >= a.wakeAt || a.qBytes >= a.batchBytes }

// fits reports whether a line of n bytes can be queued now.
func (a *Async) fits(n int) bool {
	return a.q.n+a.inflight < a.opts.MaxQueueLines && a.qBytes+n <= a.opts.MaxQueueBytes
}

// dropLocked counts the new line as dropped and unlocks.
func (a *Async) dropLocked() error {
	a.stats.Dropped++
	a.mu.Unlock()
	a.poke() // the worker reports drops even when idle
	return ErrDropped
}

// evictLocked drops the oldest queued line of the class.
func (a *Async) evictLocked(audit bool) {
	e := a.q.removeOldest(audit)
	a.qBytes -= e.buf.Len()
	e.buf.Free()
	a.stats.Dropped++
}

func (a *Async) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Stats returns the counters. Written+Dropped+Failed+Queued is the number of
// WriteRecord and Write calls so far.
func (a *Async) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.stats
	s.Queued = uint64(a.q.n + a.inflight)
	return s
}

// Close stops accepting lines and waits until the queue is drained or ctx is
// done. When ctx ends first, the lines not yet written are dropped (and
// counted) and ctx.Err() is returned; a write that is in progress (a hung
// sink) is left to finish on its own, after which the goroutine exits
// without writing anything more. Close does not
// close the underlying writer. Close is idempotent.
func (a *Async) Close(ctx context.Context) error {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.space) // wake blocked writers: they now drop
		close(a.done)
	}
	a.mu.Unlock()
	select {
	case <-a.exited:
		a.cancel()
		return nil
	case <-ctx.Done():
	}
	a.mu.Lock()
	a.abandon.Store(true)
	a.cancel()
	for a.q.n > 0 {
		e := a.q.pop()
		a.qBytes -= e.buf.Len()
		e.buf.Free()
		a.stats.Dropped++
	}
	a.mu.Unlock()
	return ctx.Err()
}
