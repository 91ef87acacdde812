package auditchain

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/internal/writer"
	"github.com/secaudit/auditkit/slogaudit"
)

// Chain algorithms, as named in the segment header.
const (
	AlgSHA256     = "sha256"
	AlgHMACSHA256 = "hmac-sha256"
)

// Defaults of ChainOptions.
const (
	DefaultCheckpointEvery    = 1000
	DefaultCheckpointInterval = time.Minute
)

// chainReserve is what Chain appends to a line: ,"seq":<up to 20 digits>
// and ,"chain":"<64 hex>".
const chainReserve = len(`,"seq":`) + 20 + len(`,"chain":""`) + 2*sha256.Size

// ErrNotObject is returned for a line that is not one JSON object on one
// line followed by a newline (an indented object spans lines, and each line
// of a chained file must be one record); Chain writes nothing for it.
var ErrNotObject = errors.New("auditchain: chained line must be a JSON object on one line ending in }\\n")

// ChainOptions configure a Chain. A zero ChainOptions gives a SHA-256 chain
// with no signed checkpoints.
type ChainOptions struct {
	// HMACKey, when set, makes the chain HMAC-SHA256 under this key, so that
	// whoever can edit the file cannot recompute it. nil means plain SHA-256;
	// an empty key is an error (it would be public). Use at least 32 random
	// bytes, kept away from the host that writes the file.
	HMACKey []byte

	// SigningKey signs checkpoints (Ed25519). nil means no checkpoints, and
	// then cutting the tail of a file cannot be detected.
	SigningKey ed25519.PrivateKey

	// Witness receives a byte-identical copy of every checkpoint line, for a
	// destination the writing host cannot take back (another volume, syslog,
	// the log pipeline). Verifying against it (auditkit-verify -witness)
	// detects a trail cut at a clean boundary. Its errors go to the
	// Encoder's OnError and never fail a line; put an auditsink.Async in
	// front of a witness that can be slow. Requires SigningKey.
	Witness io.Writer

	// HeartbeatInterval, when positive, signs a checkpoint at least this
	// often while the chain is open, even with no new lines, so that
	// auditkit-verify -max-age can tell a live trail from one whose tail was
	// cut. Requires SigningKey.
	HeartbeatInterval time.Duration

	// CheckpointEvery is the number of lines between checkpoints; zero means
	// DefaultCheckpointEvery, negative means only on CheckpointInterval,
	// Reopen, Checkpoint and Close.
	CheckpointEvery int
	// CheckpointInterval bounds how long a written line can stay uncovered by
	// a checkpoint; zero means DefaultCheckpointInterval, negative none.
	CheckpointInterval time.Duration

	// Prev links the first segment to the head of an earlier one (the last
	// file of a previous run). OpenChain finds it in the file itself.
	Prev *Head

	// Encoder writes the segment header line (audit.chain.segment) in the
	// handler's format and resource: pass the Encoder the handler was made
	// from. Its OnError receives the errors that have no caller (timed
	// checkpoints, witness writes) and its Now is the clock of headers and
	// checkpoints. nil means the JSON lines defaults.
	Encoder *slogaudit.Encoder
	// Rand is the source of segment ids; nil means crypto/rand.
	Rand io.Reader
}

// Head identifies the last line of a chain segment.
type Head struct {
	Segment string // 32 hex, the segment id
	Seq     uint64 // seq of the line
	Chain   string // 64 hex, the chain value of the line
}

