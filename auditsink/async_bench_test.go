package auditsink

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"runtime"
	"testing"

	"github.com/secaudit/auditkit/internal/buffer"
	"github.com/secaudit/auditkit/internal/sinktest"
)

// benchLine is a typical audit line (about 500 bytes).
var benchLine = append(bytes.Repeat([]byte(`{"k":"v"},`), 50)[:499], '\n')

// BenchmarkWrite compares the application's cost of one line: a direct
// io.Discard write (the floor), the Async hand-over, and Chain.
func BenchmarkWrite(b *testing.B) {
	b.Run("direct-discard", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchLine)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				io.Discard.Write(benchLine)
			}
		})
	})
	b.Run("copy-pooled", func(b *testing.B) { // the hand-over's floor: copy into a pooled buffer
		b.ReportAllocs()
		b.SetBytes(int64(len(benchLine)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				buf := buffer.New()
				*buf = append(*buf, benchLine...)
				buf.Free()
			}
		})
	})
	b.Run("async-discard", func(b *testing.B) {
		a := NewAsync(io.Discard, nil)
		defer a.Close(context.Background())
		b.ReportAllocs()
		b.SetBytes(int64(len(benchLine)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				a.WriteRecord(slog.LevelInfo, true, benchLine)
			}
		})
		b.StopTimer()
		if s := a.Stats(); s.Dropped > 0 {
			b.Logf("dropped %d of %d", s.Dropped, b.N)
		}
	})
	b.Run("async-discard-serial", func(b *testing.B) {
		a := NewAsync(io.Discard, nil)
		defer a.Close(context.Background())
		b.ReportAllocs()
		b.SetBytes(int64(len(benchLine)))
		for range b.N {
			a.WriteRecord(slog.LevelInfo, true, benchLine)
		}
	})
}

func TestAsyncWriteRecordAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	a := NewAsync(io.Discard, nil)
	defer sinktest.Close(t, a)
	// Steady state: the worker keeps up and returns buffers to the pool.
	write := func() {
		a.WriteRecord(slog.LevelInfo, true, benchLine)
		for a.Stats().Queued > 0 {
			runtime.Gosched()
		}
	}
	for range 100 {
		write()
	}
	if n := testing.AllocsPerRun(1000, write); n > 0 {
		t.Errorf("WriteRecord allocates %v times per line, want 0", n)
	}
}
