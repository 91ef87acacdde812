package auditchain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// useKey sets up the chain hash for a segment header: SHA-256, or
// HMAC-SHA256 under the given key, or under the key without a trailing
// newline when that is the one whose fingerprint the header names.
func (v *verifier) useKey(hd *header, at lineRef) error {
	switch hd.alg {
	case AlgSHA256:
		if v.opts.HMACKey != nil {
			v.fail(Finding{File: at.file, Line: at.line, Kind: Modified, Msg: "segment is plain sha256 but an HMAC key was given"})
			return nil
		}
		if v.h == nil || !v.plain {
			v.h, v.plain, v.hkey = sha256.New(), true, nil
		}
		return nil
	case AlgHMACSHA256:
	default:
		v.fail(Finding{File: at.file, Line: at.line, Kind: Modified, Msg: fmt.Sprintf("unknown chain algorithm %q", hd.alg)})
		return nil
	}
	if v.opts.HMACKey == nil {
		if hd.hmacFP != "" {
			return fmt.Errorf("%w (%s:%d: the chain's key has fingerprint %s)", ErrHMACKeyRequired, at.file, at.line, hd.hmacFP)
		}
		return ErrHMACKeyRequired
	}
	key := v.opts.HMACKey
	if hd.hmacFP != "" {
		key = nil
		for _, k := range keyCandidates(v.opts.HMACKey) {
			if HMACFingerprint(k) == hd.hmacFP {
				key = k
				break
			}
		}
		if key == nil {
			v.fail(Finding{File: at.file, Line: at.line, Kind: Modified,
				Msg: fmt.Sprintf("wrong HMAC key: the chain is signed by key fingerprint %s, you gave %s", hd.hmacFP, HMACFingerprint(v.opts.HMACKey))})
			return nil
		}
		if len(key) != len(v.opts.HMACKey) && !v.keyMsg {
			v.keyMsg = true
			v.note(Finding{File: at.file, Line: at.line, Kind: Unchecked, Msg: "the HMAC key ends in a newline; the key without it has the chain's fingerprint and was used"})
		}
	}
	if v.h == nil || v.plain || !bytes.Equal(key, v.hkey) {
		v.h, v.plain, v.hkey = newChainHash(key), false, key
	}
	return nil
}

// keyCandidates returns a key as given, then without one trailing "\r\n"
// or "\n".
func keyCandidates(key []byte) [][]byte {
	out := [][]byte{key}
	for _, nl := range []string{"\r\n", "\n"} {
		if k, ok := bytes.CutSuffix(key, []byte(nl)); ok && len(k) > 0 {
			return append(out, k)
		}
	}
	return out
}

// foundMatches reports whether n unchained bytes, as the verifier reads
// them, are what a header's found_bytes records. The writer counts the
// newline it starts the header with when the file did not end in one, which
// is the only newline a line that lacked just its own adds.
func foundMatches(found int64, n int) bool {
	return found == int64(n) || (n == 0 && found == 1)
}

// tailMatches reports whether the unchained bytes after a final checkpoint
// are exactly the writer's own fragments that it names.
func tailMatches(fin *ckRef, t []byte) bool {
	if fin.cp.Tail == "" {
		return len(t) == 0
	}
	sum := sha256.Sum256(t)
	return len(t) > 0 && hex.EncodeToString(sum[:]) == fin.cp.Tail
}

// afterFinal reports bytes after a final checkpoint that it does not name,
// or a fragment it names that is gone.
func (v *verifier) afterFinal(fin *ckRef) {
	if len(v.pending) > 0 {
		q := v.pending[0]
		v.fail(Finding{File: q.file, Line: q.line, Kind: Modified,
			Msg: fmt.Sprintf("bytes after the final checkpoint %s:%d of segment %s (appended after Close): nothing after a final checkpoint is proven, whatever a later header says", fin.file, fin.line, fin.cp.Segment)})
		return
	}
	last := v.last[fin.cp.Segment]
	v.fail(Finding{File: last.file, Line: last.line + 1, Kind: Modified,
		Msg: fmt.Sprintf("the final checkpoint %s:%d names a fragment after seq %d that is gone", fin.file, fin.line, fin.cp.Seq)})
}

