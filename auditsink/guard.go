package auditsink

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"github.com/secaudit/auditkit/internal/buffer"
	"github.com/secaudit/auditkit/internal/writer"
	"github.com/secaudit/auditkit/slogaudit"
)

// DiskErrorAction is what a Guard does when its sink reports a full disk or
// an I/O error, after auditd's disk_full_action and disk_error_action.
type DiskErrorAction int

const (
	// FailOpen keeps trying every line (after the warning event, which
	// probes whether the sink is back) and counts the lost ones; callers see
	// no error for disk errors (auditd ignore/syslog).
	FailOpen DiskErrorAction = iota
	// Suspend stops writing: lines are counted as lost without touching the
	// sink until a probe, at most once per ProbeInterval, succeeds (auditd
	// suspend). Callers see no error.
	Suspend
	// FailClosed returns the sink's error to the caller for every line that
	// could not be written, so a fail-closed application can refuse work.
	FailClosed
)

// String returns the action's name as written in the warning event.
func (a DiskErrorAction) String() string {
	switch a {
	case FailOpen:
		return "fail_open"
	case Suspend:
		return "suspend"
	case FailClosed:
		return "fail_closed"
	}
	return "unknown"
}

// DefaultProbeInterval is the default GuardOptions.ProbeInterval.
const DefaultProbeInterval = time.Second

// IsDiskError reports whether err is one a Guard acts on: ENOSPC, EDQUOT,
// EFBIG or EIO.
func IsDiskError(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EIO) ||
		errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG)
}

// GuardOptions configure a Guard. A zero GuardOptions consists entirely of
// default values (FailOpen).
type GuardOptions struct {
	// Action is taken on disk errors; the zero value is FailOpen.
	Action DiskErrorAction
	// ProbeInterval is how often a suspended Guard tries the sink again;
	// zero or negative means DefaultProbeInterval.
	ProbeInterval time.Duration
	// Encoder writes the warning event (audit.delivery.disk_error) in the
	// handler's format and resource: pass the Encoder the handler was made
	// from. Its OnError is told once when an outage starts, and its Now is
	// the Guard's clock. nil means the JSON lines defaults.
	Encoder *slogaudit.Encoder
}

// Guard applies a DiskErrorAction to the writer behind it. The action is
// taken once per transition: when the first disk error arrives the operator
// is told (OnError) and the Guard enters the failing state; it leaves it at
// the first successful write, which is preceded by one
// audit.delivery.disk_error event (WARN) recording the error, the action, the
// number of lines lost and how long the outage lasted. Errors that are not
// disk errors are returned as they are. Put a Guard above a Chain, so its
// event is chained too. It is safe for concurrent use.
type Guard struct {
	w      io.Writer
	rw     slogaudit.RecordWriter
	action DiskErrorAction
	probe  time.Duration
	enc    *slogaudit.Encoder
	now    func() time.Time
	errs   writer.ErrorSink

	mu      sync.Mutex
	stats   Stats
	failing bool
	cause   error
	since   time.Time
	lastTry time.Time
	lost    uint64
	torn    bool // a plain writer took part of a line: start the next with \n
}

var (
	_ io.Writer              = (*Guard)(nil)
	_ slogaudit.RecordWriter = (*Guard)(nil)
	_ slogaudit.LineReserver = (*Guard)(nil)
)

// NewGuard returns a Guard in front of w. If opts is nil, the default
// options are used.
func NewGuard(w io.Writer, opts *GuardOptions) *Guard {
	var o GuardOptions
	if opts != nil {
		o = *opts
	}
	if o.ProbeInterval <= 0 {
		o.ProbeInterval = DefaultProbeInterval
	}
	enc := writer.Encoder(o.Encoder)
	return &Guard{w: w, rw: asRecordWriter(w), action: o.Action, probe: o.ProbeInterval,
		enc: enc, now: writer.Clock(enc), errs: writer.ErrorSink{Fn: enc.Options().OnError}}
}

// Write writes p as an audit event at level Info.
func (g *Guard) Write(p []byte) (int, error) {
	if err := g.WriteRecord(slog.LevelInfo, true, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// ReservedBytes passes on what the underlying writer appends to each line.
func (g *Guard) ReservedBytes() int { return writer.Reserved(g.w) }

// Stats returns Written (lines the sink took) and Failed (lines lost or
// refused); Dropped and Queued are zero.
func (g *Guard) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}

// Failing reports whether the Guard is in an outage.
func (g *Guard) Failing() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failing
}

// WriteRecord writes line, applying the action on disk errors. Leading
// newlines are removed: Guard keeps fragments of failed writes apart itself.
func (g *Guard) WriteRecord(level slog.Level, audit bool, line []byte) error {
	for len(line) > 0 && line[0] == '\n' {
		line = line[1:]
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if g.failing {
		if g.action == Suspend && now.Sub(g.lastTry) < g.probe {
			return g.lose(nil)
		}
		// Probe with the warning event itself: if it is written, the sink
		// is back and the outage is on record before the next line.
		g.lastTry = now
		b := buffer.New()
		*b = writer.AppendEvent(*b, g.enc, now, slog.LevelWarn, ScopeName, EventDeliveryDiskError,
			slog.String(KeyDeliveryError, g.cause.Error()), slog.String(KeyDeliveryAction, g.action.String()),
			slog.Uint64(KeyLostCount, g.lost), slog.Int64(KeyOutageNS, int64(now.Sub(g.since))))
		err := g.write(slog.LevelWarn, true, *b)
		b.Free()
		switch {
		case err == nil:
			g.failing, g.cause, g.lost = false, nil, 0
		case g.action == FailOpen:
			// Every line is tried: a disk with room for a short line
			// but not the event still gets the line.
		case !IsDiskError(err):
			g.stats.Failed++
			return err
		default:
			return g.lose(err)
		}
	}
	err := g.write(level, audit, line)
	if err == nil {
		g.stats.Written++
		return nil
	}
	if !IsDiskError(err) {
		g.stats.Failed++
		return err
	}
	if !g.failing {
		g.failing, g.cause, g.since, g.lastTry, g.lost = true, err, now, now, 0
		g.errs.Report(fmt.Errorf("auditsink: %s after disk error: %w", g.action, err))
	}
	return g.lose(err)
}

// lose counts a line lost in an outage and returns what the action says.
func (g *Guard) lose(err error) error {
	g.stats.Failed++
	g.lost++
	if g.action == FailClosed {
		if err == nil {
			err = g.cause
		}
		return err
	}
	return nil
}

// write hands line to the sink, keeping a fragment left by a short write on
// a line of its own.
func (g *Guard) write(level slog.Level, audit bool, line []byte) error {
	if g.torn {
		b := buffer.New()
		defer b.Free()
		*b = append(append(*b, '\n'), line...)
		line = *b
	}
	n, err := writeLine(g.w, g.rw, level, audit, line)
	if err == nil {
		g.torn = false
	} else if n > 0 {
		g.torn = true
	}
	return err
}