// Chain makes a file tamper-evident. It is a slogaudit.RecordWriter that
// appends ,"seq":N,"chain":"<hex>" to every line it is given and writes the
// line to the underlying writer, and it appends signed checkpoints to a
// sidecar writer. The exact format is in the package documentation. Only one
// Chain may write to a chained file (OpenChain enforces it with a lock; with
// NewChain it is the caller's job). It is safe for concurrent use.
type Chain struct {
	w, ckpt io.Writer
	witness io.Writer
	file    *auditsink.File // w when it is one: its size shows a truncation
	owned   []io.Closer
	hmacKey []byte
	signKey ed25519.PrivateKey
	every   int
	ival    time.Duration
	beat    time.Duration
	fprints []slog.Attr // key fingerprints for the segment headers
	enc     *slogaudit.Encoder
	now     func() time.Time
	rand    io.Reader
	errs    writer.ErrorSink

	mu      sync.Mutex
	h       hash.Hash
	line    []byte
	seg     string
	started bool  // segment header written
	prev    *Head // link of the next header
	seq     uint64
	head    [sha256.Size]byte
	sum     [sha256.Size]byte // scratch, so Sum does not allocate
	torn    bool              // the file does not end in \n: start the next write with one
	frag    []byte            // bytes written after the last chained line (failed writes): the next line commits to them
	since   int               // lines since the last checkpoint
	ckSeq   uint64
	ckDone  bool // a checkpoint exists for this segment
	ckFinal bool // and it is the final one (Close, Reopen)
	timer   *time.Timer
	beatT   *time.Timer
	size    int64   // bytes known to be in the file: it never shrinks unless truncated under us
	found   int     // bytes after the previous segment's end when this one started
	truncAt *uint64 // the previous segment's seq when its file was truncated under it
	closed  bool
}

var (
	_ slogaudit.Durable      = (*Chain)(nil)
	_ io.Writer              = (*Chain)(nil)
	_ slogaudit.RecordWriter = (*Chain)(nil)
	_ slogaudit.LineReserver = (*Chain)(nil)
)

// NewChain returns a Chain writing lines to w and checkpoints to ckpt (which
// may be nil when opts has no SigningKey). If opts is nil, the default options
// are used. w must write each line before it returns: a buffered writer (an
// Async) is refused, because the Chain must know which bytes reached the file
// (put the Async in front of the Chain instead).
func NewChain(w, ckpt io.Writer, opts *ChainOptions) (*Chain, error) {
	c, err := newChain(w, ckpt, opts)
	if err != nil {
		return nil, err
	}
	c.start()
	return c, nil
}

// newChain checks the options and builds the Chain without writing.
func newChain(w, ckpt io.Writer, opts *ChainOptions) (*Chain, error) {
	var o ChainOptions
	if opts != nil {
		o = *opts
	}
	if w == nil {
		return nil, errors.New("auditchain: NewChain: nil writer")
	}
	if writer.Queues(w) {
		return nil, fmt.Errorf("auditchain: NewChain: %T buffers lines, so the chain cannot tell which reached the file: put the Async in front of the Chain, not behind it", w)
	}
	if o.HMACKey != nil && len(o.HMACKey) == 0 {
		return nil, errors.New("auditchain: HMACKey is empty: give a secret key (32 random bytes or more), or nil for plain SHA-256")
	}
	if o.SigningKey != nil && len(o.SigningKey) != ed25519.PrivateKeySize {
		return nil, errors.New("auditchain: SigningKey is not an Ed25519 private key")
	}
	if o.SigningKey != nil && ckpt == nil {
		return nil, errors.New("auditchain: SigningKey set but no checkpoint writer")
	}
	if o.SigningKey == nil && o.Witness != nil {
		return nil, errors.New("auditchain: Witness set but no SigningKey: there are no checkpoints to witness")
	}
	if o.HeartbeatInterval < 0 || (o.HeartbeatInterval > 0 && o.SigningKey == nil) {
		return nil, errors.New("auditchain: HeartbeatInterval must be positive and needs a SigningKey")
	}
	if o.CheckpointEvery == 0 {
		o.CheckpointEvery = DefaultCheckpointEvery
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = DefaultCheckpointInterval
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	enc := writer.Encoder(o.Encoder)
	c := &Chain{
		w: w, ckpt: ckpt,
		hmacKey: bytes.Clone(o.HMACKey),
		signKey: o.SigningKey,
		witness: o.Witness,
		every:   o.CheckpointEvery,
		ival:    o.CheckpointInterval,
		beat:    o.HeartbeatInterval,
		enc:     enc,
		now:     writer.Clock(enc),
		rand:    o.Rand,
		errs:    writer.ErrorSink{Fn: enc.Options().OnError},
		h:       newChainHash(o.HMACKey),
	}
	if o.Prev != nil {
		p := *o.Prev
		c.prev = &p
	}
	c.file, _ = w.(*auditsink.File)
	if o.SigningKey != nil {
		c.fprints = append(c.fprints, slog.String(KeyChainKeyFingerprint, KeyFingerprint(o.SigningKey.Public().(ed25519.PublicKey))))
	}
	if o.HMACKey != nil {
		c.fprints = append(c.fprints, slog.String(KeyChainHMACFingerprint, HMACFingerprint(o.HMACKey)))
	}
	if err := c.newSegment(); err != nil {
		return nil, err
	}
	return c, nil
}

// start writes the first segment header and arms the heartbeat. A header
// that cannot be written now (a full disk) is reported and tried again with
// the first line: starting the application must not depend on the disk.
func (c *Chain) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.size = c.fileSize()
	if err := c.writeHeader(); err != nil {
		c.errs.Report(fmt.Errorf("auditchain: segment header: %w", err))
	}
	if c.beat > 0 {
		c.beatT = time.AfterFunc(c.beat, c.heartbeat)
	}
}

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
	if torn {
		c.found++ // the newline the header line starts with
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

// tailWindow is how much of an existing file OpenChain reads to find the
// last chained line.
const tailWindow = 1 << 20

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
	off := max(0, size-tailWindow)
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
		return nil, false, nil, fmt.Errorf("auditchain: %s is not empty and has no chained line in its last %d bytes", path, tailWindow)
	}
	return &Head{Segment: seg, Seq: last.seq, Chain: hex.EncodeToString(last.chain[:])}, torn, bytes.Clone(buf[end:]), nil
}

