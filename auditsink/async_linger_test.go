package auditsink

import (
	"bytes"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/secaudit/auditkit/internal/sinktest"
)

// The worker waits for partial batches to fill (lingerTime), and writers
// that find a small queue full wake it early. Whatever the interleaving of
// lingering, wake-ups and blocked writers, every line must arrive exactly
// once and in order per writer. (That the wake-up saves time shows in
// BenchmarkWriteSmallQueue; timing is no unit test's business.)
func TestAsyncLingerKeepsEveryLine(t *testing.T) {
	for _, lines := range []int{1, 2, 3, 4, 100} {
		t.Run(fmt.Sprint(lines), func(t *testing.T) {
			rec := &recorder{}
			a := NewAsync(rec, &AsyncOptions{MaxQueueLines: lines, BlockTimeout: -1, DropReportInterval: -1})
			const writers, each = 4, 300
			var wg sync.WaitGroup
			for g := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						if err := a.WriteRecord(slog.LevelInfo, true, fmt.Appendf(nil, "{\"g\":%d,\"i\":%d}\n", g, i)); err != nil {
							t.Errorf("WriteRecord: %v", err)
							return
						}
					}
				}()
			}
			wg.Wait()
			sinktest.Close(t, a)
			if s := a.Stats(); s != (Stats{Written: writers * each}) {
				t.Errorf("Stats = %+v", s)
			}
			next := make([]int, writers)
			for _, l := range rec.snapshot() {
				var g, i int
				if _, err := fmt.Sscanf(string(bytes.TrimSpace(l)), "{\"g\":%d,\"i\":%d}", &g, &i); err != nil {
					t.Fatalf("line %q: %v", l, err)
				}
				if i != next[g] {
					t.Fatalf("writer %d: line %d after %d", g, i, next[g]-1)
				}
				next[g]++
			}
		})
	}
}
