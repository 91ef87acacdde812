package auditchain

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// fileScan is what a first pass over a trail file finds: enough to put a
// rotated series in chain order and to know every segment header before the
// checkpoints are read.
type fileScan struct {
	name     string
	headers  []header // in file order
	headless bool     // chained lines come before the first header
	lastSeq  uint64   // the last chained line
	lastHead string
	hasLine  bool
}

// first returns the file's first header, or nil.
func (s *fileScan) first() *header {
	if len(s.headers) == 0 {
		return nil
	}
	return &s.headers[0]
}

// lastSegment returns the segment of the file's last header, or "".
func (s *fileScan) lastSegment() string {
	if len(s.headers) == 0 {
		return ""
	}
	return s.headers[len(s.headers)-1].segment
}

// scanFile reads name once for its headers and its last chained line.
func scanFile(name string) (fileScan, error) {
	s := fileScan{name: name}
	f, err := openRegular(name)
	if err != nil {
		return s, fmt.Errorf("auditchain: %w", err)
	}
	defer f.Close()
	err = readLines(f, func(_ int, l []byte, _ bool) bool {
		p, ok := parseChained(l)
		if !ok {
			return true
		}
		if p.seq == 0 {
			if h, err := parseHeader(l); err == nil {
				s.headers = append(s.headers, h)
			}
		} else if len(s.headers) == 0 {
			s.headless = true
		}
		s.lastSeq, s.lastHead, s.hasLine = p.seq, hex.EncodeToString(p.chain[:]), true
		return true
	})
	var long *lineTooLongError
	if err != nil && !errors.As(err, &long) { // readFile reports a long line
		return s, fmt.Errorf("auditchain: %s: %w", name, err)
	}
	return s, nil
}

// follows reports whether file b continues file a: b's first header links
// to a's last segment (by prev_segment, or for older headers by the seq and
// chain value of a's last line).
func follows(a, b *fileScan) bool {
	h := b.first()
	if h == nil || !h.linked || !a.hasLine {
		return false
	}
	if h.prevSegment != "" {
		// After a copytruncate, b starts with lines of that same segment
		// before its header: the link holds as well.
		return h.prevSegment == a.lastSegment()
	}
	return h.prevSeq == a.lastSeq && h.prevHead == a.lastHead
}

// chainOrder returns the files in chain order when their links make one
// unambiguous chain through all of them, and otherwise the given order (the
// verifier then reports where the links break).
func chainOrder(scans []fileScan) []fileScan {
	n := len(scans)
	if n < 2 {
		return scans
	}
	next := make([]int, n)
	hasPrev := make([]bool, n)
	for i := range next {
		next[i] = -1
	}
	for i := range scans {
		for j := range scans {
			if i == j || !follows(&scans[i], &scans[j]) {
				continue
			}
			if next[i] != -1 || hasPrev[j] {
				return scans // ambiguous
			}
			next[i], hasPrev[j] = j, true
		}
	}
	start := -1
	for i := range scans {
		if !hasPrev[i] {
			if start != -1 {
				return scans // two starts: a file is missing or unrelated
			}
			start = i
		}
	}
	if start == -1 {
		return scans
	}
	out := make([]fileScan, 0, n)
	for i := start; i != -1 && len(out) < n; i = next[i] {
		out = append(out, scans[i])
	}
	if len(out) != n {
		return scans
	}
	return out
}

// orderNote describes a reordering, or returns "" when the order is kept.
func orderNote(given []string, got []fileScan) string {
	names := make([]string, len(got))
	moved := false
	for i := range got {
		names[i] = got[i].name
		moved = moved || names[i] != given[i]
	}
	if !moved {
		return ""
	}
	return "files put in chain order (oldest first): " + strings.Join(names, ", ")
}
