package auditsink

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secaudit/auditkit/slogaudit"
)

// Event types the writers of this package emit about themselves. They use the
// slogaudit envelope, so they travel, are routed and are chained like any other
// audit event.
const (
	// EventDeliveryDropped reports lines an Async writer discarded.
	EventDeliveryDropped = "audit.delivery.dropped"
	// EventDeliveryDiskError reports an outage of the sink behind a Guard.
	EventDeliveryDiskError = "audit.delivery.disk_error"
	// EventChainSegment is the first line of every chain segment.
	EventChainSegment = "audit.chain.segment"
)

// Attribute keys of the self-audit events.
const (
	// KeyDroppedCount is the number of lines dropped since the previous report.
	KeyDroppedCount = "audit.delivery.dropped_count"
	// KeyDroppedTotal is the number of lines dropped since the writer started.
	KeyDroppedTotal = "audit.delivery.dropped_total"
	// KeyDeliveryError is the text of the error that started an outage.
	KeyDeliveryError = "audit.delivery.error"
	// KeyDeliveryAction is the configured DiskErrorAction (fail_open,
	// suspend, fail_closed).
	KeyDeliveryAction = "audit.delivery.action"
	// KeyLostCount is the number of lines not written during an outage.
	KeyLostCount = "audit.delivery.lost_count"
	// KeyOutageNS is how long an outage lasted, in nanoseconds.
	KeyOutageNS = "audit.delivery.outage_ns"

	// KeyChainSegment is the random id of a chain segment (32 hex).
	KeyChainSegment = "audit.chain.segment"
	// KeyChainAlgorithm is "sha256" or "hmac-sha256".
	KeyChainAlgorithm = "audit.chain.algorithm"
	// KeyChainPrevSeq and KeyChainPrevHead name the last line of the
	// previous segment (its seq and hex chain value), linking rotated files
	// and restarts.
	KeyChainPrevSeq  = "audit.chain.prev_seq"
	KeyChainPrevHead = "audit.chain.prev_head"
)

// ScopeName is the instrumentation scope of the self-audit events.
const ScopeName = "github.com/secaudit/auditkit/auditsink"

// Stats are exact line counters. Every line handed to a writer ends up in
// exactly one of Written, Dropped or Failed, or is still Queued.
type Stats struct {
	Written uint64 // accepted by the sink
	Dropped uint64 // discarded by the queue policy, a block deadline or Close
	Failed  uint64 // the sink returned an error or panicked
	Queued  uint64 // waiting or being written right now
}

// eventEncoder returns enc, or when it is nil the JSON lines defaults with
// service as service.name (the writers' ServiceName option, kept for
// configurations made before Encoder existed).
func eventEncoder(enc *slogaudit.Encoder, service string) *slogaudit.Encoder {
	if enc != nil {
		return enc
	}
	return slogaudit.NewEncoder(&slogaudit.Options{ServiceName: service})
}

// appendEvent appends a self-audit event as the handler would write it (the
// same encoder: format, resource, redaction), under this package's
// instrumentation scope, so consumers need no special case for it.
func appendEvent(dst []byte, enc *slogaudit.Encoder, now time.Time, level slog.Level, eventType string, attrs ...slog.Attr) []byte {
	r := slog.NewRecord(now, level, eventType, 0)
	r.AddAttrs(slog.String(slogaudit.KeyEventType, eventType), slog.String(slogaudit.KeyScopeName, ScopeName))
	r.AddAttrs(attrs...)
	return enc.AppendRecord(dst, r)
}

// writeLine hands line to w, as a record when w understands records. It
// turns a panic in w into an error, so a broken sink cannot take down the
// goroutine that called it.
func writeLine(w io.Writer, rw slogaudit.RecordWriter, level slog.Level, audit bool, line []byte) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("auditsink: writer panicked: %v", r)
		}
	}()
	if rw != nil {
		if err := rw.WriteRecord(level, audit, line); err != nil {
			return 0, err
		}
		return len(line), nil
	}
	n, err = w.Write(line)
	if err == nil && n < len(line) {
		err = io.ErrShortWrite
	}
	return n, err
}

// asRecordWriter returns w as a RecordWriter, or nil.
func asRecordWriter(w io.Writer) slogaudit.RecordWriter {
	rw, _ := w.(slogaudit.RecordWriter)
	return rw
}

// reserved returns the bytes w appends to every line.
func reserved(w any) int {
	if lr, ok := w.(slogaudit.LineReserver); ok {
		return lr.ReservedBytes()
	}
	return 0
}

// errorSink delivers operator notes: to the user's hook, or else to
// standard error at most once per interval, because a failing disk would
// otherwise flood it.
type errorSink struct {
	fn   func(error)
	mu   sync.Mutex
	last time.Time
	skip atomic.Uint64
}

const stderrInterval = 10 * time.Second

func (e *errorSink) report(err error) {
	if e.fn != nil {
		e.fn(err)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	if !e.last.IsZero() && now.Sub(e.last) < stderrInterval {
		e.skip.Add(1)
		return
	}
	e.last = now
	if n := e.skip.Swap(0); n > 0 {
		fmt.Fprintf(os.Stderr, "%v (and %d more errors)\n", err, n)
		return
	}
	fmt.Fprintln(os.Stderr, err)
}
