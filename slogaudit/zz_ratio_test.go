package slogaudit

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/secaudit/auditkit/redact"
)

func TestZZRatio(t *testing.T) {
	ctx := context.Background()
	r := benchRecord()
	hs := []slog.Handler{slog.NewJSONHandler(io.Discard, nil), NewHandler(io.Discard, &Options{Redactor: redact.None()}), NewHandler(io.Discard, nil)}
	best := make([]time.Duration, len(hs))
	for round := 0; round < 30; round++ {
		for i, h := range hs {
			start := time.Now()
			for j := 0; j < 20000; j++ {
				h.Handle(ctx, r)
			}
			d := time.Since(start) / 20000
			if best[i] == 0 || d < best[i] {
				best[i] = d
			}
		}
	}
	t.Logf("min ns/op: slog.JSON %v, slogaudit(None) %v, slogaudit(Default) %v; ratio None %.2f Default %.2f", best[0], best[1], best[2], float64(best[1])/float64(best[0]), float64(best[2])/float64(best[0]))
}
