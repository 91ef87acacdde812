package auditsink

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/secaudit/auditkit/internal/buffer"
	"github.com/secaudit/auditkit/internal/writer"
)

// SyncPolicy says how often a File calls fsync, trading durability against
// speed like auditd's flush setting. The zero value is SyncNever.
type SyncPolicy struct {
	every int // fsync after this many lines; 0 never
}

// SyncNever leaves flushing to the kernel: a process crash loses nothing
// already written, a power failure may lose the page cache.
var SyncNever = SyncPolicy{}

// SyncAlways calls fsync after every line (auditd flush = sync).
var SyncAlways = SyncPolicy{every: 1}

// SyncEvery calls fsync after every n lines (auditd flush = incremental,
// freq = n). n below 1 means SyncNever.
func SyncEvery(n int) SyncPolicy {
	if n < 1 {
		return SyncNever
	}
	return SyncPolicy{every: n}
}

// String describes the policy.
func (p SyncPolicy) String() string {
	switch p.every {
	case 0:
		return "never"
	case 1:
		return "always"
	}
	return fmt.Sprintf("every %d lines", p.every)
}

// FileOptions configure a File. A zero FileOptions consists entirely of
// default values.
type FileOptions struct {
	// Mode is the permission of a newly created file; zero means 0600, because
	// audit trails hold personal data. An existing file keeps its mode.
	Mode os.FileMode
	// Sync is the fsync policy; the zero value is SyncNever.
	Sync SyncPolicy
	// OnError receives errors that have no caller to return to (a Reopen
	// triggered by a signal). nil means a rate-limited note on standard error.
	OnError func(error)
}

// File is an append-only log file. Every line is handed to the kernel in one
// write(2) on a descriptor opened with O_APPEND, so lines written by several
// processes to the same file never interleave. A File has no user-space
// buffer: a line is in the kernel (and survives a crash of the process) when
// Write returns. It is safe for concurrent use.
type File struct {
	path string
	mode os.FileMode
	sync SyncPolicy
	errs writer.ErrorSink

	mu       sync.Mutex
	f        *os.File
	unsynced int    // lines since the last fsync
	torn     bool   // a write took only part of its line: start the next with \n
	syncs    uint64 // fsync calls, for tests
}

// OpenFile opens (or creates) path for appending. If opts is nil, the default
// options are used.
func OpenFile(path string, opts *FileOptions) (*File, error) {
	var o FileOptions
	if opts != nil {
		o = *opts
	}
	if o.Mode == 0 {
		o.Mode = 0o600
	}
	f := &File{path: path, mode: o.Mode, sync: o.Sync, errs: writer.ErrorSink{Fn: o.OnError}}
	fd, err := f.open()
	if err != nil {
		return nil, err
	}
	f.f = fd
	return f, nil
}

func (f *File) open() (*os.File, error) {
	fd, err := os.OpenFile(f.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, f.mode)
	if err != nil {
		return nil, fmt.Errorf("auditsink: %w", err)
	}
	return fd, nil
}

// Name returns the path the File was opened with.
func (f *File) Name() string { return f.path }

// Stat returns the FileInfo of the open file (not of the path, which
// rotation may have moved on), so that a writer above can notice the file
// being truncated under it.
func (f *File) Stat() (os.FileInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return nil, ErrClosed
	}
	return f.f.Stat()
}

// ErrClosed is returned by writers used after Close.
var ErrClosed = errors.New("auditsink: writer closed")

// Write appends p in a single write(2) call and then applies the sync
// policy. A short count with an error (a full disk) means only a prefix of p
// reached the file; the next Write then starts with a newline (unless p
// already does), so the fragment stays on a line of its own instead of
// gluing itself to the next line. When the data was written but fsync
// failed, Write returns len(p) and the fsync error.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return 0, ErrClosed
	}
	out, lead := p, 0
	if f.torn && (len(p) == 0 || p[0] != '\n') {
		b := buffer.New()
		defer b.Free()
		*b = append(append(*b, '\n'), p...)
		out, lead = *b, 1
	}
	n, err := writeOnce(f.f, out)
	if n > 0 {
		f.torn = out[n-1] != '\n'
	}
	n = max(0, n-lead)
	if err != nil {
		return n, fmt.Errorf("auditsink: write %s: %w", f.path, err)
	}
	if f.sync.every > 0 {
		f.unsynced++
		if f.unsynced >= f.sync.every {
			if err := f.syncLocked(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (f *File) syncLocked() error {
	f.unsynced = 0
	f.syncs++
	if err := f.f.Sync(); err != nil {
		return fmt.Errorf("auditsink: sync %s: %w", f.path, err)
	}
	return nil
}

// Sync flushes the file to stable storage now, whatever the policy.
func (f *File) Sync() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return ErrClosed
	}
	return f.syncLocked()
}

// Reopen closes the file and opens the path again, so that after an external
// rotation (rename, then Reopen) writing continues in a new file. Lines
// written before Reopen are synced first. Reopen on a closed File fails.
func (f *File) Reopen() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return ErrClosed
	}
	nf, err := f.open()
	if err != nil {
		// Keep writing to the old descriptor: losing the trail is worse than
		// writing to a renamed file.
		return err
	}
	serr := f.syncLocked()
	cerr := f.f.Close()
	f.f, f.torn = nf, false
	return errors.Join(serr, cerr)
}

// ReopenOnSignal calls Reopen whenever the process receives one of sig
// (SIGHUP when none is given), the way Vault's file audit device cooperates
// with logrotate. Errors go to FileOptions.OnError. The returned stop function
// ends the hook and waits for it; call it before Close.
func (f *File) ReopenOnSignal(sig ...os.Signal) (stop func()) {
	return writer.OnSignal(f.Reopen, &f.errs, sig)
}

// Close syncs and closes the file. Later writes return ErrClosed.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return ErrClosed
	}
	serr := f.syncLocked()
	cerr := f.f.Close()
	f.f = nil
	return errors.Join(serr, cerr)
}
