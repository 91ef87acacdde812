package auditchain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
)

// FindingKind classifies what Verify found.
type FindingKind int

const (
	// Modified: a line's bytes do not match its chain value (or a signed
	// checkpoint), a line was replaced or inserted in place, or bytes follow
	// a final checkpoint.
	Modified FindingKind = iota + 1
	// Deleted: lines are missing before this line.
	Deleted
	// Reordered: the line is out of order (moved, swapped or duplicated).
	Reordered
	// Truncated: a signed checkpoint (in a sidecar or a witness) commits to
	// lines or a whole segment that the trail lacks.
	Truncated
	// BadCheckpoint: a checkpoint line is malformed, not canonical, or its
	// signature does not verify with the key.
	BadCheckpoint
	// Torn: a partial line left by a crash or a failed write. A fragment
	// that a later chained line or a final checkpoint commits to is a note;
	// one that nothing commits to makes the report incomplete.
	Torn
	// Unchecked: something Verify could not check (no public key, a series
	// whose earlier files were not given, a file truncated under the writer).
	Unchecked
	// MissingCheckpoint: with a public key, a FILE.ckpt that is missing or
	// empty, or a segment with no signed checkpoint at all. Chain writes one
	// right after each segment header, so this means checkpoints were
	// deleted, and with them the proof that the lines were not rewritten.
	MissingCheckpoint
	// Unclosed: lines after a segment's last signed checkpoint, or a last
	// segment without a final checkpoint (written by Close and Reopen): the
	// writer crashed, or the tail was cut. It makes the report incomplete,
	// not tampered.
	Unclosed
	// Stale: the newest checkpoint is older than VerifyOptions.MaxAge.
	Stale
)

var kindNames = [...]string{"", "modified", "deleted", "reordered", "truncated", "bad-checkpoint", "torn", "unchecked", "missing-checkpoint", "unclosed", "stale"}

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
	// Incomplete lists what keeps the trail from being proven even though
	// nothing was found tampered with: a torn final line, lines after the
	// last signed checkpoint of a crashed segment (for good: a later segment
	// records them, it never vouches for them), a last segment without a
	// final checkpoint, a series whose earlier files were not given, a file
	// truncated under the writer. auditkit-verify exits with 3 for these.
	Incomplete []Finding
	// Stale is set when VerifyOptions.MaxAge is and the newest checkpoint is
	// older (auditkit-verify exits with 4 when nothing worse was found).
	Stale *Finding
	// Notes are findings that do not fail verification: fragments of failed
	// writes that the chain covers, a crash the next segment recovered from,
	// accepted crash ranges, checks skipped on request.
	Notes []Finding
	// LastCheckpoint is the time of the newest validly signed checkpoint,
	// from the sidecars or a witness; zero without a public key or without
	// checkpoints. Without a witness or MaxAge, a trail cut at a final
	// checkpoint verifies, and only this time shows how old its end is.
	LastCheckpoint time.Time
	// Lines, Segments and Checkpoints count what was verified (Checkpoints:
	// in the sidecars); Witnessed counts the validly signed witness entries.
	Lines, Segments, Checkpoints, Witnessed int
}

// OK reports whether nothing was tampered with. The trail may still be
// incomplete; see Complete.
func (r *Report) OK() bool { return r.Tampered == nil }

// Complete reports whether nothing was tampered with and the whole trail
// is proven: OK and nothing Incomplete. It does not look at Stale.
func (r *Report) Complete() bool { return r.Tampered == nil && len(r.Incomplete) == 0 }

// Range names lines SEGMENT:FROM-TO (seqs, inclusive) of one segment: the
// form in which Verify reports a crash range and VerifyOptions.Accept takes
// one back after review.
type Range struct {
	Segment  string
	From, To uint64
}

// String formats the range as SEGMENT:FROM-TO.
func (r Range) String() string { return fmt.Sprintf("%s:%d-%d", r.Segment, r.From, r.To) }

// covers reports whether r includes all of o.
func (r Range) covers(o Range) bool {
	return r.Segment == o.Segment && r.From <= o.From && r.To >= o.To
}

