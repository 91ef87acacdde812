package auditchain

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
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

// ErrTooLong is returned for a line that would exceed MaxLineSize once
// chained (the verifier reads no longer line); Chain writes nothing for it.
// The handler's Limits.MaxRecordBytes keeps records far below it.
var ErrTooLong = errors.New("auditchain: chained line would exceed MaxLineSize")

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
	if len(body)+chainReserve+1 > MaxLineSize {
		return ErrTooLong
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
