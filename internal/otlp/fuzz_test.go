package otlp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzBatch feeds arbitrary lines to both encodings: Add never panics, the
// two agree on what they accept, and what they accept turns into a JSON
// request that parses and a protobuf request that decodes under the schema,
// with as many records as Add counted.
func FuzzBatch(f *testing.F) {
	goldens, _ := filepath.Glob("../../slogaudit/testdata/otlp_*.golden")
	for _, g := range goldens {
		if b, err := os.ReadFile(g); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(head + `{"body":{"stringValue":"1"}}]}]}]}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		pb, js := NewBatch(true), NewBatch(false)
		perr, jerr := pb.Add(line), js.Add(line)
		if (perr == nil) != (jerr == nil) {
			t.Fatalf("the encodings disagree: protobuf %v, JSON %v", perr, jerr)
		}
		if perr != nil {
			return
		}
		body, err := js.Append(nil, 0, 1)
		if err != nil || !json.Valid(body) {
			t.Fatalf("JSON request %q: %v", body, err)
		}
		wire, err := pb.Append(nil, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		dump(t, wire, "Request")
		if pb.Records(0, 1) != js.Records(0, 1) || pb.Records(0, 1) == 0 {
			t.Fatalf("records: protobuf %d, JSON %d", pb.Records(0, 1), js.Records(0, 1))
		}
	})
}
