package auditsink

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Any JSON object written through Chain comes back as the same object plus
// seq and chain, and the file verifies.
func FuzzChainRoundTrip(f *testing.F) {
	f.Add(`{"a":1}`)
	f.Add(`{}`)
	f.Add(`{ "nested":{"x":[1,2,{"y":"}"}]}, "s":"\"seq\":7" }`)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, obj string) {
		var want map[string]any
		if json.Unmarshal([]byte(obj), &want) != nil || bytes.ContainsAny([]byte(obj), "\n\r") {
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
		if err := c.WriteRecord(0, true, append(trimmed, '\n')); err != nil {
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
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Tampered)
		}
	})
}

// Verify never panics, whatever the file holds, and never calls a changed
// file OK unless the change is only a torn fragment at the end.
func FuzzVerify(f *testing.F) {
	var out bytes.Buffer
	c, _ := NewChain(&out, nil, &ChainOptions{Rand: bytes.NewReader(testSegmentRand)})
	c.Write([]byte(`{"a":1}` + "\n"))
	c.Write([]byte(`{"a":2}` + "\n"))
	good := out.Bytes()
	f.Add(good, 0, byte(0))
	f.Add(good, len(good)-1, byte('x'))
	f.Add([]byte("{\"seq\":0,\"chain\":\"00\"}\n\n"), 3, byte('1'))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, at int, b byte) {
		path := filepath.Join(dir, "f.log")
		mutated := bytes.Clone(data)
		changed := false
		if len(mutated) > 0 {
			at = ((at % len(mutated)) + len(mutated)) % len(mutated)
			changed = mutated[at] != b
			mutated[at] = b
		}
		os.WriteFile(path, mutated, 0o600)
		rep, err := Verify([]string{path}, nil)
		if err != nil || rep.OK() == false || !bytes.Equal(data, good) || !changed {
			return
		}
		// A valid file with one byte changed verifies only if that byte is
		// in the last line and made it a torn fragment.
		last := bytes.LastIndexByte(good[:len(good)-1], '\n')
		if at <= last || !hasNote(rep, Torn) {
			t.Fatalf("byte %d changed to %q and the file still verifies: %+v", at, b, rep)
		}
	})
}
