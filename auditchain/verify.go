package auditchain

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
	// Torn: a partial line left by a crash or a failed write. A fragment
	// that a later chained line commits to is a note; one at the end of the
	// trail, which nothing commits to, makes the report incomplete.
	Torn
	// Unchecked: something Verify could not check (no public key, a series
	// whose earlier files were not given).
	Unchecked
	// MissingCheckpoint: with a public key, a FILE.ckpt that is missing or
	// empty, or a segment with no signed checkpoint at all. Chain writes one
	// right after each segment header, so this means checkpoints were
	// deleted, and with them the proof that the lines were not rewritten.
	MissingCheckpoint
	// Unclosed: the last segment has lines after its last checkpoint, or no
	// final checkpoint (written by Close and Reopen): the writer crashed, or
	// the tail was cut. It makes the report incomplete, not tampered.
	Unclosed
)

var kindNames = [...]string{"", "modified", "deleted", "reordered", "truncated", "bad-checkpoint", "torn", "unchecked", "missing-checkpoint", "unclosed"}

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
	// Incomplete lists what keeps the end of the trail from being proven
	// even though nothing was found tampered with: a torn final line, lines
	// after the last signed checkpoint, a last segment without a final
	// checkpoint (a crash, or a cut exactly at a checkpoint), a series whose
	// earlier files were not given. auditkit-verify exits with 3 for these.
	Incomplete []Finding
	// Notes are findings that do not fail verification: fragments of failed
	// writes that the chain covers, a crash the next segment recovered from,
	// checks skipped on request.
	Notes []Finding
	// Lines, Segments and Checkpoints count what was verified.
	Lines, Segments, Checkpoints int
}

// OK reports whether nothing was tampered with. The trail may still be
// incomplete at its end; see Complete.
func (r *Report) OK() bool { return r.Tampered == nil }

// Complete reports whether nothing was tampered with and the whole trail,
// up to its end, is proven: OK and nothing Incomplete.
func (r *Report) Complete() bool { return r.Tampered == nil && len(r.Incomplete) == 0 }

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// PublicKey checks the checkpoints in each FILE.ckpt; nil skips them,
	// and then truncation cannot be detected (a note says so). With a key,
	// every FILE.ckpt must exist and every segment must have a checkpoint:
	// Chain writes one right after each segment header.
	PublicKey ed25519.PublicKey
	// HMACKey is the chain key; required for HMAC-SHA256 chains. When it is
	// set, a plain SHA-256 segment is reported as tampered. An empty non-nil
	// key is an error.
	HMACKey []byte
	// AllowPartialSeries accepts a first file whose segment continues an
	// earlier one that was not given (older files deleted by rotation): a
	// note instead of an Incomplete finding.
	AllowPartialSeries bool
}

// ErrHMACKeyRequired is returned by Verify for an HMAC chain without a key.
var ErrHMACKeyRequired = errors.New("auditchain: chain is hmac-sha256: an HMAC key is required")

// Verify checks chained files, given in order (a rotated series oldest
// first), and the checkpoints of their FILE.ckpt sidecars. It stops at the
// first problem. The error is for I/O and usage problems only; tampering is
// reported in Report.Tampered, an end of the trail it cannot prove in
// Report.Incomplete.
func Verify(files []string, opts *VerifyOptions) (*Report, error) {
	if len(files) == 0 {
		return nil, errors.New("auditchain: no files to verify")
	}
	var o VerifyOptions
	if opts != nil {
		o = *opts
	}
	if o.HMACKey != nil && len(o.HMACKey) == 0 {
		return nil, errors.New("auditchain: HMACKey is empty")
	}
	if o.PublicKey != nil && len(o.PublicKey) != ed25519.PublicKeySize {
		return nil, errors.New("auditchain: PublicKey is not an Ed25519 public key")
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("auditchain: %w", err)
		}
	}
	v := &verifier{opts: o, rep: &Report{}, cks: map[string]map[uint64]*ckRef{}, final: map[string]*ckRef{}, last: map[string]lineRef{}}
	if o.PublicKey != nil {
		for _, f := range files {
			if err := v.readCheckpoints(f); err != nil || v.rep.Tampered != nil {
				return v.rep, err
			}
		}
	} else {
		v.note(Finding{File: files[0], Kind: Unchecked, Msg: "no public key: checkpoints not checked, a cut tail cannot be detected"})
	}
	for i, f := range files {
		if err := v.readFile(f, i == len(files)-1); err != nil || v.rep.Tampered != nil {
			return v.rep, err
		}
	}
	v.finish()
	if v.rep.Tampered != nil {
		v.rep.Incomplete = nil // the first problem is the whole story
	}
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
	final    map[string]*ckRef // the final checkpoint of each segment
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
	frag    []byte    // their bytes, each followed by \n: the next line commits to them
	gap     *Finding  // a seq gap, Deleted unless the missing line comes next (a swap)
	gapSeq  uint64    // the seq that was missing
}