// ParseRange parses SEGMENT:FROM-TO, as Verify prints it.
func ParseRange(s string) (Range, error) {
	var r Range
	seg, span, ok := strings.Cut(s, ":")
	from, to, ok2 := strings.Cut(span, "-")
	var err1, err2 error
	if ok && ok2 {
		r.From, err1 = strconv.ParseUint(from, 10, 64)
		r.To, err2 = strconv.ParseUint(to, 10, 64)
	}
	if !ok || !ok2 || err1 != nil || err2 != nil || !isLowerHex(seg, 32) || r.From > r.To {
		return Range{}, fmt.Errorf("auditchain: range %q is not SEGMENT:FROM-TO (32 lower-case hex, then seqs)", s)
	}
	r.Segment = seg
	return r, nil
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// PublicKey checks the checkpoints in each FILE.ckpt; nil skips them,
	// and then truncation cannot be detected (a note says so). With a key,
	// every FILE.ckpt must exist and every segment must have a checkpoint:
	// Chain writes one right after each segment header.
	PublicKey ed25519.PublicKey
	// HMACKey is the chain key; required for HMAC-SHA256 chains. When a
	// header names the key's fingerprint, the key is also tried without one
	// trailing newline (a key file written by echo). When it is set, a plain
	// SHA-256 segment is reported as tampered. An empty non-nil key is an
	// error.
	HMACKey []byte
	// AllowPartialSeries accepts a first file whose segment continues an
	// earlier one that was not given (older files deleted by rotation): a
	// note instead of an Incomplete finding.
	AllowPartialSeries bool
	// Witness names files holding copies of the checkpoints that the host
	// cannot take back (ChainOptions.Witness): checkpoint lines, or JSON
	// lines with the line in a string field "_msg" or
	// "audit.chain.checkpoint" (a log database export). Every validly signed
	// entry must be matched by the trail, which makes a cut at a clean
	// boundary (a whole segment or file) detectable. Requires PublicKey.
	Witness []string
	// MaxAge, when positive, makes a newest checkpoint older than MaxAge a
	// Report.Stale finding, so that a periodic check notices a live trail
	// whose end was cut (the writer signs heartbeats with
	// ChainOptions.HeartbeatInterval). With it, a last segment that is still
	// being written is a note while it is fresh. Requires PublicKey.
	MaxAge time.Duration
	// Now is the clock for MaxAge; nil means time.Now.
	Now func() time.Time
	// Accept lists crash ranges that were reviewed: an unproven range
	// inside one of them is a note ("accepted") instead of Incomplete.
	Accept []Range
}

// ErrHMACKeyRequired is returned by Verify for an HMAC chain without a key.
var ErrHMACKeyRequired = errors.New("auditchain: chain is hmac-sha256: an HMAC key is required")

