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
	resource, resourceSchema []byte // raw JSON; resource nil when absent
	scope, scopeSchema       []byte
	raw                      []byte // the LogRecord's JSON
	from, to                 int    // its protobuf encoding in Batch.wire
}

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
		return s.array(b.resourceLogs)
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

// resourceLogs reads one ResourceLogs. Its scopeLogs are read where they
// are when the resource came first (the handler's order), else afterwards.
func (b *Batch) resourceLogs() error {
	s := &b.sc
	var resource, schema, later []byte
	var seen uint8
	from := len(b.recs)
	err := s.object(func(key []byte) (err error) {
		switch string(key) {
		case "resource":
			if err = s.once(&seen, 1, key); err == nil {
				resource, err = s.span(0)
			}
		case "schemaUrl", "schema_url":
			if err = s.once(&seen, 2, key); err == nil {
				schema, err = s.span(0)
			}
		case "scopeLogs", "scope_logs":
			if err = s.once(&seen, 4, key); err != nil {
				return err
			}
			if seen&1 == 0 {
				later, err = s.span(0)
				return err
			}
			err = s.array(b.scopeLogs)
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
		err = s.array(b.scopeLogs)
		*s = saved
		if err != nil {
			return err
		}
	}
	if isNull(resource) {
		resource = nil
	}
	if err := b.check(0, resource, schema, (*scanner).resource); err != nil {
		return err
	}
	for i := from; i < len(b.recs); i++ {
		b.recs[i].resource, b.recs[i].resourceSchema = resource, schema
	}
	return nil
}

// scopeLogs reads one ScopeLogs, like resourceLogs.
func (b *Batch) scopeLogs() error {
	s := &b.sc
	var scope, schema, later []byte
	var seen uint8
	from := len(b.recs)
	err := s.object(func(key []byte) (err error) {
		switch string(key) {
		case "scope":
			if err = s.once(&seen, 1, key); err == nil {
				scope, err = s.span(0)
			}
		case "schemaUrl", "schema_url":
			if err = s.once(&seen, 2, key); err == nil {
				schema, err = s.span(0)
			}
		case "logRecords", "log_records":
			if err = s.once(&seen, 4, key); err != nil {
				return err
			}
			if seen&1 == 0 {
				later, err = s.span(0)
				return err
			}
			err = s.array(b.logRecord)
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
		err = s.array(b.logRecord)
		*s = saved
		if err != nil {
			return err
		}
	}
	if isNull(scope) {
		scope = nil
	}
	if err := b.check(1, scope, schema, (*scanner).scope); err != nil {
		return err
	}
	for i := from; i < len(b.recs); i++ {
		b.recs[i].scope, b.recs[i].scopeSchema = scope, schema
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

// check makes sure a resource or scope (which) and its schema URL will
// transcode, so that assembling a request cannot fail on them later.
func (b *Batch) check(which int, raw, schema []byte, transcode func(*scanner, []byte) ([]byte, error)) error {
	if schema != nil && !isNull(schema) && schema[0] != '"' {
		return errors.New("schemaUrl is not a string")
	}
	if raw == nil || bytes.Equal(raw, b.checked[which]) {
		return nil
	}
	s := scanner{b: raw}
	var err error
	if b.scratch, err = transcode(&s, b.scratch[:0]); err != nil {
		return err
	}
	b.checked[which] = raw
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

// appendJSON writes an ExportLogsServiceRequest in OTLP/JSON from the
// records' own bytes.
func appendJSON(dst []byte, recs []rec) []byte {
	dst = append(dst, `{"resourceLogs":[`...)
	for i := 0; i < len(recs); {
		r := &recs[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		if r.resource != nil {
			dst = append(append(dst, `"resource":`...), r.resource...)
			dst = append(dst, ',')
		}
		if r.resourceSchema != nil {
			dst = append(append(dst, `"schemaUrl":`...), r.resourceSchema...)
			dst = append(dst, ',')
		}
		dst = append(dst, `"scopeLogs":[`...)
		for j := i; i < len(recs) && sameResource(&recs[j], &recs[i]); {
			s := &recs[i]
			if i > j {
				dst = append(dst, ',')
			}
			dst = append(dst, '{')
			if s.scope != nil {
				dst = append(append(dst, `"scope":`...), s.scope...)
				dst = append(dst, ',')
			}
			if s.scopeSchema != nil {
				dst = append(append(dst, `"schemaUrl":`...), s.scopeSchema...)
				dst = append(dst, ',')
			}
			dst = append(dst, `"logRecords":[`...)
			for k := i; i < len(recs) && sameResource(&recs[k], &recs[i]) && sameScope(&recs[k], &recs[i]); i++ {
				if i > k {
					dst = append(dst, ',')
				}
				dst = append(dst, recs[i].raw...)
			}
			dst = append(dst, "]}"...)
		}
		dst = append(dst, "]}"...)
	}
	return append(dst, "]}"...)
}

// appendProto writes an ExportLogsServiceRequest in protobuf from the
// records' encodings, transcoding each resource and scope once.
func (b *Batch) appendProto(dst []byte, recs []rec) ([]byte, error) {
	var err error
	for i := 0; i < len(recs); {
		r := &recs[i]
		var rl, sl int
		dst, rl = begin(dst, fieldResourceLogs)
		if r.resource != nil {
			if dst, err = b.message(dst, fieldResource, r.resource, (*scanner).resource); err != nil {
				return dst, err
			}
		}
		for j := i; i < len(recs) && sameResource(&recs[j], &recs[i]); {
			s := &recs[i]
			dst, sl = begin(dst, fieldScopeLogs)
			if s.scope != nil {
				if dst, err = b.message(dst, fieldScope, s.scope, (*scanner).scope); err != nil {
					return dst, err
				}
			}
			for k := i; i < len(recs) && sameResource(&recs[k], &recs[i]) && sameScope(&recs[k], &recs[i]); i++ {
				dst = protowire.AppendTag(dst, fieldLogRecords, protowire.BytesType)
				dst = protowire.AppendBytes(dst, b.wire[recs[i].from:recs[i].to])
			}
			if dst, err = b.schema(dst, fieldScopeLogsSchema, s.scopeSchema); err != nil {
				return dst, err
			}
			dst = end(dst, sl)
		}
		if dst, err = b.schema(dst, fieldResourceLogsSchema, r.resourceSchema); err != nil {
			return dst, err
		}
		dst = end(dst, rl)
	}
	return dst, nil
}

// message transcodes the JSON object raw as the message field num.
func (b *Batch) message(dst []byte, num protowire.Number, raw []byte, transcode func(*scanner, []byte) ([]byte, error)) ([]byte, error) {
	s := scanner{b: raw}
	dst, start := begin(dst, num)
	dst, err := transcode(&s, dst)
	return end(dst, start), err
}

// schema transcodes a schemaUrl member's raw JSON string.
func (b *Batch) schema(dst []byte, num protowire.Number, raw []byte) ([]byte, error) {
	if raw == nil || isNull(raw) {
		return dst, nil
	}
	s := scanner{b: raw}
	return s.stringField(dst, num, false)
}

func sameResource(a, b *rec) bool {
	return bytes.Equal(a.resource, b.resource) && (a.resource == nil) == (b.resource == nil) &&
		bytes.Equal(a.resourceSchema, b.resourceSchema)
}

func sameScope(a, b *rec) bool {
	return bytes.Equal(a.scope, b.scope) && (a.scope == nil) == (b.scope == nil) &&
		bytes.Equal(a.scopeSchema, b.scopeSchema)
}
