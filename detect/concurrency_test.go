package detect_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/slogaudit"
)

// TestConcurrent logs from many goroutines onto overlapping keys while
// Sweep and Stats run: every record is counted once, and every key that
// crosses the threshold opens exactly one episode, however the goroutines
// interleave (run it under -race).
func TestConcurrent(t *testing.T) {
	const workers, perWorker, accounts = 8, 400, 50
	th := detect.Threshold{Count: 20, Window: 3600 * sec, Cooldown: 3600 * sec}
	opts := only(detect.RuleLoginFailAccount, th)
	opts.Shards, opts.MaxKeys = 4, 1024
	g := newRig(t, opts)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				g.d.Sweep()
				_ = g.d.Stats()
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := authaudit.New(g.l.With("worker", w))
			for i := range perWorker {
				ctx := slogaudit.ContextWithAttrs(context.Background(),
					slog.String(slogaudit.KeyRequestID, fmt.Sprintf("w%d-%d", w, i)))
				l.LoginFailed(ctx, fmt.Sprintf("acct%d", i%accounts), "")
			}
		}()
	}
	wg.Wait()
	close(stop)
	st := g.d.Stats()
	if st.Matched != workers*perWorker {
		t.Errorf("matched %d, want %d", st.Matched, workers*perWorker)
	}
	// Each account got workers*perWorker/accounts = 64 failures: one episode
	// each, and no more.
	starts := map[any]int{}
	for _, e := range g.out.events() {
		if e.attrs[detect.KeyPhase] == detect.PhaseStart {
			starts[e.attrs[detect.KeyKey]]++
		}
	}
	if len(starts) != accounts || int(st.Episodes) != accounts {
		t.Errorf("%d keys opened episodes (stats %d), want %d", len(starts), st.Episodes, accounts)
	}
	for k, n := range starts {
		if n != 1 {
			t.Errorf("key %v: %d start events", k, n)
		}
	}
}

// TestCloseWhileLogging: episodes opened while Close runs are all ended:
// every start event has its summary.
func TestCloseWhileLogging(t *testing.T) {
	th := detect.Threshold{Count: 2, Window: 3600 * sec, Cooldown: 3600 * sec}
	g := newRig(t, only(detect.RuleLoginFailAccount, th))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				g.loginFailed(fmt.Sprintf("w%d-%d", w, i/2), "")
			}
		}()
	}
	_ = g.d.Close()
	wg.Wait()
	open := map[any]int{}
	for _, e := range g.out.events() {
		if e.attrs[detect.KeyPhase] == detect.PhaseStart {
			open[e.attrs[detect.KeyEpisodeID]]++
		} else {
			open[e.attrs[detect.KeyEpisodeID]]--
		}
	}
	for id, n := range open {
		if n != 0 {
			t.Errorf("episode %v: starts minus ends = %d", id, n)
		}
	}
}