func (v *verifier) fail(f Finding) {
	if v.rep.Tampered == nil {
		v.rep.Tampered = &f
	}
}

func (v *verifier) note(f Finding) { v.rep.Notes = append(v.rep.Notes, f) }

func (v *verifier) incomplete(f Finding) { v.rep.Incomplete = append(v.rep.Incomplete, f) }

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
		// Chain writes a checkpoint with every segment header: a signed
		// chain without its sidecar lost the proof that it was not rewritten.
		v.fail(Finding{File: name, Kind: MissingCheckpoint, Msg: "checkpoint file missing: the chain could have been rewritten (verify with -unsigned only if the file was never signed)"})
		return nil
	}
	if err != nil {
		return fmt.Errorf("auditchain: %w", err)
	}
	defer f.Close()
	found := 0
	err = readLines(f, func(n int, l []byte, term bool) bool {
		var cp Checkpoint
		at := Finding{File: name, Line: n, Kind: BadCheckpoint}
		err := json.Unmarshal(l, &cp)
		if err == nil && !bytes.Equal(cp.AppendJSON(nil), append(l, '\n')) {
			// Only the exact form Chain writes: a renamed or extra key
			// must not slip past the signature as a default value.
			err = errors.New("not in canonical form")
		}
		if err != nil {
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
		ref, dup := m[cp.Seq]
		if !dup {
			ref = &ckRef{cp: cp, file: name, line: n}
			m[cp.Seq] = ref
			v.ckOrder = append(v.ckOrder, ref)
		} else if cp.Final { // Close after Checkpoint: the same head, now final
			ref.cp, ref.file, ref.line = cp, name, n
		}
		if cp.Final {
			if old := v.final[cp.Segment]; old != nil && old.cp.Seq != cp.Seq {
				at.Msg = fmt.Sprintf("two final checkpoints for segment %s (seq %d and %d)", cp.Segment, old.cp.Seq, cp.Seq)
				v.fail(at)
				return false
			}
			v.final[cp.Segment] = ref
		}
		v.rep.Checkpoints++
		found++
		return true
	})
	if err != nil {
		return fmt.Errorf("auditchain: %s: %w", name, err)
	}
	if found == 0 && v.rep.Tampered == nil {
		v.fail(Finding{File: name, Kind: MissingCheckpoint, Msg: "checkpoint file has no checkpoint: the chain could have been rewritten"})
	}
	return nil
}

