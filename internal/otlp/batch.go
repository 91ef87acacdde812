// Package otlp turns the handler's OTLP/JSON lines into OTLP/HTTP request
// bodies: it checks each line, keeps the parts of its ExportLogsServiceRequest
// and assembles a batch of lines into one request, in JSON or in protobuf
// (transcoded with protowire, without generated code). Consecutive records
// with the same resource and scope share one ResourceLogs and ScopeLogs, as
// an SDK would group them.
package otlp

import (
	"bytes"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Batch is a set of lines being turned into one request. The lines must stay
// unchanged until Reset: the batch keeps spans of them.
type Batch struct {
	protobuf bool
	recs     []rec
	lines    []int  // lines[i] is the index in recs of line i's first record
	wire     []byte // the records' protobuf encodings (protobuf batches)
	scratch  []byte
	sc       scanner
	// checked are the last resource and scope found valid in this batch,
	// so that a batch of lines sharing them checks them once.
	checked [2][]byte
}

// rec is one LogRecord and where it belongs.
type rec struct {
	parts    [2]part // its resource and scope (see levels)
	raw      []byte  // the LogRecord's JSON
	from, to int     // its protobuf encoding in Batch.wire
}

// part is a record's resource or scope: raw JSON (nil when absent) and the
// container's schemaUrl.
type part struct{ raw, schema []byte }

// NewBatch returns an empty batch that assembles protobuf requests, or JSON
// ones when protobuf is false.
func NewBatch(protobuf bool) *Batch { return &Batch{protobuf: protobuf} }

// Reset empties the batch, keeping its memory.
func (b *Batch) Reset() {
	clear(b.recs)
	b.recs, b.lines, b.wire = b.recs[:0], b.lines[:0], b.wire[:0]
	b.checked = [2][]byte{}
}

// Lines returns the number of lines added.
func (b *Batch) Lines() int { return len(b.lines) }

// Add checks line, one ExportLogsServiceRequest in OTLP/JSON, and adds its
// records. Members other than resourceLogs (a chain's seq and chain) are
// ignored. A line that is not such a request, or holds no record, is an
// error and adds nothing.
func (b *Batch) Add(line []byte) error {
	nrecs, nwire := len(b.recs), len(b.wire)
	b.sc = scanner{b: line}
	err := b.request()
	if err == nil && b.sc.peek() != 0 {
		err = b.sc.errorf("data after the request")
	}
	if err == nil && len(b.recs) == nrecs {
		err = errors.New("no log records")
	}
	if err != nil {
		clear(b.recs[nrecs:])
		b.recs, b.wire = b.recs[:nrecs], b.wire[:nwire]
		return fmt.Errorf("not an OTLP/JSON logs request: %w", err)
	}
	b.lines = append(b.lines, nrecs)
	return nil
}

// request reads the ExportLogsServiceRequest. Here and in resourceLogs and
// scopeLogs a member given twice is an error: the Collector's decoder
// merges or appends them, and the line is not one the handler writes.
func (b *Batch) request() error {
	s := &b.sc
	seen := false
	return s.object(func(key []byte) error {
		if string(key) != "resourceLogs" && string(key) != "resource_logs" {
			return s.skip(0)
		}
		if seen {
			return s.errorf("duplicate resourceLogs")
		}
		seen = true
		return s.array(func() error { return b.container(0) })
	})
}

// once records that member bit was read and fails the second time.
func (s *scanner) once(seen *uint8, bit uint8, key []byte) error {
	if *seen&bit != 0 {
		return s.errorf("duplicate %s", key)
	}
	*seen |= bit
	return nil
}

// level describes a container of the request above the records: 0 is a
// ResourceLogs, 1 a ScopeLogs. Each has a head (its resource or scope), a
// schemaUrl and an array of children.
type level struct {
	head              string
	field             protowire.Number // the head's field in the container
	child, childSnake string
	transcode         func(*scanner, []byte) ([]byte, error)
}

var levels = [2]level{
	{"resource", fieldResource, "scopeLogs", "scope_logs", (*scanner).resource},
	{"scope", fieldScope, "logRecords", "log_records", (*scanner).scope},
}

// container reads one container of level lv. Its children are read where
// they are when the head came first (the handler's order), else
// afterwards, and every record read gets the container's head.
func (b *Batch) container(lv int) error {
	l, s := &levels[lv], &b.sc
	child := b.logRecord
	if lv == 0 {
		child = func() error { return b.container(1) }
	}
	var p part
	var later []byte
	var seen uint8
	from := len(b.recs)
	err := s.object(func(key []byte) (err error) {
		switch string(key) {
		case l.head:
			if err = s.once(&seen, 1, key); err == nil {
				p.raw, err = s.span(0)
			}
		case "schemaUrl", "schema_url":
			if err = s.once(&seen, 2, key); err == nil {
				p.schema, err = s.span(0)
			}
		case l.child, l.childSnake:
			if err = s.once(&seen, 4, key); err != nil {
				return err
			}
			if seen&1 == 0 {
				later, err = s.span(0)
				return err
			}
			err = s.array(child)
		default:
			err = s.skip(0)
		}
		return err
	})
	if err != nil {
		return err
	}
	if later != nil {
		saved := *s
		*s = scanner{b: later}
		err = s.array(child)
		*s = saved
		if err != nil {
			return err
		}
	}
	if isNull(p.raw) {
		p.raw = nil
	}
	if err := b.check(lv, p); err != nil {
		return err
	}
	for i := from; i < len(b.recs); i++ {
		b.recs[i].parts[lv] = p
	}
	return nil
}

// logRecord reads one LogRecord, transcoding it, which also checks every
// value: a JSON batch checks the same way (and drops the encoding), so
// that one bad line cannot make the receiver refuse its neighbours.
func (b *Batch) logRecord() error {
	s := &b.sc
	s.ws()
	start := s.pos
	r := rec{from: len(b.wire)}
	var err error
	if b.protobuf {
		b.wire, err = s.logRecord(b.wire)
	} else {
		b.scratch, err = s.logRecord(b.scratch[:0])
	}
	if err != nil {
		return err
	}
	r.raw, r.to = s.b[start:s.pos], len(b.wire)
	b.recs = append(b.recs, r)
	return nil
}

// check makes sure a resource or scope (level lv) and its schema URL will
// transcode, so that assembling a request cannot fail on them later.
func (b *Batch) check(lv int, p part) error {
	if p.schema != nil && !isNull(p.schema) && p.schema[0] != '"' {
		return errors.New("schemaUrl is not a string")
	}
	if p.raw == nil || bytes.Equal(p.raw, b.checked[lv]) {
		return nil
	}
	s := scanner{b: p.raw}
	var err error
	if b.scratch, err = levels[lv].transcode(&s, b.scratch[:0]); err != nil {
		return err
	}
	b.checked[lv] = p.raw
	return nil
}

func isNull(raw []byte) bool { return string(raw) == "null" }

// Records returns the number of log records in lines [from, to).
func (b *Batch) Records(from, to int) int { return b.recIndex(to) - b.recIndex(from) }

func (b *Batch) recIndex(line int) int {
	if line == len(b.lines) {
		return len(b.recs)
	}
	return b.lines[line]
}

// Append appends the request body for lines [from, to) to dst.
func (b *Batch) Append(dst []byte, from, to int) ([]byte, error) {
	recs := b.recs[b.recIndex(from):b.recIndex(to)]
	if !b.protobuf {
		return appendJSON(dst, recs), nil
	}
	return b.appendProto(dst, recs)
}