// endSegment judges the end of the current segment when the header of the
// next one (next, at at) arrives: the unchained bytes between them, and, for
// a segment without a final checkpoint (a crash), the lines no checkpoint
// covers, which no later segment can vouch for.
func (v *verifier) endSegment(next *header, at lineRef) {
	t := v.frag
	if !v.have {
		if next.foundBytes > 0 && foundMatches(next.foundBytes, len(t)) {
			v.notePending("bytes before the first segment header, found by the writer when it started (not proven)")
			return
		}
		q := v.pending[0]
		v.fail(Finding{File: q.file, Line: q.line, Kind: Modified, Msg: "not a chained line, and no segment before it: inserted"})
		return
	}
	if fin := v.final[v.seg]; fin != nil {
		switch {
		case !tailMatches(fin, t):
			v.afterFinal(fin)
		case next.foundBytes > 0 && !foundMatches(next.foundBytes, len(t)):
			v.foundMismatch(next, at, len(t))
		default:
			v.notePending("fragment of a failed write, named by the final checkpoint")
		}
		return
	}
	if !foundMatches(next.foundBytes, len(t)) {
		if v.opts.PublicKey != nil || next.foundBytes > 0 {
			v.foundMismatch(next, at, len(t))
			return
		}
		v.notePending("fragment after the end of a segment: only its final checkpoint can prove it (no public key)")
		return
	}
	if v.opts.PublicKey == nil {
		v.notePending("fragment after the end of a segment, found by the writer when it started (not proven)")
		return
	}
	if !next.truncated { // a truncation is its own finding
		v.crashRange(len(t) > 0)
	}
	v.notePending("torn line of a crashed segment, found by the writer when it started (part of the crash range)")
}

func (v *verifier) foundMismatch(next *header, at lineRef, n int) {
	v.fail(Finding{File: at.file, Line: at.line, Kind: Modified,
		Msg: fmt.Sprintf("%d unchained byte(s) between the end of segment %s and this header, which found %d when the writer started: bytes inserted or removed after the restart", n, v.seg, next.foundBytes)})
}

// crashRange reports the lines of a crashed segment after its last signed
// checkpoint, and the unchained bytes after its last line (torn): Incomplete
// for good, unless they were reviewed and accepted. The HMAC chain key
// proves chained lines only: unchained bytes stay unproven with it.
//
// The range SEGMENT:FROM-TO names seqs that exist; unchained bytes after the
// last line are accepted with a range that reaches the segment's last seq.
func (v *verifier) crashRange(torn bool) {
	cov, ok := v.covered(v.seg)
	if !ok {
		return // finish reports a segment without checkpoints
	}
	last := v.last[v.seg]
	lines := cov < last.seq
	if !lines && !torn {
		v.note(Finding{File: last.file, Line: last.line, Kind: Unclosed,
			Msg: fmt.Sprintf("segment %s ended without a final checkpoint (crash); a signed checkpoint covers all of its lines", v.seg)})
		return
	}
	r := Range{Segment: v.seg, From: cov + 1, To: last.seq}
	if !lines {
		r.From = last.seq
	}
	var what string
	f := Finding{File: last.file, Line: last.line, Kind: Unclosed}
	if lines {
		from := last
		if v.uncov != nil {
			from = *v.uncov
		}
		f.File, f.Line = from.file, from.line
		what = fmt.Sprintf("lines %s (%s) after its last signed checkpoint", r, span(from, last))
	}
	if torn {
		first, end := v.pending[0], v.pending[len(v.pending)-1]
		if !lines {
			f.File, f.Line = first.file, first.line
		} else {
			what += " and"
		}
		what = strings.TrimPrefix(fmt.Sprintf("%s %d unchained byte(s) after seq %d (%s: a torn line, or bytes someone wrote)", what, len(v.frag), last.seq, span(first, end)), " ")
	}
	switch {
	case !v.plain && !torn:
		f.Msg = fmt.Sprintf("segment %s crashed: %s are proven by the HMAC chain key", v.seg, what)
		v.note(f)
	case v.accepted(r):
		f.Msg = fmt.Sprintf("accepted crash range %s: %s, not proven, reviewed", r, what)
		v.note(f)
	default:
		f.Msg = fmt.Sprintf("segment %s crashed: %s cannot be proven, for good (a later segment records them, it never vouches for them", v.seg, what)
		if torn {
			f.Msg += "; no key proves unchained bytes"
		}
		f.Msg += fmt.Sprintf("); once reviewed, -accept %s", r)
		v.incomplete(f)
	}
}

