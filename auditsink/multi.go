package auditsink

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/secaudit/auditkit/internal/buffer"
	"github.com/secaudit/auditkit/internal/writer"
	"github.com/secaudit/auditkit/slogaudit"
)

// Multi writes every line to all of its sinks and succeeds when at least one
// of them accepted it: Vault's rule for audit devices. A sink that errors is
// skipped in favour of the others; a sink that hangs hangs the write, so put
// an Async in front of sinks that may hang. It is safe for concurrent use if
// the sinks are.
type Multi struct {
	sinks  []io.Writer
	rws    []slogaudit.RecordWriter
	failed []atomic.Uint64
	plain  []plainSink // for sinks that are not RecordWriters
}

// plainSink remembers that a plain writer took only part of a line, so that
// the next line starts with a newline and the fragment stays on its own line
// (RecordWriters in this package keep fragments apart themselves).
type plainSink struct {
	mu   sync.Mutex
	torn bool
}

var (
	_ io.Writer              = (*Multi)(nil)
	_ slogaudit.RecordWriter = (*Multi)(nil)
	_ slogaudit.LineReserver = (*Multi)(nil)
)

// NewMulti returns a Multi over sinks. Sinks that implement
// slogaudit.RecordWriter receive each line's level and audit flag.
func NewMulti(sinks ...io.Writer) *Multi {
	m := &Multi{
		sinks:  append([]io.Writer(nil), sinks...),
		rws:    make([]slogaudit.RecordWriter, len(sinks)),
		failed: make([]atomic.Uint64, len(sinks)),
		plain:  make([]plainSink, len(sinks)),
	}
	for i, s := range sinks {
		m.rws[i] = asRecordWriter(s)
	}
	return m
}

// Write writes p as an audit event at level Info.
func (m *Multi) Write(p []byte) (int, error) {
	if err := m.WriteRecord(slog.LevelInfo, true, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteRecord writes line to every sink, in order. It returns nil when at
// least one sink accepted the whole line, and otherwise the errors of all
// sinks joined (errors.Is finds each of them). With no sinks it fails.
func (m *Multi) WriteRecord(level slog.Level, audit bool, line []byte) error {
	var errs []error
	ok := false
	for i, s := range m.sinks {
		if err := m.write(i, s, level, audit, line); err != nil {
			m.failed[i].Add(1)
			errs = append(errs, fmt.Errorf("sink %d: %w", i, err))
			continue
		}
		ok = true
	}
	if ok {
		return nil
	}
	if len(errs) == 0 {
		return errors.New("auditsink: Multi has no sinks")
	}
	return errors.Join(errs...)
}

func (m *Multi) write(i int, s io.Writer, level slog.Level, audit bool, line []byte) error {
	if m.rws[i] != nil {
		_, err := writeLine(s, m.rws[i], level, audit, line)
		return err
	}
	return m.plain[i].write(s, line)
}

// write hands line to w, a plain io.Writer, which may take only a prefix of
// it. The line after such a fragment starts with a newline (unless it
// already does), so that a complete line is never glued to a torn one.
func (ps *plainSink) write(w io.Writer, line []byte) error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.torn && (len(line) == 0 || line[0] != '\n') {
		b := buffer.New()
		defer b.Free()
		*b = append(append(*b, '\n'), line...)
		line = *b
	}
	n, err := writeLine(w, nil, slog.LevelInfo, true, line)
	if n > 0 {
		ps.torn = line[min(n, len(line))-1] != '\n'
	}
	return err
}

// Failed returns how many lines sink i has failed to accept, including lines
// another sink accepted.
func (m *Multi) Failed(i int) uint64 { return m.failed[i].Load() }

// ReservedBytes is the most any sink appends to a line.
func (m *Multi) ReservedBytes() int {
	n := 0
	for _, s := range m.sinks {
		n = max(n, writer.Reserved(s))
	}
	return n
}
