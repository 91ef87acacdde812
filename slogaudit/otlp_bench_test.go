package slogaudit

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/redact"
)

// BenchmarkHandleFormat measures Handle for the benchmark record in
// both formats, side by side (same record, options and writer), so the cost
// of the OTLP/JSON format is the difference between the two.
func BenchmarkHandleFormat(b *testing.B) {
	ctx := context.Background()
	for _, rd := range []struct {
		name string
		r    *redact.Redactor
	}{{"redact.Default", redact.Default()}, {"redact.None", redact.None()}} {
		for _, f := range []struct {
			name   string
			format Format
		}{{"jsonl", FormatJSONL}, {"otlp", FormatOTLPJSON}} {
			b.Run(rd.name+"/"+f.name, func(b *testing.B) {
				var h slog.Handler = NewHandler(io.Discard, &Options{Redactor: rd.r, Format: f.format})
				r := benchRecord()
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := h.Handle(ctx, r); err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		}
	}
}
