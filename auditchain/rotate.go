package auditchain

import (
	"encoding/hex"
	"errors"
	"os"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/internal/writer"
)

// Reopen ends the current segment with a checkpoint, reopens the underlying
// writers when they have a Reopen method (a File after rotation), and starts
// a new segment whose header links to the old head. Rotate by renaming FILE
// to NAME and FILE.ckpt to NAME.ckpt, then calling Reopen. When the file
// cannot be reopened, the new segment starts in the old file (the old one
// is final either way) and the error is returned.
func (c *Chain) Reopen() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return auditsink.ErrClosed
	}
	cerr := c.checkpointLocked(true, false)
	var before os.FileInfo
	if c.file != nil {
		before, _ = c.file.Stat()
	}
	type reopener interface{ Reopen() error }
	var rerr error
	if r, ok := c.w.(reopener); ok {
		rerr = r.Reopen()
	}
	if r, ok := c.ckpt.(reopener); ok && rerr == nil {
		// Checkpoints follow the lines: only into a new sidecar when the
		// lines went to a new file.
		cerr = errors.Join(cerr, r.Reopen())
	}
	moved := rerr == nil && c.newFile(before)
	switch {
	case !c.started && !moved:
		// The header of the segment being replaced never reached the file
		// whole: its fragments are the writer's own, and the next header
		// commits to them; found still counts what came before them.
	case !c.started:
		c.frag, c.torn, c.found = c.frag[:0], false, 0
	default:
		c.prev = &Head{Segment: c.seg, Seq: c.seq, Chain: hex.EncodeToString(c.head[:])}
		// The old segment's fragments stay behind its final checkpoint,
		// which names them (tail). Only when the same file goes on do they
		// precede the new header, which then counts them.
		c.found = 0
		if moved {
			c.torn = false
		} else if len(c.frag) > 0 {
			c.found = len(c.frag)
			if c.torn {
				c.found++
			}
		}
		c.frag = c.frag[:0]
	}
	if err := c.newSegment(); err != nil {
		return errors.Join(cerr, rerr, err)
	}
	c.size = c.fileSize()
	return errors.Join(cerr, rerr, c.writeHeader())
}

// newFile reports whether Reopen moved the writer to another file: for a
// File, whether the open file changed from before; otherwise whether the
// writer has a Reopen method at all.
func (c *Chain) newFile(before os.FileInfo) bool {
	if c.file == nil {
		_, ok := c.w.(interface{ Reopen() error })
		return ok
	}
	after, err := c.file.Stat()
	return before == nil || err != nil || !os.SameFile(before, after)
}

// ReopenOnSignal calls Reopen on each of sig (SIGHUP when none is given).
// The returned stop function ends the hook; call it before Close.
func (c *Chain) ReopenOnSignal(sig ...os.Signal) (stop func()) {
	return writer.OnSignal(c.Reopen, &c.errs, sig)
}

// Close writes a final checkpoint and closes the files OpenChain opened;
// writers given to NewChain are left open. Later writes return auditsink.ErrClosed.
func (c *Chain) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return auditsink.ErrClosed
	}
	err := c.checkpointLocked(true, false)
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if c.beatT != nil {
		c.beatT.Stop()
	}
	c.closed = true
	for _, f := range c.owned {
		err = errors.Join(err, f.Close())
	}
	return err
}
