package auditchain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// readFile checks one file. Unchained lines are held until the next
// chained line, which commits to their bytes, or until the end of their
// segment, where a final checkpoint's tail can name them.
func (v *verifier) readFile(s fileScan, lastFile bool) error {
	f, err := openRegular(s.name)
	if err != nil {
		return fmt.Errorf("auditchain: %w", err)
	}
	defer f.Close()
	// After a copytruncate the file starts with lines of the old segment,
	// before the header that records the truncation.
	var headless *header
	if h := s.first(); s.headless && h != nil && h.truncated {
		headless = h
	}
	var usage error
	err = readLines(f, func(n int, l []byte, term bool) bool {
		v.lastTerm = term
		at := lineRef{file: s.name, line: n}
		p, ok := parseChained(l)
		if !ok && v.gap != nil {
			v.resolveGap(0, false)
			return false
		}
		if !ok {
			if !fragmentLike(l) && (term || !lastFile || json.Valid(l)) {
				// Chain only ever leaves strict prefixes of its own lines:
				// a whole JSON value or foreign text was put there by
				// someone else. (A final piece without its newline may be
				// garbage a power failure left.)
				v.fail(Finding{File: s.name, Line: n, Kind: Modified, Msg: "inserted line: neither a chained line nor a fragment of one"})
				return false
			}
			v.pending = append(v.pending, at)
			v.frag = append(append(v.frag, l...), '\n')
			return true
		}
		at.seq = p.seq
		if v.gap != nil {
			v.resolveGap(p.seq, true)
			return false
		}
		if headless != nil {
			h := headless
			headless = nil
			if p.seq > 0 && !(v.have && v.seg == h.prevSegment && p.seq == v.seq+1) {
				usage = v.startHeadless(at, p, h)
				return usage == nil && v.rep.Tampered == nil
			}
		}
		usage = v.line(at, l, p)
		return usage == nil && v.rep.Tampered == nil
	})
	var long *lineTooLongError
	if errors.As(err, &long) {
		v.fail(Finding{File: s.name, Line: long.line, Kind: Modified, Msg: long.Error()})
		return nil
	}
	if err != nil {
		return fmt.Errorf("auditchain: %s: %w", s.name, err)
	}
	if v.gap != nil {
		v.resolveGap(0, false)
	}
	return usage
}

// startHeadless takes up the lines of a segment whose file was truncated
// under the writer: the first of them cannot be checked against the lines
// before it (they are in the copy, or lost); the header after them records
// the truncation, which makes the trail unprovable whatever else holds.
func (v *verifier) startHeadless(at lineRef, p parsedLine, h *header) error {
	if err := v.useKey(h, at); err != nil || v.rep.Tampered != nil {
		return err
	}
	v.notePending("fragment before lines cut by a truncation, not proven")
	v.have, v.seg, v.seq, v.head = true, h.prevSegment, p.seq, p.chain
	v.uncov = nil
	v.commit(at, p)
	return nil
}

// resolveGap decides a seq gap: when the next line is the missing one, two
// lines were swapped (or one moved forward); otherwise lines were deleted.
func (v *verifier) resolveGap(next uint64, more bool) {
	f := *v.gap
	v.gap = nil
	if more && next == v.gapSeq {
		f.Kind = Reordered
		f.Msg = fmt.Sprintf("seq %d comes after a later line: lines swapped or moved", v.gapSeq)
	}
	v.fail(f)
}

