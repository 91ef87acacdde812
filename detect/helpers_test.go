package detect_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// clock is an injected clock; tests move it by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(d time.Duration) {
	c.mu.Lock()
	c.t = t0.Add(d)
	c.mu.Unlock()
}

// recorder is the downstream handler: it keeps every record as a map.
type recorder struct {
	mu   *sync.Mutex
	recs *[]rec
}

type rec struct {
	level slog.Level
	msg   string
	attrs map[string]any
}

func newRecorder() *recorder { return &recorder{mu: new(sync.Mutex), recs: new([]rec)} }

func (h *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *recorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recorder) WithGroup(string) slog.Handler            { return h }
func (h *recorder) Handle(_ context.Context, r slog.Record) error {
	m := map[string]any{}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.Resolve().Any()
		return true
	})
	h.mu.Lock()
	*h.recs = append(*h.recs, rec{r.Level, r.Message, m})
	h.mu.Unlock()
	return nil
}

// derived returns the derived events, each summed up as
// "rule phase count=N[ distinct=D][ reason]".
func (h *recorder) derived() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range *h.recs {
		et, _ := r.attrs[slogaudit.KeyEventType].(string)
		if !strings.HasPrefix(et, detect.EventPrefix) {
			continue
		}
		if et == detect.EventEvicted {
			out = append(out, fmt.Sprintf("evicted %v", r.attrs[detect.KeyEvictions]))
			continue
		}
		s := fmt.Sprintf("%v %v count=%v", r.attrs[detect.KeyRule], r.attrs[detect.KeyPhase], r.attrs[detect.KeyCount])
		if d, ok := r.attrs[detect.KeyDistinct]; ok {
			s += fmt.Sprintf(" distinct=%v", d)
		}
		if why, ok := r.attrs[detect.KeyEndReason]; ok {
			s += fmt.Sprintf(" %v", why)
		}
		out = append(out, s)
	}
	return out
}

// events returns the derived records themselves.
func (h *recorder) events() []rec {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []rec
	for _, r := range *h.recs {
		if et, _ := r.attrs[slogaudit.KeyEventType].(string); strings.HasPrefix(et, detect.EventPrefix) {
			out = append(out, r)
		}
	}
	return out
}

// rig is a Detector with an injected clock in front of a recorder.
type rig struct {
	d   *detect.Detector
	c   *clock
	out *recorder
	l   *slog.Logger
	n   atomic.Int64 // request counter, for request ids
}

func newRig(t testing.TB, opts detect.Options) *rig {
	t.Helper()
	c := newClock()
	opts.Now = c.Now
	opts.SweepInterval = -1
	d, err := detect.New(&opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	out := newRecorder()
	return &rig{d: d, c: c, out: out, l: slog.New(d.Middleware()(out))}
}

// request returns a context with the request scope httpaudit would set.
func (g *rig) request(addr string) context.Context {
	n := g.n.Add(1)
	return slogaudit.ContextWithAttrs(context.Background(),
		slog.String(slogaudit.KeyRequestID, fmt.Sprintf("req-%d", n)),
		slog.String(slogaudit.KeyClientAddress, addr))
}

func (g *rig) loginFailed(user, addr string) {
	authaudit.New(g.l).LoginFailed(g.request(addr), user, authaudit.ReasonBadPassword)
}

func (g *rig) clientError(path, addr string, status int) {
	g.l.LogAttrs(g.request(addr), slog.LevelWarn, "http.response",
		slog.String(slogaudit.KeyEventType, httpaudit.EventClientError),
		slog.String(httpaudit.KeyURLPath, path),
		slog.Int(httpaudit.KeyHTTPStatusCode, status))
}

func (g *rig) denied(user, addr string) {
	authaudit.New(g.l).AccessDenied(g.request(addr), user, "invoice/1")
}
