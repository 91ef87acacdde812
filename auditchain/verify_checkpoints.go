package auditchain

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// parseCheckpoint parses one checkpoint line (without its newline) in the
// only form Chain writes: AppendJSON of the value, hex in lower case of the
// exact lengths. Anything else could pass a signature check in a form the
// signer never wrote (checkpoints would be malleable).
func parseCheckpoint(l []byte) (Checkpoint, error) {
	var cp Checkpoint
	if err := json.Unmarshal(l, &cp); err != nil {
		return cp, err
	}
	// Only the exact form Chain writes: a renamed or extra key must not
	// slip past the signature as a default value.
	if !bytes.Equal(cp.AppendJSON(nil), append(l[:len(l):len(l)], '\n')) {
		return cp, errors.New("not in canonical form")
	}
	if !isLowerHex(cp.Segment, 32) || !isLowerHex(cp.Head, 64) || !isLowerHex(cp.Sig, 2*ed25519.SignatureSize) ||
		(cp.Tail != "" && !isLowerHex(cp.Tail, 64)) {
		return cp, errors.New("not in canonical form: segment, head, tail and sig must be lower-case hex of their exact lengths")
	}
	return cp, nil
}

// tornCheckpoint reports whether a checkpoint line that does not parse is
// what a failed write leaves (the writer's file adds the newline a short
// write lacked): the start of a checkpoint line in canonical form, NUL
// bytes, or a final piece without its newline. Anything else, and a whole
// JSON value that is not a valid checkpoint, was put there by someone else.
// (A torn line hides no more than a deleted one: later checkpoints cover
// what it would have.)
func tornCheckpoint(l []byte, term bool) bool {
	if json.Valid(l) {
		return false
	}
	if !term || len(bytes.Trim(l, "\x00")) == 0 {
		return true
	}
	for _, final := range []bool{false, true} {
		for _, tail := range []bool{false, true} {
			if prefixOf(l, checkpointForm(final, tail)) {
				return true
			}
		}
	}
	return false
}

// checkpointForm is the canonical checkpoint line as tokens: literals, and
// "h" n (n lower-case hex digits) or "d" (a decimal integer).
func checkpointForm(final, tail bool) []string {
	f := []string{`{"segment":"`, "h32", `","seq":`, "d", `,"head":"`, "h64", `","time":`, "d"}
	if final {
		f = append(f, `,"final":true`)
	}
	if tail {
		f = append(f, `,"tail":"`, "h64", `"`)
	}
	return append(f, `,"sig":"`, "h128", `"}`)
}

// prefixOf reports whether l is a strict prefix of a line of the form.
func prefixOf(l []byte, form []string) bool {
	for _, tok := range form {
		switch {
		case tok == "d":
			i := 0
			if i < len(l) && l[i] == '-' {
				i++
			}
			start := i
			for i < len(l) && l[i] >= '0' && l[i] <= '9' {
				i++
			}
			if i-start > 1 && l[start] == '0' {
				return false // a leading zero: not how JSON writes it
			}
			if i == len(l) {
				return true
			}
			if i == start {
				return false
			}
			l = l[i:]
		case tok[0] == 'h':
			n, _ := strconv.Atoi(tok[1:])
			i := 0
			for i < len(l) && i < n && isLowerHex(string(l[i]), 1) {
				i++
			}
			if i == len(l) {
				return true
			}
			if i < n {
				return false
			}
			l = l[i:]
		default:
			if len(l) <= len(tok) {
				return tok[:len(l)] == string(l)
			}
			if string(l[:len(tok)]) != tok {
				return false
			}
			l = l[len(tok):]
		}
	}
	return false
}

// verifySig reports whether cp's signature verifies under the public key.
func (v *verifier) verifySig(cp *Checkpoint) bool {
	sig, err := hex.DecodeString(cp.Sig)
	return err == nil && ed25519.Verify(v.opts.PublicKey, cp.Message(), sig)
}

// wrongKeyHint explains a signature failure when the segment header names
// another key than the one given.
func (v *verifier) wrongKeyHint(seg string) string {
	given := KeyFingerprint(v.opts.PublicKey)
	if h, ok := v.hdrs[seg]; ok && h.keyFP != "" && h.keyFP != given {
		return fmt.Sprintf(" (wrong key or re-signed: signed by key fingerprint %s, you gave %s)", h.keyFP, given)
	}
	return fmt.Sprintf(" (edited checkpoint, or wrong key: you gave key fingerprint %s)", given)
}

func (v *verifier) readCheckpoints(file string) error {
	name := file + ".ckpt"
	f, err := openRegular(name)
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
		at := Finding{File: name, Line: n, Kind: BadCheckpoint}
		cp, err := parseCheckpoint(l)
		if err != nil {
			if tornCheckpoint(l, term) {
				v.note(Finding{File: name, Line: n, Kind: Torn, Msg: "torn checkpoint line ignored (a failed write: a crash or a full disk)"})
				return true
			}
			at.Msg = "malformed checkpoint: " + err.Error()
			v.fail(at)
			return false
		}
		if !v.verifySig(&cp) {
			at.Msg = "checkpoint signature does not verify" + v.wrongKeyHint(cp.Segment)
			v.fail(at)
			return false
		}
		if !v.addCheckpoint(&ckRef{cp: cp, file: name, line: n}) {
			return false
		}
		if v.earliest == 0 || cp.Time < v.earliest {
			v.earliest = cp.Time
		}
		v.rep.Checkpoints++
		found++
		return true
	})
	var long *lineTooLongError
	if errors.As(err, &long) {
		v.fail(Finding{File: name, Line: long.line, Kind: BadCheckpoint, Msg: long.Error()})
		return nil
	}
	if err != nil {
		return fmt.Errorf("auditchain: %s: %w", name, err)
	}
	if found == 0 && v.rep.Tampered == nil {
		v.fail(Finding{File: name, Kind: MissingCheckpoint, Msg: "checkpoint file has no checkpoint: the chain could have been rewritten"})
	}
	return nil
}