// Verify checks chained files (a rotated series in any order: it is put in
// chain order by the headers' links; FILE.ckpt names are skipped with a
// note) against the checkpoints of their FILE.ckpt sidecars and the
// witnesses; FILE.lock names, which a glob picks up too, are skipped as
// well. The error is for options and I/O problems (a trail file that
// cannot be read); tampering is reported in Report.Tampered, what cannot be
// proven in Report.Incomplete.
func Verify(files []string, opts *VerifyOptions) (*Report, error) {
	var o VerifyOptions
	if opts != nil {
		o = *opts
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	rep := &Report{}
	var trail []string
	for _, f := range files {
		if strings.HasSuffix(f, ".ckpt") || strings.HasSuffix(f, ".lock") {
			// What a shell glob over the log directory picks up.
			rep.Notes = append(rep.Notes, Finding{File: f, Kind: Unchecked, Msg: "checkpoint or lock file given as a trail file: skipped (checkpoints are read next to their trail file)"})
			continue
		}
		trail = append(trail, f)
	}
	if len(trail) == 0 {
		return nil, errors.New("auditchain: no files to verify")
	}
	scans := make([]fileScan, len(trail))
	for i, f := range trail {
		var err error
		if scans[i], err = scanFile(f); err != nil {
			return nil, err
		}
	}
	scans = chainOrder(scans)
	if n := orderNote(trail, scans); n != "" {
		rep.Notes = append(rep.Notes, Finding{File: scans[0].name, Kind: Unchecked, Msg: n})
	}
	v := newVerifier(o, rep, scans)
	if err := v.run(); err != nil {
		return v.rep, err
	}
	if v.rep.Tampered != nil {
		v.rep.Incomplete = nil // the first problem is the whole story
	}
	return v.rep, nil
}

func (o *VerifyOptions) check() error {
	if o.HMACKey != nil && len(o.HMACKey) == 0 {
		return errors.New("auditchain: HMACKey is empty")
	}
	if o.PublicKey != nil && len(o.PublicKey) != ed25519.PublicKeySize {
		return errors.New("auditchain: PublicKey is not an Ed25519 public key")
	}
	if o.PublicKey == nil && (len(o.Witness) > 0 || o.MaxAge > 0) {
		return errors.New("auditchain: Witness and MaxAge need the PublicKey that signed the checkpoints")
	}
	if o.MaxAge < 0 {
		return errors.New("auditchain: MaxAge is negative")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

type ckRef struct {
	cp      Checkpoint
	file    string
	line    int
	witness bool
	matched bool
}

type lineRef struct {
	file string
	line int
	seq  uint64
}

type verifier struct {
	opts  VerifyOptions
	rep   *Report
	scans []fileScan
	hdrs  map[string]header // every segment header in the trail, by segment

	cks      map[string]map[uint64]*ckRef
	final    map[string]*ckRef // the final checkpoint of each segment
	ckOrder  []*ckRef
	maxCk    map[string]uint64  // the highest checkpointed seq per segment
	last     map[string]lineRef // last line seen per segment
	segOrder []string
	earliest int64 // the trail's earliest header or sidecar checkpoint time
	newest   *ckRef
	trunc    map[string]bool // segments continued after a truncation
	// firstPrev is the segment the trail's first header continues.
	firstPrev string

	// chain state
	have   bool
	seg    string
	seq    uint64
	head   [sha256.Size]byte
	h      hash.Hash
	plain  bool   // h is plain SHA-256
	hkey   []byte // h's key
	keyMsg bool   // the trimmed-key note was given
	uncov  *lineRef
	fresh  bool // MaxAge set and the newest checkpoint is within it

	pending  []lineRef // unchained lines awaiting judgement
	frag     []byte    // their bytes, each followed by \n: the next line commits to them
	lastTerm bool      // the last line read ended in \n
	gap      *Finding  // a seq gap, Deleted unless the missing line comes next (a swap)
	gapSeq   uint64    // the seq that was missing
}

func newVerifier(o VerifyOptions, rep *Report, scans []fileScan) *verifier {
	v := &verifier{opts: o, rep: rep, scans: scans, hdrs: map[string]header{},
		cks: map[string]map[uint64]*ckRef{}, final: map[string]*ckRef{}, last: map[string]lineRef{}, trunc: map[string]bool{}}
	for i, s := range scans {
		for j, h := range s.headers {
			v.hdrs[h.segment] = h
			if h.time > 0 && (v.earliest == 0 || h.time < v.earliest) {
				v.earliest = h.time
			}
			if h.truncated {
				v.trunc[h.prevSegment] = true
			}
			if i == 0 && j == 0 && !s.headless && h.linked {
				v.firstPrev = h.prevSegment
			}
		}
	}
	return v
}

func (v *verifier) run() error {
	if v.opts.PublicKey != nil {
		for _, s := range v.scans {
			if err := v.readCheckpoints(s.name); err != nil || v.rep.Tampered != nil {
				return err
			}
		}
		for _, w := range v.opts.Witness {
			if err := v.readWitness(w); err != nil || v.rep.Tampered != nil {
				return err
			}
		}
		v.indexCheckpoints()
		v.freshness()
	} else {
		v.note(Finding{File: v.scans[0].name, Kind: Unchecked, Msg: "no public key: checkpoints not checked, a cut tail cannot be detected"})
	}
	for i, s := range v.scans {
		if err := v.readFile(s, i == len(v.scans)-1); err != nil || v.rep.Tampered != nil {
			return err
		}
	}
	// Checkpoints that commit to lines the trail lacks come first: they say
	// more about a changed end than the bytes left there.
	v.finish()
	v.endTrail()
	return nil
}

func (v *verifier) fail(f Finding) {
	if v.rep.Tampered == nil {
		v.rep.Tampered = &f
	}
}

func (v *verifier) note(f Finding) { v.rep.Notes = append(v.rep.Notes, f) }

func (v *verifier) incomplete(f Finding) { v.rep.Incomplete = append(v.rep.Incomplete, f) }

// freshness sets LastCheckpoint and, with MaxAge, Stale.
func (v *verifier) freshness() {
	if v.newest == nil {
		if v.opts.MaxAge > 0 {
			v.rep.Stale = &Finding{File: v.scans[0].name, Kind: Stale, Msg: "no checkpoint at all"}
		}
		return
	}
	t := time.Unix(0, v.newest.cp.Time)
	v.rep.LastCheckpoint = t
	if v.opts.MaxAge <= 0 {
		return
	}
	age := v.opts.Now().Sub(t)
	if age > v.opts.MaxAge {
		v.rep.Stale = &Finding{File: v.newest.file, Line: v.newest.line, Kind: Stale,
			Msg: fmt.Sprintf("newest checkpoint is %s old (made %s), more than -max-age %s: the writer stopped, or the end of the trail was cut",
				age.Round(time.Second), t.UTC().Format(time.RFC3339), v.opts.MaxAge)}
		return
	}
	v.fresh = true
}
