package auditsink

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/internal/buffer"
)

// spin stands for the application's own work between two log lines (about
// a microsecond), so that the Async worker keeps up as it does in a server.
//
//go:noinline
func spin(x uint64) uint64 {
	for range 300 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

var sink uint64

// BenchmarkWritePaced measures the application's cost of a line when the
// worker keeps up on a core of its own (one writer goroutine), unlike BenchmarkWrite, whose writers outrun the worker
// and so measure the worker's throughput with a full queue (10 000 buffers,
// 10 MB, cycled through memory that no cache holds). Subtract "work+copy"
// from "work+async" for the hand-over's price over a plain copy.
func BenchmarkWritePaced(b *testing.B) {
	b.Run("work+copy", func(b *testing.B) {
		x := uint64(1)
		for range b.N {
			x = spin(x)
			buf := buffer.New()
			*buf = append(*buf, benchLine...)
			buf.Free()
		}
		sink += x
	})
	b.Run("work+async", func(b *testing.B) {
		a := NewAsync(io.Discard, nil)
		defer a.Close(context.Background())
		x := uint64(1)
		for range b.N {
			x = spin(x)
			a.WriteRecord(slog.LevelInfo, true, benchLine)
		}
		sink += x
		b.StopTimer()
		if s := a.Stats(); s.Dropped > 0 {
			b.Logf("dropped %d of %d", s.Dropped, b.N)
		}
	})
}

// BenchmarkWriteSmallQueue checks that a tiny queue, which the worker
// drains in partial batches, keeps its throughput: writers that find it full
// must not wait for the worker's lingering.
func BenchmarkWriteSmallQueue(b *testing.B) {
	a := NewAsync(io.Discard, &AsyncOptions{MaxQueueLines: 4, BlockTimeout: -1})
	defer a.Close(context.Background())
	for range b.N {
		a.WriteRecord(slog.LevelInfo, true, benchLine)
	}
}