// addCheckpoint records a validly signed checkpoint. Heartbeats sign the
// same seq and head again with a newer time; two heads for one seq, or two
// final seqs for one segment, cannot both be true.
func (v *verifier) addCheckpoint(ref *ckRef) bool {
	cp := &ref.cp
	if v.newest == nil || cp.Time > v.newest.cp.Time {
		v.newest = ref
	}
	m := v.cks[cp.Segment]
	if m == nil {
		m = map[uint64]*ckRef{}
		v.cks[cp.Segment] = m
	}
	old, dup := m[cp.Seq]
	if dup && old.cp.Head != cp.Head {
		v.fail(Finding{File: ref.file, Line: ref.line, Kind: Modified,
			Msg: fmt.Sprintf("signed checkpoints disagree on segment %s seq %d (%s:%d)", cp.Segment, cp.Seq, old.file, old.line)})
		return false
	}
	if !dup {
		m[cp.Seq] = ref
		v.ckOrder = append(v.ckOrder, ref)
	} else if cp.Final && !old.cp.Final { // Close after Checkpoint: the same head, now final
		old.cp, old.file, old.line = *cp, ref.file, ref.line
		ref = old
	}
	if cp.Final {
		if f := v.final[cp.Segment]; f != nil && (f.cp.Seq != cp.Seq || f.cp.Tail != cp.Tail) {
			v.fail(Finding{File: ref.file, Line: ref.line, Kind: Modified,
				Msg: fmt.Sprintf("two different final checkpoints for segment %s (%s:%d)", cp.Segment, f.file, f.line)})
			return false
		}
		if v.final[cp.Segment] == nil {
			v.final[cp.Segment] = ref
		}
	}
	return true
}

// covered returns the highest seq of segment seg that a signed checkpoint
// (sidecar or witness) covers.
func (v *verifier) covered(seg string) (seq uint64, ok bool) {
	seq, ok = v.maxCk[seg]
	return seq, ok
}

// indexCheckpoints computes what covered returns, once all are read.
func (v *verifier) indexCheckpoints() {
	v.maxCk = map[string]uint64{}
	for seg, m := range v.cks {
		for s := range m {
			if cur, ok := v.maxCk[seg]; !ok || s > cur {
				v.maxCk[seg] = s
			}
		}
	}
}

// finish reports checkpoints that commit to lines or segments the trail
// lacks, and segments without checkpoints.
func (v *verifier) finish() {
	if v.rep.Tampered != nil {
		return
	}
	ignored := 0
	for _, ck := range v.ckOrder {
		if ck.matched || v.trunc[ck.cp.Segment] {
			continue // after a copytruncate, the copy holds the earlier lines
		}
		last, seen := v.last[ck.cp.Segment]
		switch {
		case seen:
			v.fail(Finding{File: last.file, Line: last.line + 1, Kind: Truncated,
				Msg: fmt.Sprintf("file ends at seq %d but %s:%d commits to seq %d: lines cut from the end", last.seq, ck.file, ck.line, ck.cp.Seq)})
			return
		case !ck.witness:
			v.fail(Finding{File: ck.file, Line: ck.line, Kind: Truncated,
				Msg: fmt.Sprintf("signed checkpoint names segment %s, which is missing", ck.cp.Segment)})
			return
		case ck.cp.Segment == v.firstPrev || ck.cp.Time < v.earliest:
			ignored++ // older than the trail: rotated away
		default:
			v.fail(Finding{File: ck.file, Line: ck.line, Kind: Truncated,
				Msg: fmt.Sprintf("witnessed checkpoint of segment %s (seq %d) is newer than the start of the trail, which lacks that segment: a segment or file was cut (or the witness holds another trail signed with the same key: give one witness stream per trail, filtered by its file field)", ck.cp.Segment, ck.cp.Seq)})
			return
		}
	}
	if ignored > 0 {
		v.note(Finding{File: v.opts.Witness[0], Kind: Unchecked,
			Msg: fmt.Sprintf("%d witnessed checkpoint(s) of segments older than the trail ignored (rotated away)", ignored)})
	}
	if v.opts.PublicKey == nil {
		return
	}
	for _, seg := range v.segOrder {
		if _, any := v.covered(seg); !any && !v.trunc[seg] {
			last := v.last[seg]
			v.fail(Finding{File: last.file, Line: last.line, Kind: MissingCheckpoint,
				Msg: fmt.Sprintf("segment %s has %d line(s) but no signed checkpoint: checkpoints deleted, the chain could have been rewritten", seg, last.seq+1)})
			return
		}
	}
}
