package detect_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

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