func newChainHash(key []byte) hash.Hash {
	if key != nil {
		return hmac.New(sha256.New, key)
	}
	return sha256.New()
}

// newSegment draws a fresh segment id and resets the sequence.
func (c *Chain) newSegment() error {
	var id [16]byte
	if _, err := io.ReadFull(c.rand, id[:]); err != nil {
		return fmt.Errorf("auditchain: segment id: %w", err)
	}
	c.seg = hex.EncodeToString(id[:])
	c.started = false
	c.seq = 0
	c.since = 0
	c.ckDone, c.ckFinal = false, false
	c.head = genesis(c.h, c.seg)
	return nil
}

// genesis is the chain value before the first line of a segment.
func genesis(h hash.Hash, seg string) (g [sha256.Size]byte) {
	h.Reset()
	h.Write([]byte("auditkit-chain-v1:"))
	h.Write([]byte(seg))
	h.Sum(g[:0])
	return g
}

// Algorithm returns AlgSHA256 or AlgHMACSHA256.
func (c *Chain) Algorithm() string {
	if c.hmacKey != nil {
		return AlgHMACSHA256
	}
	return AlgSHA256
}

// Head returns the last line written in the current segment; ok is false
// before the segment's first line.
func (c *Chain) Head() (h Head, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		return Head{}, false
	}
	return Head{Segment: c.seg, Seq: c.seq, Chain: hex.EncodeToString(c.head[:])}, true
}

// ReservedBytes is the room the chain keys take in a line.
func (c *Chain) ReservedBytes() int { return chainReserve + writer.Reserved(c.w) }

