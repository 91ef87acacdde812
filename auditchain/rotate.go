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
// to NAME and FILE.ckpt to NAME.ckpt, then calling Reopen.
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
	if r, ok := c.w.(reopener); ok {
		if err := r.Reopen(); err != nil {
			return errors.Join(cerr, err) // keep the old segment going
		}
	}
	if r, ok := c.ckpt.(reopener); ok && c.ckpt != nil {
		cerr = errors.Join(cerr, r.Reopen())
	}
	if c.started {
		c.prev = &Head{Segment: c.seg, Seq: c.seq, Chain: hex.EncodeToString(c.head[:])}
	}
	// The old segment's fragments stay behind its final checkpoint, which
	// names them (tail). Only when the same file goes on (nothing renamed
	// it) do they precede the new header, which then counts them.
	c.found = 0
	if c.newFile(before) {
		c.torn = false
	} else if len(c.frag) > 0 || c.torn {
		c.found = len(c.frag)
		if c.torn {
			c.found++
		}
	}
	c.frag = c.frag[:0]
	if err := c.newSegment(); err != nil {
		return errors.Join(cerr, err)
	}
	c.size = c.fileSize()
	return errors.Join(cerr, c.writeHeader())
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