// span formats a range of lines, file:from-to.
func span(from, to lineRef) string {
	if from.file != to.file {
		return fmt.Sprintf("%s:%d-%s:%d", from.file, from.line, to.file, to.line)
	}
	return fmt.Sprintf("%s:%d-%d", from.file, from.line, to.line)
}

func (v *verifier) accepted(r Range) bool {
	for _, a := range v.opts.Accept {
		if a.covers(r) {
			return true
		}
	}
	return false
}

// endTrail judges the end of the last segment: bytes after its final
// checkpoint are tampering; without one (a crash, a cut, or a writer still
// running), its end is not proven. MaxAge, when the newest checkpoint is
// fresh, excuses only the missing final checkpoint of a live writer: lines
// or bytes after the newest checkpoint stay unproven.
func (v *verifier) endTrail() {
	if v.rep.Tampered != nil {
		return
	}
	if !v.have {
		v.tornEnd()
		return
	}
	if fin := v.final[v.seg]; fin != nil {
		if !tailMatches(fin, v.frag) {
			v.afterFinal(fin)
			return
		}
		v.notePending("fragment of a failed write, named by the final checkpoint")
		return
	}
	v.tornEnd()
	if v.opts.PublicKey == nil {
		return
	}
	cov, ok := v.covered(v.seg)
	if !ok {
		return // finish reports a segment without checkpoints
	}
	last := v.last[v.seg]
	f := Finding{File: last.file, Line: last.line, Kind: Unclosed}
	if last.seq > cov {
		from := last
		if v.uncov != nil {
			from = *v.uncov
		}
		r := Range{Segment: v.seg, From: cov + 1, To: last.seq}
		f.File, f.Line = from.file, from.line
		f.Msg = fmt.Sprintf("the last %d line(s) of segment %s, %s (%s), are not covered by a signed checkpoint (crash, lines cut and others appended, or a live writer that has not signed them yet)",
			last.seq-cov, v.seg, r, span(from, last))
		v.incomplete(f)
		return
	}
	f.Msg = fmt.Sprintf("segment %s was not closed cleanly (crash or cut): no final checkpoint", v.seg)
	if v.fresh {
		f.Msg = fmt.Sprintf("segment %s has no final checkpoint, but the writer is live: its newest checkpoint, within -max-age, covers its last line", v.seg)
		v.note(f)
		return
	}
	v.incomplete(f)
}

// tornEnd reports the unchained bytes at the very end, which nothing
// commits to, even in a live trail.
func (v *verifier) tornEnd() {
	if len(v.pending) == 0 {
		return
	}
	for _, p := range v.pending {
		v.incomplete(Finding{File: p.file, Line: p.line, Kind: Torn, Msg: "torn line at the end, not covered by the chain (crash, failed write, or a write in progress)"})
	}
	if !v.lastTerm && len(v.pending) == 1 {
		v.rep.Incomplete[len(v.rep.Incomplete)-1].Msg = "torn final line, not covered by the chain (crash during a write, or a write in progress)"
	}
	v.pending, v.frag = nil, nil
}
