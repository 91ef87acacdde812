package otlp

import (
	"bytes"

	"google.golang.org/protobuf/encoding/protowire"
)

// Assembling a request from a batch's records: consecutive records with the
// same resource (and scope) share one ResourceLogs (and ScopeLogs).

// appendJSON writes an ExportLogsServiceRequest in OTLP/JSON from the
// records' own bytes.
func appendJSON(dst []byte, recs []rec) []byte {
	dst = append(dst, `{"resourceLogs":[`...)
	for i := 0; i < len(recs); {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendPartJSON(append(dst, '{'), `"resource":`, recs[i].parts[0])
		dst = append(dst, `"scopeLogs":[`...)
		for j := i; i < len(recs) && same(&recs[j], &recs[i], 0); {
			if i > j {
				dst = append(dst, ',')
			}
			dst = appendPartJSON(append(dst, '{'), `"scope":`, recs[i].parts[1])
			dst = append(dst, `"logRecords":[`...)
			for k := i; i < len(recs) && same(&recs[k], &recs[i], 1); i++ {
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

// appendPartJSON writes a container's head and schemaUrl members, each
// followed by a comma.
func appendPartJSON(dst []byte, name string, p part) []byte {
	if p.raw != nil {
		dst = append(append(append(dst, name...), p.raw...), ',')
	}
	if p.schema != nil {
		dst = append(append(append(dst, `"schemaUrl":`...), p.schema...), ',')
	}
	return dst
}

// appendProto writes an ExportLogsServiceRequest in protobuf from the
// records' encodings, transcoding each resource and scope once per group.
func (b *Batch) appendProto(dst []byte, recs []rec) ([]byte, error) {
	var err error
	for i := 0; i < len(recs); {
		var rl, sl int
		dst, rl = begin(dst, fieldResourceLogs)
		if dst, err = b.appendPart(dst, 0, recs[i].parts[0]); err != nil {
			return dst, err
		}
		r := i
		for j := i; i < len(recs) && same(&recs[j], &recs[i], 0); {
			dst, sl = begin(dst, fieldScopeLogs)
			if dst, err = b.appendPart(dst, 1, recs[i].parts[1]); err != nil {
				return dst, err
			}
			sc := i
			for k := i; i < len(recs) && same(&recs[k], &recs[i], 1); i++ {
				dst = protowire.AppendTag(dst, fieldLogRecords, protowire.BytesType)
				dst = protowire.AppendBytes(dst, b.wire[recs[i].from:recs[i].to])
			}
			if dst, err = b.schema(dst, fieldScopeLogsSchema, recs[sc].parts[1].schema); err != nil {
				return dst, err
			}
			dst = end(dst, sl)
		}
		if dst, err = b.schema(dst, fieldResourceLogsSchema, recs[r].parts[0].schema); err != nil {
			return dst, err
		}
		dst = end(dst, rl)
	}
	return dst, nil
}

// appendPart transcodes a resource or scope (level lv) as field 1 of its
// container, when there is one.
func (b *Batch) appendPart(dst []byte, lv int, p part) ([]byte, error) {
	if p.raw == nil {
		return dst, nil
	}
	s := scanner{b: p.raw}
	dst, start := begin(dst, levels[lv].field)
	dst, err := levels[lv].transcode(&s, dst)
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

// same reports whether a and b share their resource and, for lv 1, their
// scope.
func same(a, b *rec, lv int) bool {
	for l := 0; l <= lv; l++ {
		p, q := a.parts[l], b.parts[l]
		if !bytes.Equal(p.raw, q.raw) || (p.raw == nil) != (q.raw == nil) || !bytes.Equal(p.schema, q.schema) {
			return false
		}
	}
	return true
}
