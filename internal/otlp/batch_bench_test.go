package otlp

import (
	"os"
	"testing"
)

// BenchmarkBatch transcodes the golden line with every value kind and
// assembles a request of 512 such lines, per line.
func BenchmarkBatch(b *testing.B) {
	line, err := os.ReadFile("../../slogaudit/testdata/otlp_http_client_error.golden")
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		protobuf bool
	}{{"protobuf", true}, {"json", false}} {
		b.Run(tc.name, func(b *testing.B) {
			batch := NewBatch(tc.protobuf)
			var body []byte
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := batch.Add(line); err != nil {
					b.Fatal(err)
				}
				if batch.Lines() == 512 {
					if body, err = batch.Append(body[:0], 0, 512); err != nil {
						b.Fatal(err)
					}
					batch.Reset()
				}
			}
		})
	}
}
