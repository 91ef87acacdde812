package detect_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/slogaudit"
)

// The red team's breaks of the first detect release, one test each; every
// one failed on that release.

// TestEvictionReportsAddUp: under a flood of new addresses from several
// goroutines while Sweep reports, the detect.evicted events add up to
// Stats.Evictions. Sweep used to read each shard's unreported evictions in
// one pass and mark them reported in a second: evictions in between were
// lost (run it under -race).
func TestEvictionReportsAddUp(t *testing.T) {
	o := only(detect.RuleLoginFailAddress, detect.Threshold{})
	o.MaxKeys, o.Shards = 16, 16
	g := newRig(t, o)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				g.loginFailed("x", fmt.Sprintf("10.%d.%d.%d", w, (i>>8)&255, i&255))
			}
		}()
	}
	for k := 1; g.d.Stats().Evictions < 20000; k++ {
		g.c.set(time.Duration(k) * time.Minute)
		g.d.Sweep()
	}
	close(stop)
	wg.Wait()
	_ = g.d.Close()
	var reported int64
	for _, e := range g.out.events() {
		if e.attrs[slogaudit.KeyEventType] == detect.EventEvicted {
			reported += e.attrs[detect.KeyEvictions].(int64)
		}
	}
	if st := g.d.Stats(); uint64(reported) != st.Evictions {
		t.Errorf("detect.evicted reported %d evictions, Stats counts %d", reported, st.Evictions)
	}
}

// gate is a downstream handler that blocks on the first start event until
// release is closed.
type gate struct {
	*recorder
	entered, release chan struct{}
	once             sync.Once
}

func (h *gate) Handle(ctx context.Context, r slog.Record) error {
	isStart := false
	r.Attrs(func(a slog.Attr) bool {
		isStart = isStart || a.Key == detect.KeyPhase && a.Value.String() == detect.PhaseStart
		return true
	})
	if isStart {
		h.once.Do(func() { close(h.entered); <-h.release })
	}
	return h.recorder.Handle(ctx, r)
}

// TestCloseWaitsForStart: a start event still being written when Close
// begins is written before Close returns, and before its summary. The start
// used to be written after Close had returned, after the summary.
func TestCloseWaitsForStart(t *testing.T) {
	c := newClock()
	o := only(detect.RuleLoginFailAddress, detect.Threshold{Count: 1, Window: 10 * sec})
	o.Now, o.SweepInterval = c.Now, -1
	d, err := detect.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	h := &gate{recorder: newRecorder(), entered: make(chan struct{}), release: make(chan struct{})}
	l := slog.New(d.Middleware()(h))
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		authaudit.New(l).LoginFailed(slogaudit.ContextWithAttrs(context.Background(),
			slog.String(slogaudit.KeyClientAddress, "192.0.2.5")), "x", "")
	}()
	<-h.entered
	closed := make(chan struct{})
	go func() { _ = d.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a start event was still being written")
	case <-time.After(50 * time.Millisecond):
	}
	close(h.release)
	<-closed
	n := len(h.events())
	<-logged
	var seq []string
	for _, e := range h.events() {
		seq = append(seq, fmt.Sprint(e.attrs[detect.KeyPhase], "/", e.attrs[detect.KeyEndReason]))
	}
	if want := []string{"start/<nil>", "end/closed"}; !slices.Equal(seq, want) || n != len(want) {
		t.Errorf("events %q (%d when Close returned), want %q", seq, n, want)
	}
}

// TestSummaryNeverBeforeStart: an episode that ends (here: Sweep, with
// the clock past its cool-down) while its start event is still being
// written has its summary written after the start.
func TestSummaryNeverBeforeStart(t *testing.T) {
	c := newClock()
	o := only(detect.RuleLoginFailAddress, detect.Threshold{Count: 1, Window: 10 * sec, Cooldown: 10 * sec})
	o.Now, o.SweepInterval = c.Now, -1
	d, err := detect.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	h := &gate{recorder: newRecorder(), entered: make(chan struct{}), release: make(chan struct{})}
	l := slog.New(d.Middleware()(h))
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		authaudit.New(l).LoginFailed(slogaudit.ContextWithAttrs(context.Background(),
			slog.String(slogaudit.KeyClientAddress, "192.0.2.5")), "x", "")
	}()
	<-h.entered
	c.set(time.Minute)
	d.Sweep()
	close(h.release)
	<-logged
	var seq []string
	for _, e := range h.events() {
		seq = append(seq, fmt.Sprint(e.attrs[detect.KeyPhase], "/", e.attrs[detect.KeyEndReason]))
	}
	if want := []string{"start/<nil>", "end/quiet"}; !slices.Equal(seq, want) {
		t.Errorf("events %q, want %q", seq, want)
	}
	_ = d.Close()
}

// TestClockStepBack: an injected clock that jumps a day ahead and comes
// back does not freeze the episode opened in the future: the sweep clamps
// its last record to now, and the summary follows a cool-down later.
// Counts made in the future do not linger in the window either.
func TestClockStepBack(t *testing.T) {
	g := newRig(t, only(detect.RuleLoginFailAddress, detect.Threshold{Count: 2, Window: 10 * sec, Cooldown: 10 * sec}))
	g.c.set(24 * time.Hour)
	g.loginFailed("x", "192.0.2.9")
	g.loginFailed("x", "192.0.2.9")
	g.loginFailed("x", "192.0.2.10")
	for h := 1; h <= 3; h++ {
		g.c.set(time.Duration(h) * time.Hour)
		g.d.Sweep()
	}
	g.loginFailed("x", "192.0.2.10") // its record at +24 h left the window
	want := []string{"login_fail_address start count=2", "login_fail_address end count=2 quiet"}
	if got := g.out.derived(); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
