package auditchain

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/secaudit/auditkit/auditsink"
)

// OpenChain opens path and its sidecar path+".ckpt" as Files and returns a
// Chain over them. It first takes an exclusive lock on path+".lock" (flock,
// released by Close or the process's death): a second writer gets an error
// naming the file and the holder's PID. When path already holds a chain (a
// restart), the new segment links to its last line and records, without
// vouching for them, any bytes found after it. Close closes the files.
func OpenChain(path string, fopts *auditsink.FileOptions, opts *ChainOptions) (*Chain, error) {
	lk, err := lock(path)
	if err != nil {
		return nil, err
	}
	unlock := func() {
		if lk != nil {
			lk.Close()
		}
	}
	prev, torn, tail, err := readTail(path)
	if err != nil {
		unlock()
		return nil, err
	}
	if prev != nil && prev.Segment == "" {
		prev.Segment = lastCheckpointSegment(path + ".ckpt")
	}
	f, err := auditsink.OpenFile(path, fopts)
	if err != nil {
		unlock()
		return nil, err
	}
	var ck *auditsink.File
	var ckw io.Writer
	if opts != nil && opts.SigningKey != nil {
		if ck, err = auditsink.OpenFile(path+".ckpt", fopts); err != nil {
			f.Close()
			unlock()
			return nil, err
		}
		ckw = ck
	}
	var o ChainOptions
	if opts != nil {
		o = *opts
	}
	if prev != nil {
		o.Prev = prev
	}
	c, err := newChain(f, ckw, &o)
	if err != nil {
		f.Close()
		if ck != nil {
			ck.Close()
		}
		unlock()
		return nil, err
	}
	// A crash, a failed write or someone else may have left bytes after the
	// last chained line. The new header starts on a line of its own and
	// records how many bytes it found; it never vouches for them.
	c.torn = torn
	c.found = len(tail)
	if torn && len(tail) > 0 {
		c.found++ // the newline the header line starts with ends the fragment
	}
	c.owned = []io.Closer{f}
	if ck != nil {
		c.owned = append(c.owned, ck)
	}
	if lk != nil {
		c.owned = append(c.owned, lk)
	}
	c.start()
	return c, nil
}

// lastCheckpointSegment returns the segment of the last whole line of a
// checkpoint file, or "" (for a segment whose header is further back than
// readTail looks).
func lastCheckpointSegment(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte{'\n'})
	var cp Checkpoint
	if json.Unmarshal(lines[len(lines)-1], &cp) != nil {
		return ""
	}
	return cp.Segment
}

// tailWindows are how much of an existing file OpenChain reads to find the
// last chained line: 1 MiB holds the last lines of any honest file, and
// 64 MiB more lets a restart get past a flood of appended junk.
var tailWindows = [...]int64{1 << 20, 64 << 20}

// readTail finds the head of the chain at the end of path, whether the file
// ends without a newline, and the bytes after the last chained line and its
// newline (fragments of failed writes). A missing or empty file has no head.
func readTail(path string) (prev *Head, torn bool, tail []byte, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil, nil
	}
	if err != nil {
		return nil, false, nil, fmt.Errorf("auditchain: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, nil, fmt.Errorf("auditchain: %w", err)
	}
	size := st.Size()
	if size == 0 {
		return nil, false, nil, nil
	}
	for _, w := range tailWindows {
		prev, torn, tail, err = tailIn(f, size, w)
		if prev != nil || err != nil || w >= size {
			break
		}
	}
	if prev == nil && err == nil {
		err = fmt.Errorf("auditchain: %s is not empty and has no chained line in its last %d bytes", path, min(size, tailWindows[len(tailWindows)-1]))
	}
	return prev, torn, tail, err
}

// tailIn is readTail over the last window bytes of f.
func tailIn(f *os.File, size, window int64) (prev *Head, torn bool, tail []byte, err error) {
	off := max(0, size-window)
	buf := make([]byte, size-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return nil, false, nil, fmt.Errorf("auditchain: %w", err)
	}
	torn = buf[len(buf)-1] != '\n'
	// The last chained line is the head; a final line that lacks only its
	// newline counts. Header lines (seq 0) carry the segment id.
	lines := bytes.Split(buf, []byte{'\n'})
	var seg string
	var last *parsedLine
	pos, end := 0, 0
	for _, l := range lines {
		p, ok := parseChained(l)
		pos += len(l) + 1
		if !ok {
			continue
		}
		end = min(pos, len(buf))
		if p.seq == 0 {
			if s, ok := headerSegment(l); ok {
				seg = s
			}
		}
		last = &p
	}
	if last == nil {
		return nil, false, nil, nil
	}
	return &Head{Segment: seg, Seq: last.seq, Chain: hex.EncodeToString(last.chain[:])}, torn, bytes.Clone(buf[end:]), nil
}
