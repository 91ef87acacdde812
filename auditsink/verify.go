package auditsink

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strconv"
)

// FindingKind classifies what Verify found.
type FindingKind int

const (
	// Modified: a line's bytes do not match its chain value (or a signed
	// checkpoint), or a line was replaced or inserted in place.
	Modified FindingKind = iota + 1
	// Deleted: lines are missing before this line.
	Deleted
	// Reordered: the line is out of order (moved, swapped or duplicated).
	Reordered
	// Truncated: a signed checkpoint commits to lines after the end.
	Truncated
	// BadCheckpoint: a checkpoint line is malformed or its signature does
	// not verify with the key.
	BadCheckpoint
	// Torn is a note: a partial line left by a crash or a failed write.
	Torn
	// Unchecked is a note: something Verify could not check.
	Unchecked
)

var kindNames = [...]string{"", "modified", "deleted", "reordered", "truncated", "bad-checkpoint", "torn", "unchecked"}

// String returns the kind's name.
func (k FindingKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Finding is one result of Verify, located at a file and 1-based line.
type Finding struct {
	File string
	Line int
	Kind FindingKind
	Msg  string
}

// String formats the finding as file:line: kind: message.
func (f Finding) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", f.File, f.Line, f.Kind, f.Msg)
}

// Report is the outcome of Verify.
type Report struct {
	// Tampered is the first problem found, nil if the files verify.
	Tampered *Finding
	// Notes are findings that do not fail verification: torn lines, links
	// to files not given, lines not yet covered by a checkpoint.
	Notes []Finding
	// Lines, Segments and Checkpoints count what was verified.
	Lines, Segments, Checkpoints int
}

// OK reports whether nothing was tampered with.
func (r *Report) OK() bool { return r.Tampered == nil }

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// PublicKey checks the checkpoints in each FILE.ckpt; nil skips them,
	// and then truncation cannot be detected (a note says so).
	PublicKey ed25519.PublicKey
	// HMACKey is the chain key; required for HMAC-SHA256 chains. When it is
	// set, a plain SHA-256 segment is reported as tampered.
	HMACKey []byte
}

// ErrHMACKeyRequired is returned by Verify for an HMAC chain without a key.
var ErrHMACKeyRequired = errors.New("auditsink: chain is hmac-sha256: an HMAC key is required")

// Verify checks chained files, given in order (a rotated series oldest
// first), and the checkpoints of their FILE.ckpt sidecars. It stops at the
// first problem. The error is for I/O and usage problems only; tampering is
// reported in Report.Tampered.
func Verify(files []string, opts *VerifyOptions) (*Report, error) {
	if len(files) == 0 {
		return nil, errors.New("auditsink: no files to verify")
	}
	var o VerifyOptions
	if opts != nil {
		o = *opts
	}
	v := &verifier{opts: o, rep: &Report{}, cks: map[string]map[uint64]*ckRef{}, last: map[string]lineRef{}}
	if o.PublicKey != nil {
		for _, f := range files {
			if err := v.readCheckpoints(f); err != nil || v.rep.Tampered != nil {
				return v.rep, err
			}
		}
	} else {
		v.note(Finding{File: files[0], Kind: Unchecked, Msg: "no public key: checkpoints not checked, a cut tail cannot be detected"})
	}
	for _, f := range files {
		if err := v.readFile(f); err != nil || v.rep.Tampered != nil {
			return v.rep, err
		}
	}
	v.finish()
	return v.rep, nil
}

type ckRef struct {
	cp      Checkpoint
	file    string
	line    int
	matched bool
}

type lineRef struct {
	file string
	line int
	seq  uint64
}

type verifier struct {
	opts     VerifyOptions
	rep      *Report
	cks      map[string]map[uint64]*ckRef
	ckOrder  []*ckRef
	last     map[string]lineRef // last line seen per segment
	segOrder []string

	// chain state
	have  bool
	seg   string
	seq   uint64
	head  [sha256.Size]byte
	h     hash.Hash
	plain bool // h is plain SHA-256

	pending []lineRef // unchained lines awaiting judgement
}

func (v *verifier) fail(f Finding) {
	if v.rep.Tampered == nil {
		v.rep.Tampered = &f
	}
}

func (v *verifier) note(f Finding) { v.rep.Notes = append(v.rep.Notes, f) }