// line checks one chained line against the running state.
func (v *verifier) line(at lineRef, raw []byte, p parsedLine) error {
	if p.seq == 0 {
		return v.headerLine(at, raw, p)
	}
	blame := func(kind FindingKind, msg string) {
		if len(v.pending) > 0 { // the chain commits to the unchained lines before
			q := v.pending[0]
			v.fail(Finding{File: q.file, Line: q.line, Kind: Modified,
				Msg: fmt.Sprintf("not a chained line, and the chain breaks at %s:%d: this line was changed or inserted, or a line after it", at.file, at.line)})
			return
		}
		v.fail(Finding{File: at.file, Line: at.line, Kind: kind, Msg: msg})
	}
	switch {
	case !v.have:
		if len(v.pending) > 0 {
			blame(Deleted, "")
			return nil
		}
		v.gap = &Finding{File: at.file, Line: at.line, Kind: Deleted, Msg: "no segment header before this line (first lines deleted)"}
		v.gapSeq = 0
		return nil
	case p.seq > v.seq+1:
		if len(v.pending) > 0 {
			blame(Deleted, "")
			return nil
		}
		// Judged at the next chained line: a swap shows as a gap
		// followed by the missing line.
		v.gap = &Finding{File: at.file, Line: at.line, Kind: Deleted,
			Msg: fmt.Sprintf("seq %d, want %d: %d line(s) deleted before this line", p.seq, v.seq+1, p.seq-v.seq-1)}
		v.gapSeq = v.seq + 1
		return nil
	case p.seq <= v.seq:
		blame(Reordered, fmt.Sprintf("seq %d, want %d: line moved, duplicated or inserted", p.seq, v.seq+1))
		return nil
	case !v.check(v.head, v.frag, p):
		blame(Modified, "chain value does not match: line modified or inserted")
		return nil
	}
	if fin := v.final[v.seg]; fin != nil && p.seq > fin.cp.Seq {
		v.fail(Finding{File: at.file, Line: at.line, Kind: Modified,
			Msg: fmt.Sprintf("line after the final checkpoint %s:%d of its segment (appended after Close)", fin.file, fin.line)})
		return nil
	}
	v.notePending("fragment of a failed write, covered by the chain")
	v.commit(at, p)
	return nil
}

// headerLine checks a segment header: its link to the segment before, its
// chain value, and the end of the segment before.
func (v *verifier) headerLine(at lineRef, raw []byte, p parsedLine) error {
	bad := func(kind FindingKind, msg string) {
		v.fail(Finding{File: at.file, Line: at.line, Kind: kind, Msg: msg})
	}
	hd, err := parseHeader(raw)
	if err != nil {
		bad(Modified, "seq 0 but not a valid segment header: "+err.Error())
		return nil
	}
	if err := v.useKey(&hd, at); err != nil || v.rep.Tampered != nil {
		return err
	}
	lost := false // lines lost to a copytruncate: part of its finding
	if v.have {
		lost = hd.truncated && hd.prevSegment == v.seg && hd.prevSeq > v.seq
		switch {
		case lost:
		case !hd.linked || (hd.prevSegment != "" && hd.prevSegment != v.seg):
			bad(Reordered, "segment header does not link to the previous segment (file missing or out of order)")
			return nil
		case hd.prevSeq > v.seq:
			bad(Deleted, fmt.Sprintf("previous segment should end at seq %d but ends at seq %d: lines deleted from its end", hd.prevSeq, v.seq))
			return nil
		case hd.prevSeq != v.seq || hd.prevHead != hex.EncodeToString(v.head[:]):
			bad(Reordered, "segment header does not link to the previous line (file missing, out of order, or lines changed)")
			return nil
		}
	} else if hd.linked && !hd.truncated {
		f := Finding{File: at.file, Line: at.line, Kind: Unchecked,
			Msg: fmt.Sprintf("segment continues an earlier one (seq %d, chain %s) that was not given: the start of the series is missing", hd.prevSeq, hd.prevHead)}
		if v.opts.AllowPartialSeries {
			v.note(f)
		} else {
			v.incomplete(f)
		}
	}
	k, off, ok := v.headerSplit(genesis(v.h, hd.segment), p)
	if !ok {
		bad(Modified, "chain value does not match (header modified or wrong key)")
		return nil
	}
	// The header commits to the fragments of its own failed attempts (the
	// pending lines from k on); the lines before them end the segment
	// before, which is judged as if the header had no such fragments.
	own := append([]lineRef(nil), v.pending[k:]...)
	v.pending, v.frag = v.pending[:k], v.frag[:off]
	if v.have || k > 0 {
		v.endSegment(&hd, at)
	}
	if v.rep.Tampered != nil {
		return nil
	}
	v.pending = own
	v.notePending("fragment of a failed write of this segment header, covered by its chain")
	if hd.truncated {
		v.incomplete(v.truncationFinding(at, &hd, lost))
	}
	v.seg = hd.segment
	v.rep.Segments++
	v.segOrder = append(v.segOrder, hd.segment)
	v.uncov = nil
	v.commit(at, p)
	return nil
}

// headerSplit finds the pending lines that a header's chain commits to: a
// suffix of them (the fragments of the writer's own failed attempts at the
// header), possibly empty. It returns the index k of the first such line and
// the offset in v.frag where it starts.
func (v *verifier) headerSplit(g [sha256.Size]byte, p parsedLine) (k, off int, ok bool) {
	k, off = len(v.pending), len(v.frag)
	for {
		if v.check(g, v.frag[off:], p) {
			return k, off, true
		}
		if k == 0 {
			return 0, 0, false
		}
		k--
		off = bytes.LastIndexByte(v.frag[:off-1], '\n') + 1
	}
}

