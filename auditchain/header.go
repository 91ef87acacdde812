package auditchain

import (
	"encoding/json"
	"errors"
	"strconv"
)

// header is what the verifier needs of a segment header (line 0).
type header struct {
	segment string
	alg     string
	// linked: the segment continues another one (prev_seq and prev_head).
	linked      bool
	prevSegment string // "" in headers written before prev_segment existed
	prevSeq     uint64
	prevHead    string
	keyFP       string // KeyFingerprint of the signing key, "" when unsigned
	hmacFP      string // HMACFingerprint of the chain key, "" for sha256
	foundBytes  int64  // bytes the writer found after the previous segment's end
	truncated   bool   // truncated_at_seq is present
	truncatedAt uint64
	time        int64 // Unix ns of the header record, 0 when unknown
}

// headerDoc is a segment header in either line format: the JSON lines
// envelope's attributes object, or one OTLP/JSON log record's attribute list
// (string and integer values, which is all a header has).
type headerDoc struct {
	Timestamp    json.RawMessage            `json:"timestamp"`
	Attributes   map[string]json.RawMessage `json:"attributes"`
	ResourceLogs []struct {
		ScopeLogs []struct {
			LogRecords []struct {
				TimeUnixNano string `json:"timeUnixNano"`
				Attributes   []struct {
					Key   string `json:"key"`
					Value struct {
						StringValue *string `json:"stringValue"`
						IntValue    *string `json:"intValue"`
					} `json:"value"`
				} `json:"attributes"`
			} `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

// otlpRecord reports whether d is one OTLP/JSON log record.
func (d *headerDoc) otlpRecord() bool {
	return d.Attributes == nil && len(d.ResourceLogs) == 1 && len(d.ResourceLogs[0].ScopeLogs) == 1 &&
		len(d.ResourceLogs[0].ScopeLogs[0].LogRecords) == 1
}

// attributes returns the header's attributes as JSON values.
func (d *headerDoc) attributes() map[string]json.RawMessage {
	if !d.otlpRecord() {
		return d.Attributes
	}
	a := map[string]json.RawMessage{}
	for _, kv := range d.ResourceLogs[0].ScopeLogs[0].LogRecords[0].Attributes {
		switch v := kv.Value; {
		case v.StringValue != nil:
			a[kv.Key], _ = json.Marshal(*v.StringValue)
		case v.IntValue != nil:
			a[kv.Key] = json.RawMessage(*v.IntValue) // a decimal integer string
		}
	}
	return a
}

// unixNano returns the record's time in Unix nanoseconds, or 0.
func (d *headerDoc) unixNano() int64 {
	raw := string(d.Timestamp)
	if d.otlpRecord() {
		raw = d.ResourceLogs[0].ScopeLogs[0].LogRecords[0].TimeUnixNano
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// isLowerHex reports whether s is n lower-case hex digits: the only form the
// writer produces, so the only one the verifier accepts.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// parseHeader reads the segment header's attributes, in either line format.
func parseHeader(l []byte) (header, error) {
	var doc headerDoc
	var h header
	if err := json.Unmarshal(l, &doc); err != nil {
		return h, err
	}
	a := doc.attributes()
	var et string
	json.Unmarshal(a["event_type"], &et)
	if et != EventChainSegment {
		return h, errors.New("event_type is not " + EventChainSegment)
	}
	if err := json.Unmarshal(a[KeyChainSegment], &h.segment); err != nil || !isLowerHex(h.segment, 32) {
		return h, errors.New("bad segment id")
	}
	json.Unmarshal(a[KeyChainAlgorithm], &h.alg)
	h.time = doc.unixNano()
	if raw, ok := a[KeyChainPrevSeq]; ok {
		if err := json.Unmarshal(raw, &h.prevSeq); err != nil {
			return h, errors.New("bad prev_seq")
		}
		if err := json.Unmarshal(a[KeyChainPrevHead], &h.prevHead); err != nil || !isLowerHex(h.prevHead, 64) {
			return h, errors.New("bad prev_head")
		}
		h.linked = true
	}
	for _, f := range []struct {
		key string
		dst *string
		n   int
	}{{KeyChainPrevSegment, &h.prevSegment, 32}, {KeyChainKeyFingerprint, &h.keyFP, 2 * fingerprintLen}, {KeyChainHMACFingerprint, &h.hmacFP, 2 * fingerprintLen}} {
		if raw, ok := a[f.key]; ok {
			if err := json.Unmarshal(raw, f.dst); err != nil || !isLowerHex(*f.dst, f.n) {
				return h, errors.New("bad " + f.key)
			}
		}
	}
	if h.prevSegment != "" && !h.linked {
		return h, errors.New(KeyChainPrevSegment + " without " + KeyChainPrevSeq)
	}
	if raw, ok := a[KeyChainFoundBytes]; ok {
		if err := json.Unmarshal(raw, &h.foundBytes); err != nil || h.foundBytes < 0 {
			return h, errors.New("bad " + KeyChainFoundBytes)
		}
	}
	if raw, ok := a[KeyChainTruncatedAtSeq]; ok {
		if err := json.Unmarshal(raw, &h.truncatedAt); err != nil || !h.linked {
			return h, errors.New("bad " + KeyChainTruncatedAtSeq)
		}
		h.truncated = true
	}
	return h, nil
}

// headerSegment returns the segment id of a header line.
func headerSegment(l []byte) (string, bool) {
	h, err := parseHeader(l)
	return h.segment, err == nil
}