// readLines calls fn for each line of r (without its newline); terminated
// is false for a final piece with no newline.
func readLines(r io.Reader, fn func(n int, line []byte, terminated bool) bool) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		l, err := br.ReadBytes('\n')
		if len(l) > 0 {
			term := l[len(l)-1] == '\n'
			if term {
				l = l[:len(l)-1]
			}
			if !fn(n, l, term) {
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (v *verifier) readCheckpoints(file string) error {
	name := file + ".ckpt"
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		v.note(Finding{File: name, Kind: Unchecked, Msg: "no checkpoint file: a cut tail cannot be detected"})
		return nil
	}
	if err != nil {
		return fmt.Errorf("auditsink: %w", err)
	}
	defer f.Close()
	err = readLines(f, func(n int, l []byte, term bool) bool {
		var cp Checkpoint
		at := Finding{File: name, Line: n, Kind: BadCheckpoint}
		if err := json.Unmarshal(l, &cp); err != nil {
			if !term { // a checkpoint torn by a crash
				v.note(Finding{File: name, Line: n, Kind: Torn, Msg: "torn final checkpoint line ignored"})
				return false
			}
			at.Msg = "malformed checkpoint: " + err.Error()
			v.fail(at)
			return false
		}
		sig, err := hex.DecodeString(cp.Sig)
		if err != nil || !ed25519.Verify(v.opts.PublicKey, cp.Message(), sig) {
			at.Msg = "checkpoint signature does not verify (wrong key or edited checkpoint)"
			v.fail(at)
			return false
		}
		m := v.cks[cp.Segment]
		if m == nil {
			m = map[uint64]*ckRef{}
			v.cks[cp.Segment] = m
		}
		if old, dup := m[cp.Seq]; dup && old.cp.Head != cp.Head {
			at.Msg = fmt.Sprintf("two signed checkpoints disagree on segment %s seq %d", cp.Segment, cp.Seq)
			v.fail(at)
			return false
		}
		ref := &ckRef{cp: cp, file: name, line: n}
		m[cp.Seq] = ref
		v.ckOrder = append(v.ckOrder, ref)
		v.rep.Checkpoints++
		return true
	})
	if err != nil {
		return fmt.Errorf("auditsink: %s: %w", name, err)
	}
	return nil
}

func (v *verifier) readFile(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("auditsink: %w", err)
	}
	defer f.Close()
	var usage error
	var lastTerm, lastEmpty bool
	err = readLines(f, func(n int, l []byte, term bool) bool {
		lastTerm, lastEmpty = term, len(l) == 0
		at := lineRef{file: file, line: n}
		p, ok := parseChained(l)
		if !ok {
			v.pending = append(v.pending, at)
			return true
		}
		at.seq = p.seq
		usage = v.line(at, l, p)
		return usage == nil && v.rep.Tampered == nil
	})
	if err != nil {
		return fmt.Errorf("auditsink: %s: %w", file, err)
	}
	if usage != nil || v.rep.Tampered != nil {
		return usage
	}
	if len(v.pending) > 0 {
		// Only the end of a file can hold a torn line nothing followed.
		if !lastTerm || lastEmpty {
			for _, p := range v.pending {
				v.note(Finding{File: p.file, Line: p.line, Kind: Torn, Msg: "torn line at the end of the file (crash during a write)"})
			}
		} else {
			p := v.pending[0]
			v.fail(Finding{File: p.file, Line: p.line, Kind: Modified, Msg: "not a chained line"})
		}
		v.pending = nil
	}
	return nil
}

// line checks one chained line against the running state.
func (v *verifier) line(at lineRef, raw []byte, p parsedLine) error {
	blame := func(kind FindingKind, msg string) {
		if len(v.pending) > 0 { // the unparseable line before is the culprit
			q := v.pending[0]
			v.fail(Finding{File: q.file, Line: q.line, Kind: Modified, Msg: "not a chained line"})
			return
		}
		v.fail(Finding{File: at.file, Line: at.line, Kind: kind, Msg: msg})
	}
	if p.seq == 0 {
		hd, err := parseHeader(raw)
		if err != nil {
			blame(Modified, "seq 0 but not a valid segment header: "+err.Error())
			return nil
		}
		if hd.alg != AlgSHA256 && hd.alg != AlgHMACSHA256 {
			blame(Modified, fmt.Sprintf("unknown chain algorithm %q", hd.alg))
			return nil
		}
		if err := v.useAlgorithm(hd.alg); err != nil {
			return err
		}
		if v.opts.HMACKey != nil && hd.alg != AlgHMACSHA256 {
			blame(Modified, "segment is plain sha256 but an HMAC key was given")
			return nil
		}
		if v.have {
			switch {
			case !hd.linked:
				blame(Reordered, "segment header does not link to the previous segment (file missing or out of order)")
				return nil
			case hd.prevSeq > v.seq:
				blame(Deleted, fmt.Sprintf("previous segment should end at seq %d but ends at seq %d: lines deleted from its end", hd.prevSeq, v.seq))
				return nil
			case hd.prevSeq != v.seq || hd.prevHead != hex.EncodeToString(v.head[:]):
				blame(Reordered, "segment header does not link to the previous line (file missing, out of order, or lines changed)")
				return nil
			}
		} else if hd.linked {
			v.note(Finding{File: at.file, Line: at.line, Kind: Unchecked,
				Msg: fmt.Sprintf("segment continues an earlier one (seq %d, chain %s) that was not given", hd.prevSeq, hd.prevHead)})
		}
		g := genesis(v.h, hd.segment)
		if !v.check(g, p) {
			blame(Modified, "chain value does not match (header modified or wrong key)")
			return nil
		}
		v.seg = hd.segment
		v.rep.Segments++
		v.segOrder = append(v.segOrder, hd.segment)
	} else {
		switch {
		case !v.have:
			blame(Deleted, "no segment header before this line (first lines deleted)")
			return nil
		case p.seq > v.seq+1:
			blame(Deleted, fmt.Sprintf("seq %d, want %d: %d line(s) deleted before this line", p.seq, v.seq+1, p.seq-v.seq-1))
			return nil
		case p.seq <= v.seq:
			blame(Reordered, fmt.Sprintf("seq %d, want %d: line moved, duplicated or inserted", p.seq, v.seq+1))
			return nil
		case !v.check(v.head, p):
			blame(Modified, "chain value does not match: line modified or inserted")
			return nil
		}
	}
	for _, q := range v.pending {
		v.note(Finding{File: q.file, Line: q.line, Kind: Torn, Msg: "torn line from a failed write; the chain continues after it"})
	}
	v.pending = v.pending[:0]
	v.have, v.seq, v.head = true, p.seq, p.chain
	v.rep.Lines++
	at.seq = p.seq
	v.last[v.seg] = at
	if ck := v.cks[v.seg][p.seq]; ck != nil {
		ck.matched = true
		if ck.cp.Head != hex.EncodeToString(p.chain[:]) {
			v.fail(Finding{File: at.file, Line: at.line, Kind: Modified,
				Msg: fmt.Sprintf("does not match the signed checkpoint %s:%d (file rewritten)", ck.file, ck.line)})
		}
	}
	return nil
}

