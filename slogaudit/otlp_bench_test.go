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
// of the OTLP/JSON transcoding is the difference between the two.
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

// BenchmarkTranscode measures the transcoder alone on the benchmark record's
// JSON lines line: as the handler runs it (the resource known, transcoded
// once) and for a line of unknown origin.
func BenchmarkTranscode(b *testing.B) {
	var lb lineBuffer
	r := benchRecord()
	_ = NewHandler(&lb, nil).Handle(context.Background(), r)
	line := append([]byte{0}, lb.String()...)
	c := NewHandler(io.Discard, &Options{Format: FormatOTLPJSON}).c
	for _, bc := range []struct {
		name string
		c    *config
	}{{"handler", c}, {"unknown", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			out := make([]byte, 0, 4096)
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				out, _ = transcodeWith(out[:0], line, bc.c)
			}
		})
	}
}
