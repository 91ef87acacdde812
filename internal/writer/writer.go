// Package writer holds what auditsink's and auditchain's writers share:
// operator notes, the signal hook, self-event encoding and the questions
// one writer asks of the writer behind it.
package writer

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/secaudit/auditkit/slogaudit"
)

// ErrorSink delivers operator notes: to Fn, or else to standard error at
// most once per interval, because a failing disk would otherwise flood it.
type ErrorSink struct {
	Fn   func(error)
	mu   sync.Mutex
	last time.Time
	skip atomic.Uint64
}

const stderrInterval = 10 * time.Second

// Report delivers err.
func (e *ErrorSink) Report(err error) {
	if e.Fn != nil {
		e.Fn(err)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	if !e.last.IsZero() && now.Sub(e.last) < stderrInterval {
		e.skip.Add(1)
		return
	}
	e.last = now
	if n := e.skip.Swap(0); n > 0 {
		fmt.Fprintf(os.Stderr, "%v (and %d more errors)\n", err, n)
		return
	}
	fmt.Fprintln(os.Stderr, err)
}

// OnSignal runs fn on each of sig (SIGHUP when none is given) until stop is
// called; stop waits for a run in progress. fn's errors go to errs.
func OnSignal(fn func() error, errs *ErrorSink, sig []os.Signal) (stop func()) {
	if len(sig) == 0 {
		sig = []os.Signal{syscall.SIGHUP}
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig...)
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for {
			select {
			case <-ch:
				if err := fn(); err != nil {
					errs.Report(err)
				}
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			<-exited
		})
	}
}

// Encoder returns enc, or the JSON lines defaults when it is nil.
func Encoder(enc *slogaudit.Encoder) *slogaudit.Encoder {
	if enc != nil {
		return enc
	}
	return slogaudit.NewEncoder(nil)
}

// Clock returns the encoder's Now, or time.Now.
func Clock(enc *slogaudit.Encoder) func() time.Time {
	if now := enc.Options().Now; now != nil {
		return now
	}
	return time.Now
}

// AppendEvent appends a self-audit event as the handler would write it (the
// same encoder: format, resource, redaction), under the writer package's
// instrumentation scope, so consumers need no special case for it.
func AppendEvent(dst []byte, enc *slogaudit.Encoder, now time.Time, level slog.Level, scope, eventType string, attrs ...slog.Attr) []byte {
	r := slog.NewRecord(now, level, eventType, 0)
	r.AddAttrs(slog.String(slogaudit.KeyEventType, eventType), slog.String(slogaudit.KeyScopeName, scope))
	r.AddAttrs(attrs...)
	return enc.AppendRecord(dst, r)
}

// Reserved returns the bytes w appends to every line.
func Reserved(w any) int {
	if lr, ok := w.(slogaudit.LineReserver); ok {
		return lr.ReservedBytes()
	}
	return 0
}

// Durable reports whether w declares durable writes.
func Durable(w any) bool {
	d, ok := w.(slogaudit.Durable)
	return ok && d.Durable()
}

// Queues reports whether w accepts lines before writing them (an Async, or
// a writer with one behind it). auditsink sets it: only it can look inside
// its writers.
var Queues = func(w any) bool { return false }