// check reports whether p's chain value follows from prev.
func (v *verifier) check(prev [sha256.Size]byte, p parsedLine) bool {
	var sum [sha256.Size]byte
	v.h.Reset()
	v.h.Write(prev[:])
	v.h.Write(p.prefix)
	v.h.Sum(sum[:0])
	return sum == p.chain
}

func (v *verifier) useAlgorithm(alg string) error {
	switch alg {
	case AlgSHA256:
		if v.h == nil || !v.plain {
			v.h, v.plain = sha256.New(), true
		}
	case AlgHMACSHA256:
		if v.opts.HMACKey == nil {
			return ErrHMACKeyRequired
		}
		if v.h == nil || v.plain {
			v.h, v.plain = newChainHash(v.opts.HMACKey), false
		}
	default:
		return fmt.Errorf("auditsink: unknown chain algorithm %q", alg)
	}
	return nil
}

// finish reports checkpoints that commit to lines the files lack.
func (v *verifier) finish() {
	for _, ck := range v.ckOrder {
		if ck.matched {
			continue
		}
		last, seen := v.last[ck.cp.Segment]
		if !seen {
			v.fail(Finding{File: ck.file, Line: ck.line, Kind: Truncated,
				Msg: fmt.Sprintf("signed checkpoint names segment %s, which is missing", ck.cp.Segment)})
			return
		}
		v.fail(Finding{File: last.file, Line: last.line + 1, Kind: Truncated,
			Msg: fmt.Sprintf("file ends at seq %d but %s:%d commits to seq %d: lines cut from the end", last.seq, ck.file, ck.line, ck.cp.Seq)})
		return
	}
	if v.opts.PublicKey == nil {
		return
	}
	for _, seg := range v.segOrder {
		last := v.last[seg]
		var covered uint64
		var any bool
		for s := range v.cks[seg] {
			if !any || s > covered {
				covered, any = s, true
			}
		}
		if !any || last.seq > covered {
			n := last.seq + 1
			if any {
				n = last.seq - covered
			}
			v.note(Finding{File: last.file, Line: last.line, Kind: Unchecked,
				Msg: fmt.Sprintf("the last %d line(s) of segment %s are not covered by a signed checkpoint", n, seg)})
		}
	}
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

type header struct {
	segment  string
	alg      string
	linked   bool
	prevSeq  uint64
	prevHead string
}

// parseHeader reads the segment header's attributes.
func parseHeader(l []byte) (header, error) {
	var doc struct {
		Attributes map[string]json.RawMessage `json:"attributes"`
	}
	var h header
	if err := json.Unmarshal(l, &doc); err != nil {
		return h, err
	}
	a := doc.Attributes
	var et string
	json.Unmarshal(a["event_type"], &et)
	if et != EventChainSegment {
		return h, errors.New("event_type is not " + EventChainSegment)
	}
	if err := json.Unmarshal(a[KeyChainSegment], &h.segment); err != nil || len(h.segment) != 32 {
		return h, errors.New("bad segment id")
	}
	json.Unmarshal(a[KeyChainAlgorithm], &h.alg)
	if raw, ok := a[KeyChainPrevSeq]; ok {
		if err := json.Unmarshal(raw, &h.prevSeq); err != nil {
			return h, errors.New("bad prev_seq")
		}
		if err := json.Unmarshal(a[KeyChainPrevHead], &h.prevHead); err != nil {
			return h, errors.New("bad prev_head")
		}
		h.linked = true
	}
	return h, nil
}

// headerSegment returns the segment id of a header line.
func headerSegment(l []byte) (string, bool) {
	h, err := parseHeader(l)
	return h.segment, err == nil
}
