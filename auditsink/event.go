package auditsink

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
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

// attr is one attribute of a self-audit event: a string, or an integer when
// isInt is set.
type attr struct {
	key   string
	str   string
	num   int64
	isInt bool
}

func strAttr(k, v string) attr       { return attr{key: k, str: v} }
func intAttr(k string, v int64) attr { return attr{key: k, num: v, isInt: true} }

// appendEvent formats a self-audit event in the slogaudit JSON lines envelope
// (same keys, same order), so consumers need no special case for it. It is
// off the hot path, so encoding/json quoting is good enough.
func appendEvent(dst []byte, now time.Time, level slog.Level, service, eventType string, attrs ...attr) []byte {
	if service == "" {
		service = "unknown_service"
	}
	ns := now.UnixNano()
	dst = append(dst, '{')
	dst = appendKey(dst, slogaudit.KeyTimestamp)
	dst = strconv.AppendInt(dst, ns, 10)
	dst = append(dst, ',')
	dst = appendKey(dst, slogaudit.KeyObservedTimestamp)
	dst = strconv.AppendInt(dst, ns, 10)
	dst = append(dst, ',')
	dst = appendKey(dst, slogaudit.KeySeverityText)
	dst = appendString(dst, level.String())
	dst = append(dst, ',')
	dst = appendKey(dst, slogaudit.KeySeverityNumber)
	dst = strconv.AppendInt(dst, int64(severityNumber(level)), 10)
	dst = append(dst, ',')
	dst = appendKey(dst, slogaudit.KeyBody)
	dst = appendString(dst, eventType)
	dst = append(dst, ',')
	dst = appendKey(dst, slogaudit.KeyResource)
	dst = append(dst, '{')
	dst = appendKey(dst, slogaudit.KeyServiceName)
	dst = appendString(dst, service)
	dst = append(dst, "},"...)
	dst = appendKey(dst, slogaudit.KeyInstrumentationScope)
	dst = append(dst, '{')
	dst = appendKey(dst, "name")
	dst = appendString(dst, ScopeName)
	dst = append(dst, "},"...)
	dst = appendKey(dst, slogaudit.KeyAttributes)
	dst = append(dst, '{')
	dst = appendKey(dst, slogaudit.KeyEventType)
	dst = appendString(dst, eventType)
	dst = append(dst, ',')
	dst = appendKey(dst, slogaudit.KeySchemaVersion)
	dst = appendString(dst, "1.0")
	for _, a := range attrs {
		dst = append(dst, ',')
		dst = appendKey(dst, a.key)
		if a.isInt {
			dst = strconv.AppendInt(dst, a.num, 10)
		} else {
			dst = appendString(dst, a.str)
		}
	}
	dst = append(dst, "},"...)
	dst = appendKey(dst, slogaudit.KeyEventName)
	dst = appendString(dst, eventType)
	return append(dst, "}\n"...)
}

func appendKey(dst []byte, k string) []byte {
	dst = appendString(dst, k)
	return append(dst, ':')
}

func appendString(dst []byte, s string) []byte {
	b, err := json.Marshal(s)
	if err != nil { // cannot happen for a string; keep the line valid anyway
		return append(dst, `""`...)
	}
	return append(dst, b...)
}

// severityNumber maps a slog level to the OpenTelemetry severity number the
// way the handler does: Debug/Info/Warn/Error are 5/9/13/17.
func severityNumber(l slog.Level) int {
	n := int(l) + 9
	return max(1, min(24, n))
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