// Write chains and writes one line (a JSON object and its newline).
func (c *Chain) Write(p []byte) (int, error) {
	if err := c.WriteRecord(slog.LevelInfo, true, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteRecord chains and writes line. Leading newlines (a handler's marker
// after a failed write) are dropped: Chain keeps torn lines apart itself. An
// error means the line is not part of the chain, except when the underlying
// writer took the whole line and then failed to sync.
func (c *Chain) WriteRecord(_ slog.Level, _ bool, line []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return auditsink.ErrClosed
	}
	body, ok := objectBody(line)
	if !ok {
		return ErrNotObject
	}
	if !c.started {
		if err := c.writeHeader(); err != nil {
			return err
		}
	}
	return c.appendLocked(body)
}

func (c *Chain) writeHeader() error {
	attrs := []slog.Attr{slog.String(KeyChainSegment, c.seg), slog.String(KeyChainAlgorithm, c.Algorithm())}
	if c.prev != nil {
		if c.prev.Segment != "" {
			attrs = append(attrs, slog.String(KeyChainPrevSegment, c.prev.Segment))
		}
		attrs = append(attrs, slog.Uint64(KeyChainPrevSeq, c.prev.Seq), slog.String(KeyChainPrevHead, c.prev.Chain))
	}
	attrs = append(attrs, c.fprints...)
	if c.found > 0 {
		attrs = append(attrs, slog.Int(KeyChainFoundBytes, c.found))
	}
	if c.truncAt != nil {
		attrs = append(attrs, slog.Uint64(KeyChainTruncatedAtSeq, *c.truncAt))
	}
	hdr := writer.AppendEvent(nil, c.enc, c.now(), slog.LevelInfo, ScopeName, EventChainSegment, attrs...)
	ok, err := c.emit(bytes.TrimSuffix(hdr, []byte{'\n'}), 0)
	if ok {
		c.seq, c.started = 0, true
		c.found, c.truncAt = 0, nil
		// A signed segment always has a checkpoint, so a verifier can insist
		// on one: a sidecar emptied or cut back is then visible.
		if cerr := c.checkpointLocked(false, false); cerr != nil {
			c.errs.Report(cerr)
		}
	}
	return err
}

func (c *Chain) appendLocked(body []byte) error {
	ok, err := c.emit(body, c.seq+1)
	if !ok {
		return err
	}
	c.seq++
	c.since++
	if c.signKey == nil {
		return err
	}
	if c.every > 0 && c.since >= c.every {
		if err := c.checkpointLocked(false, false); err != nil {
			c.errs.Report(err)
		}
	} else if c.ival > 0 && c.timer == nil {
		c.timer = time.AfterFunc(c.ival, c.timedCheckpoint)
	}
	return err
}

// objectBody returns line without leading newlines and its final newline,
// if it looks like one JSON object on one line. A newline or carriage return
// inside (an indenting encoder) would split the record across lines.
func objectBody(line []byte) ([]byte, bool) {
	body := bytes.TrimLeft(line, "\n")
	body = bytes.TrimSuffix(body, []byte{'\n'})
	ok := len(body) >= 2 && body[0] == '{' && body[len(body)-1] == '}' && !bytes.ContainsAny(body, "\n\r")
	return body, ok
}

// emit chains body (a checked one-line JSON object without its newline) as
// number seq and writes it. ok reports that the whole line reached the writer (then c.head has moved), even if err is a sync
// failure.
func (c *Chain) emit(body []byte, seq uint64) (ok bool, err error) {
	out := c.line[:0]
	wasTorn := c.torn
	if c.torn {
		out = append(out, '\n') // keep the torn fragment on a line of its own
	}
	start := len(out)
	if len(bytes.TrimSpace(body[1:len(body)-1])) > 0 {
		out = append(out, body[:len(body)-1]...)
		out = append(out, ',')
	} else {
		out = append(out, '{') // an empty object, whatever its spacing
	}
	out = append(out, `"seq":`...)
	out = strconv.AppendUint(out, seq, 10)
	c.h.Reset()
	c.h.Write(c.head[:])
	if len(c.frag) > 0 {
		// Fragments are part of the chain: whoever appends unchained lines
		// breaks the next chained line.
		c.h.Write(c.frag)
		if wasTorn {
			c.h.Write(out[:1])
		}
	}
	c.h.Write(out[start:])
	c.h.Sum(c.sum[:0])
	out = append(out, `,"chain":"`...)
	out = hex.AppendEncode(out, c.sum[:])
	out = append(out, "\"}\n"...)
	c.line = out

	n, err := c.w.Write(out)
	c.size += int64(max(n, 0))
	if n >= len(out)-1 {
		// The whole line is there; at worst its newline is missing, and the
		// next write supplies one.
		c.torn = n < len(out)
		c.head = c.sum
		c.frag = c.frag[:0]
		return true, err
	}
	if n > 0 {
		written := out[:n]
		if wasTorn && len(c.frag) == 0 {
			written = written[1:] // the newline ends the chained line before
		}
		c.frag = append(c.frag, written...)
		c.torn = out[n-1] != '\n'
	}
	if err == nil {
		err = io.ErrShortWrite
	}
	return false, err
}

// Durable reports whether the chain's line writer is durable (OpenChain's is
// a File).
func (c *Chain) Durable() bool { return writer.Durable(c.w) }

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
