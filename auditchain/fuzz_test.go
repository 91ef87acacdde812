package auditchain

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/internal/sinktest"
)

// Any JSON object on one line written through Chain comes back as the same
// object plus seq and chain, and the file verifies; an object spread over
// lines is refused (its lines would not be records).
func FuzzChainRoundTrip(f *testing.F) {
	f.Add(`{"a":1}`)
	f.Add(`{}`)
	f.Add(`{ "nested":{"x":[1,2,{"y":"}"}]}, "s":"\"seq\":7" }`)
	f.Add("{\n \"a\": 1\n}")
	f.Add("{\"a\":1,\r\"b\":2}")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, obj string) {
		var want map[string]any
		if json.Unmarshal([]byte(obj), &want) != nil {
			t.Skip()
		}
		if _, dup := want["seq"]; dup {
			t.Skip()
		}
		if _, dup := want["chain"]; dup {
			t.Skip()
		}
		trimmed := bytes.TrimSpace([]byte(obj))
		var out bytes.Buffer
		c, err := NewChain(&out, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		header := out.Len() // written at once
		err = c.WriteRecord(0, true, append(trimmed, '\n'))
		if bytes.ContainsAny(trimmed, "\n\r") {
			if !errors.Is(err, ErrNotObject) || out.Len() != header {
				t.Fatalf("multi-line object: err %v, wrote %q", err, out.String())
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte{'\n'}), []byte{'\n'})
		var got map[string]any
		if err := json.Unmarshal(lines[len(lines)-1], &got); err != nil {
			t.Fatalf("chained line is not JSON: %v: %s", err, lines[len(lines)-1])
		}
		if got["seq"] != 1.0 || len(got["chain"].(string)) != 64 {
			t.Fatalf("seq/chain: %v", got)
		}
		delete(got, "seq")
		delete(got, "chain")
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(want)
		if !bytes.Equal(a, b) {
			t.Fatalf("object changed: %s, want %s", a, b)
		}
		path := filepath.Join(dir, "f.log")
		os.WriteFile(path, out.Bytes(), 0o600)
		rep, err := Verify([]string{path}, nil)
		if err != nil || !rep.Complete() {
			t.Fatalf("verify: %v %v", err, rep.Tampered)
		}
	})
}

// fuzzTrail is a signed, closed trail with a fragment of a failed write in
// its middle (which the chain covers), a failed write just before a
// rotation in place (which the final checkpoint names as its tail, and the
// next header counts in found_bytes), a second segment, and its sidecar.
func fuzzTrail(f *testing.F) (good, ckpt []byte) {
	d := &sinktest.FullDisk{Free: 1 << 20}
	var ck bytes.Buffer
	c, err := NewChain(d, &ck, &ChainOptions{SigningKey: testSignKey, CheckpointEvery: 2,
		Rand: bytes.NewReader(append(bytes.Clone(testSegmentRand), bytes.Repeat([]byte{0x10}, 16)...)), Encoder: encoderAt(func() time.Time { return testTime })})
	if err != nil {
		f.Fatal(err)
	}
	c.Write([]byte(`{"a":1}` + "\n"))
	d.Free = 12
	c.Write([]byte(`{"a":2,"msg":"lost"}` + "\n")) // fails part-way
	d.AddSpace(1 << 20)
	c.Write([]byte(`{"a":3}` + "\n"))
	c.Write([]byte(`{"a":4}` + "\n"))
	d.Free = 9
	c.Write([]byte(`{"a":5,"msg":"lost too"}` + "\n")) // fails just before the segment ends
	d.AddSpace(1 << 20)
	if err := c.Reopen(); err != nil {
		f.Fatal(err)
	}
	c.Write([]byte(`{"a":6}` + "\n"))
	c.Close()
	if !bytes.Contains(ck.Bytes(), []byte(`"tail":"`)) || !strings.Contains(d.String(), KeyChainFoundBytes) {
		f.Fatalf("trail without tail or found_bytes:\n%s\n%s", d.String(), ck.String())
	}
	return []byte(d.String()), ck.Bytes()
}

// Splicing data into a valid signed trail in place of b bytes at at gives a
// file that does not verify as complete, unless it is byte-identical or
// lacks only the final newline (the one byte the format does not cover: a
// line that lost just its newline is still whole). Every other byte, the
// fragment of a failed write included, is covered by the chain, and the end
// by the final checkpoint. And Verify never panics on what it reads.
func FuzzVerify(f *testing.F) {
	good, ckpt := fuzzTrail(f)
	dir := f.TempDir()
	path := filepath.Join(dir, "f.log")
	if err := os.WriteFile(path+".ckpt", ckpt, 0o600); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{}, 0, byte(0))                           // identical
	f.Add([]byte{}, len(good)-1, byte(1))                 // final newline removed
	f.Add([]byte("x"), 5, byte(1))                        // a byte replaced
	f.Add([]byte("\n"), 0, byte(0))                       // an empty line inserted
	f.Add([]byte{}, len(good), byte(0))                   // nothing appended
	f.Add([]byte("{\"forged\":1}\n"), len(good), byte(0)) // a record appended
	f.Add([]byte("{\"forged\":"), bytes.Index(good, []byte(`{"a":3`)), byte(0))
	f.Add([]byte{}, bytes.Index(good, []byte(`{"a":4`)), byte(255))     // the tail cut
	f.Add([]byte("x"), bytes.Index(good, []byte(`{"a":5`))+2, byte(1))  // the named fragment edited
	f.Add([]byte{}, bytes.Index(good, []byte(`{"a":5`)), byte(9))       // the named fragment removed
	f.Add([]byte("{\"x"), bytes.Index(good, []byte(`{"a":6`)), byte(0)) // a fragment inserted after the restart
	f.Fuzz(func(t *testing.T, data []byte, at int, b byte) {
		i := ((at % (len(good) + 1)) + len(good) + 1) % (len(good) + 1)
		j := min(len(good), i+int(b))
		m := append(append(append([]byte{}, good[:i]...), data...), good[j:]...)
		if err := os.WriteFile(path, m, 0o600); err != nil {
			t.Fatal(err)
		}
		rep, err := Verify([]string{path}, &VerifyOptions{PublicKey: testPubKey})
		if err != nil {
			t.Fatal(err)
		}
		same := bytes.Equal(m, good) || bytes.Equal(m, good[:len(good)-1])
		if rep.Complete() != same {
			t.Fatalf("%q in place of bytes %d..%d: complete %v, want %v: %v %v", data, i, j, rep.Complete(), same, rep.Tampered, rep.Incomplete)
		}
		Verify([]string{path}, nil) // must not panic either
	})
}
