package auditsink

import (
	"fmt"
	"io"
	"log/slog"

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