// readFile checks one file. Unchained lines are held until the next
// chained line, which commits to their bytes; only at the end of the last
// file can they stay unbound.
func (v *verifier) readFile(file string, lastFile bool) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("auditchain: %w", err)
	}
	defer f.Close()
	var usage error
	var lastTerm bool
	err = readLines(f, func(n int, l []byte, term bool) bool {
		lastTerm = term
		at := lineRef{file: file, line: n}
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
				v.fail(Finding{File: file, Line: n, Kind: Modified, Msg: "inserted line: neither a chained line nor a fragment of one"})
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
		usage = v.line(at, l, p)
		return usage == nil && v.rep.Tampered == nil
	})
	if err != nil {
		return fmt.Errorf("auditchain: %s: %w", file, err)
	}
	if v.gap != nil {
		v.resolveGap(0, false)
	}
	if usage != nil || v.rep.Tampered != nil {
		return usage
	}
	if lastFile && len(v.pending) > 0 {
		// Nothing commits to the end of the trail: a crash in the middle of
		// a write, a write that failed just before Close, or an append.
		for _, p := range v.pending {
			v.incomplete(Finding{File: p.file, Line: p.line, Kind: Torn, Msg: "torn line at the end, not covered by the chain (crash or failed write)"})
		}
		if !lastTerm && len(v.pending) == 1 {
			v.rep.Incomplete[len(v.rep.Incomplete)-1].Msg = "torn final line, not covered by the chain (crash during a write)"
		}
		v.pending, v.frag = nil, v.frag[:0]
	}
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
	blame := func(kind FindingKind, msg string) {
		if len(v.pending) > 0 { // the chain commits to the unchained lines before
			q := v.pending[0]
			v.fail(Finding{File: q.file, Line: q.line, Kind: Modified,
				Msg: fmt.Sprintf("not a chained line, and the chain breaks at %s:%d: this line was changed or inserted, or a line after it", at.file, at.line)})
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
			if fin := v.final[v.seg]; fin == nil && v.opts.PublicKey != nil {
				last := v.last[v.seg]
				v.note(Finding{File: last.file, Line: last.line, Kind: Unclosed,
					Msg: fmt.Sprintf("segment %s ended without a final checkpoint (crash); the next segment's header commits to its last line", v.seg)})
			}
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
			f := Finding{File: at.file, Line: at.line, Kind: Unchecked,
				Msg: fmt.Sprintf("segment continues an earlier one (seq %d, chain %s) that was not given: the start of the series is missing", hd.prevSeq, hd.prevHead)}
			if v.opts.AllowPartialSeries {
				v.note(f)
			} else {
				v.incomplete(f)
			}
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
		case !v.check(v.head, p):
			blame(Modified, "chain value does not match: line modified or inserted")
			return nil
		}
		if fin := v.final[v.seg]; fin != nil && p.seq > fin.cp.Seq {
			v.fail(Finding{File: at.file, Line: at.line, Kind: Modified,
				Msg: fmt.Sprintf("line after the final checkpoint %s:%d of its segment (appended after Close)", fin.file, fin.line)})
			return nil
		}
	}
	for _, q := range v.pending {
		v.note(Finding{File: q.file, Line: q.line, Kind: Torn, Msg: "fragment of a failed write, covered by the chain"})
	}
	v.pending, v.frag = v.pending[:0], v.frag[:0]
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
	v.h.Write(v.frag)
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
		return fmt.Errorf("auditchain: unknown chain algorithm %q", alg)
	}
	return nil
}

// finish reports checkpoints that commit to lines the files lack, segments
// without checkpoints, and an end of the trail that no final checkpoint
// covers.
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
	for i, seg := range v.segOrder {
		last := v.last[seg]
		var covered uint64
		var any bool
		for s := range v.cks[seg] {
			if !any || s > covered {
				covered, any = s, true
			}
		}
		if !any {
			v.fail(Finding{File: last.file, Line: last.line, Kind: MissingCheckpoint,
				Msg: fmt.Sprintf("segment %s has %d line(s) but no signed checkpoint: checkpoints deleted, the chain could have been rewritten", seg, last.seq+1)})
			return
		}
		if i < len(v.segOrder)-1 {
			continue // the next segment's header commits to this one's end
		}
		switch {
		case last.seq > covered:
			v.incomplete(Finding{File: last.file, Line: last.line, Kind: Unclosed,
				Msg: fmt.Sprintf("the last %d line(s) of segment %s are not covered by a signed checkpoint (crash, or lines cut and others appended)", last.seq-covered, seg)})
		case v.final[seg] == nil:
			v.incomplete(Finding{File: last.file, Line: last.line, Kind: Unclosed,
				Msg: fmt.Sprintf("segment %s was not closed cleanly (crash or cut): no final checkpoint", seg)})
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

// headerDoc is a segment header in either line format: the JSON lines
// envelope's attributes object, or one OTLP/JSON log record's attribute list
// (string and integer values, which is all a header has).
type headerDoc struct {
	Attributes   map[string]json.RawMessage `json:"attributes"`
	ResourceLogs []struct {
		ScopeLogs []struct {
			LogRecords []struct {
				Attributes []struct {
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

// attributes returns the header's attributes as JSON values.
func (d *headerDoc) attributes() map[string]json.RawMessage {
	if d.Attributes != nil || len(d.ResourceLogs) != 1 || len(d.ResourceLogs[0].ScopeLogs) != 1 ||
		len(d.ResourceLogs[0].ScopeLogs[0].LogRecords) != 1 {
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

// fragmentLike reports whether l can be what a failed write leaves: nothing,
// the start of a chained line, which is never a whole JSON value, or the NUL
// bytes a power failure can leave where data was not yet written.
func fragmentLike(l []byte) bool {
	return len(l) == 0 || (l[0] == '{' && !json.Valid(l)) || len(bytes.Trim(l, "\x00")) == 0
}
