package auditchain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// Checkpoint signs and appends a checkpoint for the current head now, if
// any line was written since the last one.
func (c *Chain) Checkpoint() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checkpointLocked(false, false)
}

func (c *Chain) timedCheckpoint() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timer = nil
	if c.closed {
		return
	}
	if err := c.checkpointLocked(false, false); err != nil {
		c.errs.Report(err)
	}
}

// syncer is a writer that can flush to stable storage (a File).
type syncer interface{ Sync() error }

// heartbeat signs the current head again, new lines or not, and rearms.
func (c *Chain) heartbeat() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if err := c.checkpointLocked(false, true); err != nil {
		c.errs.Report(err)
	}
	c.beatT = time.AfterFunc(c.beat, c.heartbeat)
}

// fileSize returns the size of the open file, or 0 when the writer is not
// a File.
func (c *Chain) fileSize() int64 {
	if c.file == nil {
		return 0
	}
	st, err := c.file.Stat()
	if err != nil {
		return c.size
	}
	return st.Size()
}

// continueIfTruncated notices a file truncated under the writer (a
// copytruncate rotation): the lines it covered are in the copy, or gone, so
// the segment is not signed further; a new segment starts whose header
// links to it and records truncated_at_seq, which verifies as unprovable.
func (c *Chain) continueIfTruncated() error {
	if c.file == nil || !c.started || c.fileSize() >= c.size {
		return nil
	}
	at := c.seq
	c.prev = &Head{Segment: c.seg, Seq: c.seq, Chain: hex.EncodeToString(c.head[:])}
	c.errs.Report(fmt.Errorf("auditchain: %s was truncated under the writer after seq %d (copytruncate is not supported for chained files: rename and Reopen); continuing in a new segment", c.file.Name(), at))
	if err := c.newSegment(); err != nil {
		return err
	}
	c.truncAt = &at
	c.frag, c.torn = c.frag[:0], false
	c.size = c.fileSize()
	return c.writeHeader()
}

// checkpointLocked signs the current head. final marks the end of the
// segment (Close, Reopen), so that a verifier can tell a clean end from a
// crash or a cut; force signs it again even when it is already signed (a
// heartbeat, whose newer time shows the trail is live).
func (c *Chain) checkpointLocked(final, force bool) error {
	if c.signKey == nil {
		return nil
	}
	if err := c.continueIfTruncated(); err != nil {
		return err
	}
	if !c.started || (!force && c.ckDone && c.ckSeq == c.seq && (c.ckFinal || !final)) {
		return nil
	}
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	// A checkpoint must never reach the disk before the lines it covers,
	// or a power failure leaves a signature over lines that are gone.
	if s, ok := c.w.(syncer); ok {
		if err := s.Sync(); err != nil {
			return fmt.Errorf("auditchain: checkpoint skipped: %w", err)
		}
	}
	cp := Checkpoint{Segment: c.seg, Seq: c.seq, Head: hex.EncodeToString(c.head[:]), Time: c.now().UnixNano(), Final: final}
	if len(c.frag) > 0 {
		// The writer's own failed writes after line Seq, as a verifier reads
		// them: each fragment on a line of its own.
		h := sha256.New()
		h.Write(c.frag)
		if c.torn {
			h.Write([]byte{'\n'})
		}
		cp.Tail = hex.EncodeToString(h.Sum(nil))
	}
	cp.Sig = hex.EncodeToString(ed25519.Sign(c.signKey, cp.Message()))
	line := cp.AppendJSON(nil)
	if c.witness != nil {
		if _, err := c.witness.Write(line); err != nil {
			c.errs.Report(fmt.Errorf("auditchain: witness: %w", err))
		}
	}
	if _, err := c.ckpt.Write(line); err != nil {
		return err
	}
	c.ckSeq, c.ckDone, c.ckFinal, c.since = c.seq, true, final, 0
	if s, ok := c.ckpt.(syncer); ok {
		return s.Sync()
	}
	return nil
}

// Checkpoint is one signed line of a FILE.ckpt sidecar: the signer's
// statement that segment Segment had reached line Seq with chain value Head
// at Time, and, when Final, that the segment ends there (Close or Reopen).
// Tail, when set, is the hex SHA-256 of the bytes the writer itself left
// after line Seq (fragments of its own failed writes), so that they are not
// taken for bytes appended after the checkpoint.
type Checkpoint struct {
	Segment string `json:"segment"`
	Seq     uint64 `json:"seq"`
	Head    string `json:"head"`
	Time    int64  `json:"time"` // Unix nanoseconds
	Final   bool   `json:"final,omitempty"`
	Tail    string `json:"tail,omitempty"` // hex SHA-256 of the writer's own bytes after line Seq
	Sig     string `json:"sig"`            // hex Ed25519 signature of Message
}

// Message is the byte string a checkpoint's signature covers:
// "auditkit-checkpoint-v1\n" segment "\n" seq "\n" head "\n" time "\n",
// followed by "final\n" for a final checkpoint and "tail " TAIL "\n" when
// Tail is set, so that neither can be added to or removed from a signed
// checkpoint.
func (cp *Checkpoint) Message() []byte {
	m := []byte("auditkit-checkpoint-v1\n")
	m = append(m, cp.Segment...)
	m = append(m, '\n')
	m = strconv.AppendUint(m, cp.Seq, 10)
	m = append(m, '\n')
	m = append(m, cp.Head...)
	m = append(m, '\n')
	m = strconv.AppendInt(m, cp.Time, 10)
	m = append(m, '\n')
	if cp.Final {
		m = append(m, "final\n"...)
	}
	if cp.Tail != "" {
		m = append(m, "tail "...)
		m = append(m, cp.Tail...)
		m = append(m, '\n')
	}
	return m
}

// AppendJSON appends the checkpoint's sidecar line, newline included.
func (cp *Checkpoint) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"segment":`...)
	dst = strconv.AppendQuote(dst, cp.Segment)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, cp.Seq, 10)
	dst = append(dst, `,"head":`...)
	dst = strconv.AppendQuote(dst, cp.Head)
	dst = append(dst, `,"time":`...)
	dst = strconv.AppendInt(dst, cp.Time, 10)
	if cp.Final {
		dst = append(dst, `,"final":true`...)
	}
	if cp.Tail != "" {
		dst = append(dst, `,"tail":`...)
		dst = strconv.AppendQuote(dst, cp.Tail)
	}
	dst = append(dst, `,"sig":`...)
	dst = strconv.AppendQuote(dst, cp.Sig)
	return append(dst, "}\n"...)
}