// truncationFinding describes a file truncated under the writer.
func (v *verifier) truncationFinding(at lineRef, hd *header, lost bool) Finding {
	msg := fmt.Sprintf("file truncated under the writer (copytruncate is unsupported for chained files: rename and Reopen): segment %s continues segment %s after seq %d; its earlier lines are in the copy or lost, and those written between the copy and the truncation are lost",
		hd.segment, hd.prevSegment, hd.prevSeq)
	if lost {
		msg += fmt.Sprintf(" (here seqs %d-%d)", v.seq+1, hd.prevSeq)
	}
	return Finding{File: at.file, Line: at.line, Kind: Unchecked, Msg: msg}
}

// notePending turns the held unchained lines into notes and drops them.
func (v *verifier) notePending(msg string) {
	for _, q := range v.pending {
		v.note(Finding{File: q.file, Line: q.line, Kind: Torn, Msg: msg})
	}
	v.pending, v.frag = v.pending[:0], v.frag[:0]
}

// commit makes p, which was checked, the head of the current segment.
func (v *verifier) commit(at lineRef, p parsedLine) {
	v.pending, v.frag = v.pending[:0], v.frag[:0]
	v.have, v.seq, v.head = true, p.seq, p.chain
	v.rep.Lines++
	at.seq = p.seq
	v.last[v.seg] = at
	if cov, ok := v.covered(v.seg); ok && p.seq > cov && v.uncov == nil {
		v.uncov = &at
	}
	if ck := v.cks[v.seg][p.seq]; ck != nil {
		ck.matched = true
		if ck.cp.Head != hex.EncodeToString(p.chain[:]) {
			v.fail(Finding{File: at.file, Line: at.line, Kind: Modified,
				Msg: fmt.Sprintf("does not match the signed checkpoint %s:%d (file rewritten)", ck.file, ck.line)})
		}
	}
}

// check reports whether p's chain value follows from prev and the unchained
// bytes frag before it.
func (v *verifier) check(prev [sha256.Size]byte, frag []byte, p parsedLine) bool {
	var sum [sha256.Size]byte
	v.h.Reset()
	v.h.Write(prev[:])
	v.h.Write(frag)
	v.h.Write(p.prefix)
	v.h.Sum(sum[:0])
	return sum == p.chain
}

// parsedLine is a line split into the hashed prefix and its chain value.
type parsedLine struct {
	prefix []byte // the line up to and including the seq digits
	seq    uint64
	chain  [sha256.Size]byte
}

const chainSuffixLen = len(`,"chain":"`) + 2*sha256.Size + len(`"}`)

// parseChained splits a line written by Chain. It accepts only the exact
// form Chain writes: lower-case hex, no leading zeros in seq.
func parseChained(l []byte) (p parsedLine, ok bool) {
	if len(l) < chainSuffixLen+len(`{"seq":0`) || l[0] != '{' {
		return p, false
	}
	i := len(l) - chainSuffixLen
	suf := l[i:]
	if !bytes.HasPrefix(suf, []byte(`,"chain":"`)) || !bytes.HasSuffix(suf, []byte(`"}`)) {
		return p, false
	}
	hx := suf[len(`,"chain":"`) : len(suf)-2]
	for _, c := range hx {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return p, false
		}
	}
	hex.Decode(p.chain[:], hx)
	p.prefix = l[:i]
	j := bytes.LastIndex(p.prefix, []byte(`"seq":`))
	if j < 1 || (p.prefix[j-1] != ',' && p.prefix[j-1] != '{') {
		return p, false
	}
	digits := p.prefix[j+len(`"seq":`):]
	if len(digits) == 0 || (len(digits) > 1 && digits[0] == '0') {
		return p, false
	}
	seq, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil {
		return p, false
	}
	p.seq = seq
	return p, true
}

// fragmentLike reports whether l can be what a failed write leaves: nothing,
// the start of a chained line, which is never a whole JSON value, or the NUL
// bytes a power failure can leave where data was not yet written.
func fragmentLike(l []byte) bool {
	return len(l) == 0 || (l[0] == '{' && !json.Valid(l)) || len(bytes.Trim(l, "\x00")) == 0
}
