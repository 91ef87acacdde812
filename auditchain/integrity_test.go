package auditchain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/internal/sinktest"
	"github.com/secaudit/auditkit/slogaudit"
)

// fragmentTrail writes a chain to a full disk: line 1, a line that fails
// part-way (a fragment), lines 3 and 4. It returns the bytes and the
// fragment.
func fragmentTrail(t *testing.T, key []byte) (data []byte, frag string) {
	t.Helper()
	d := &sinktest.FullDisk{Free: 1 << 20}
	c, err := NewChain(d, nil, &ChainOptions{HMACKey: key})
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte(`{"i":1}` + "\n"))
	d.Free = 10
	if _, err := c.Write([]byte(`{"i":2,"user":"bob"}` + "\n")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v", err)
	}
	d.AddSpace(1 << 20)
	c.Write([]byte(`{"i":3}` + "\n"))
	c.Write([]byte(`{"i":4}` + "\n"))
	out := d.String()
	lines := strings.Split(out, "\n")
	if lines[2] != `{"i":2,"us` {
		t.Fatalf("fragment %q", lines[2])
	}
	return []byte(out), lines[2]
}

// Lines without seq and chain are not free to insert: the next chained line
// commits to every byte between it and the line before, so a forged record
// or fragment anywhere is caught, with or without HMAC.
func TestVerifyRejectsUnchainedInsertions(t *testing.T) {
	for _, key := range [][]byte{nil, []byte("chain key")} {
		data, frag := fragmentTrail(t, key)
		lines := splitKeep(data) // header, 1, fragment, 3, 4
		if rep := verifyT(t, &VerifyOptions{HMACKey: key}, sinktest.WriteFile(t, string(data))); !rep.Complete() || !hasNote(rep, Torn) || rep.Lines != 4 {
			t.Fatalf("untouched: %+v %v", rep, rep.Tampered)
		}
		insert := func(at int, l string) string {
			return string(bytes.Join(append(append(append([][]byte{}, lines[:at]...), []byte(l)), lines[at:]...), nil))
		}
		for _, tt := range []struct {
			name     string
			file     string
			wantLine int
		}{
			{"record after line 1", insert(2, `{"event_type":"auth.login.success","user.id":"admin"}`+"\n"), 3},
			{"record after the header", insert(1, `{"event_type":"auth.login.success"}`+"\n"), 2},
			{"fragment-like line", insert(4, `{"event_type":"auth.login.success","user.id":"admin"`+"\n"), 5},
			{"empty line", insert(4, "\n"), 5},
			{"plain text", insert(4, "hello\n"), 5},
			{"record appended", string(data) + `{"event_type":"auth.login.success"}` + "\n", 6},
			{"record appended without newline", string(data) + `{"event_type":"x"}`, 6},
			{"fragment edited", strings.Replace(string(data), frag, `{"i":9,"us`, 1), 3},
			{"fragment removed", strings.Replace(string(data), frag+"\n", "", 1), 3},
			{"fragment added to", strings.Replace(string(data), frag, frag+`er":"eve"`, 1), 3},
		} {
			rep := verifyT(t, &VerifyOptions{HMACKey: key}, sinktest.WriteFile(t, tt.file))
			if rep.OK() || rep.Tampered.Line != tt.wantLine || rep.Tampered.Kind != Modified {
				t.Errorf("key %q, %s: %v, want modified at line %d", key, tt.name, rep.Tampered, tt.wantLine)
			}
		}
		// Something that could be a torn write at the very end is not
		// tampering, but nothing covers it: not complete.
		rep := verifyT(t, &VerifyOptions{HMACKey: key}, sinktest.WriteFile(t, string(data)+`{"event_type":"auth.login.succ`))
		if !rep.OK() || rep.Complete() || !hasKind(rep.Incomplete, Torn) || rep.Incomplete[0].Line != 6 {
			t.Errorf("key %q, torn tail: %+v", key, rep)
		}
	}
}

// A fragment that a crash left at the end of a file is not vouched for by
// the header of the segment the restart writes (issue 12: it only records
// how many bytes it found); the crash range stays unproven. After a
// rotation, the final checkpoint names the writer's own fragment (tail).
func TestFragmentsAtTheEnd(t *testing.T) {
	pub := &VerifyOptions{PublicKey: testPubKey}
	t.Run("restart", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "audit.log")
		writeChain(t, path, 3, signed())
		dropFinal(t, path) // a crash: no final checkpoint
		data, _ := os.ReadFile(path)
		torn := append(bytes.Clone(data), `{"event_type":"test","i":3,"ms`...)
		os.WriteFile(path, torn, 0o600)
		writeChain(t, path, 2, signed())
		rep := verifyT(t, pub, path)
		if !rep.OK() || rep.Complete() || rep.Segments != 2 || len(rep.Incomplete) != 1 || rep.Incomplete[0].Line != 2 {
			t.Fatalf("crash with a torn line: %+v %v", rep, rep.Incomplete)
		}
		r := crashRange(t, rep)
		if r.From != 1 || r.To != 3 { // lines 1-3, and the torn line after seq 3
			t.Errorf("crash range %v", r)
		}
		if rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey, Accept: []Range{r}}, path); !rep.Complete() || !hasNote(rep, Torn) || !hasNote(rep, Unclosed) {
			t.Errorf("accepted: %+v", rep)
		}
		// The header records the number of bytes: one more is an insertion.
		all, _ := os.ReadFile(path)
		os.WriteFile(path, bytes.Replace(all, []byte(`"i":3,"ms`), []byte(`"i":3,"msg`), 1), 0o600)
		if rep := verifyT(t, pub, path); rep.OK() || rep.Tampered.Line != 6 || !strings.Contains(rep.Tampered.Msg, "found 31") {
			t.Fatalf("lengthened crash fragment: %v", rep.Tampered)
		}
	})
	t.Run("rotation", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "audit.log")
		f, err := auditsink.OpenFile(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		ck, err := auditsink.OpenFile(path+".ckpt", nil)
		if err != nil {
			t.Fatal(err)
		}
		d := &sinktest.FullDisk{Free: 1 << 20}
		w := &fileOnDisk{f, d}
		c, _ := NewChain(w, ck, &ChainOptions{SigningKey: testSignKey})
		c.Write([]byte(`{"i":1}` + "\n"))
		d.Free = 5
		c.Write([]byte(`{"i":2}` + "\n")) // the old file ends in a fragment
		d.AddSpace(1 << 20)
		os.Rename(path, path+".1")
		os.Rename(path+".ckpt", path+".1.ckpt")
		if err := c.Reopen(); err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(`{"i":3}` + "\n"))
		c.Close()
		f.Close()
		ck.Close()
		rep := verifyT(t, pub, path+".1", path)
		if !rep.Complete() || rep.Segments != 2 || !hasNote(rep, Torn) {
			t.Fatalf("%+v %v %v", rep, rep.Tampered, rep.Incomplete)
		}
		old, _ := os.ReadFile(path + ".1")
		os.WriteFile(path+".1", append(old[:len(old)-1], 'X'), 0o600)
		if rep := verifyT(t, pub, path+".1", path); rep.OK() || rep.Tampered.File != path+".1" || !strings.Contains(rep.Tampered.Msg, "after the final checkpoint") {
			t.Fatalf("edited fragment at the end of a rotated file: %v", rep.Tampered)
		}
	})
}

// dropFinal removes the final checkpoint from path's sidecar, as a crash
// would have left it.
func dropFinal(t *testing.T, path string) {
	t.Helper()
	ck, err := os.ReadFile(path + ".ckpt")
	if err != nil {
		t.Fatal(err)
	}
	ls := splitKeep(ck)
	if !bytes.Contains(ls[len(ls)-1], []byte(`"final":true`)) {
		t.Fatalf("no final checkpoint at the end of %s", ck)
	}
	os.WriteFile(path+".ckpt", bytes.Join(ls[:len(ls)-1], nil), 0o600)
}

// crashRange returns the range of the report's one crash range finding.
func crashRange(t *testing.T, rep *Report) Range {
	t.Helper()
	for _, f := range rep.Incomplete {
		if _, after, ok := strings.Cut(f.Msg, "-accept "); ok {
			r, err := ParseRange(after)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatalf("no crash range in %v", rep.Incomplete)
	return Range{}
}

// fileOnDisk is a File that runs out of space when d does: what reaches
// the File is what d accepted.
type fileOnDisk struct {
	f *auditsink.File
	d *sinktest.FullDisk
}

func (w *fileOnDisk) Write(p []byte) (int, error) {
	n, err := w.d.Write(p)
	if _, ferr := w.f.Write(p[:n]); ferr != nil {
		return 0, ferr
	}
	return n, err
}

func (w *fileOnDisk) Reopen() error { return w.f.Reopen() }

// With a public key, the checkpoints are required: deleting or emptying the
// sidecar, or cutting it back past a segment, would otherwise let whoever
// can write the file rewrite the whole SHA-256 chain.
func TestVerifyRequiresCheckpoints(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	writeChain(t, path, 3, signed())
	ck, _ := os.ReadFile(path + ".ckpt")
	if !strings.HasPrefix(string(ck), `{"segment":`) || !strings.Contains(strings.SplitN(string(ck), "\n", 2)[0], `"seq":0,`) {
		t.Fatalf("no checkpoint right after the header: %s", ck)
	}
	pub := &VerifyOptions{PublicKey: testPubKey}
	cks := splitKeep(ck)

	// The rewrite an attacker would do: new content, chain recomputed.
	data, _ := os.ReadFile(path)
	rewritten := rechain(t, bytes.Replace(data, []byte(`"i":1,`), []byte(`"i":8,`), 1))
	os.WriteFile(path, rewritten, 0o600)
	if rep := verifyT(t, nil, path); !rep.Complete() {
		t.Fatalf("the rewrite is not a valid SHA-256 chain: %v", rep.Tampered)
	}
	for _, tt := range []struct {
		name string
		ckpt []byte // nil: no sidecar
		kind FindingKind
	}{
		{"sidecar deleted", nil, MissingCheckpoint},
		{"sidecar emptied", []byte{}, MissingCheckpoint},
		{"only a torn checkpoint left", cks[0][:40], MissingCheckpoint},
		{"sidecar kept", ck, Modified},
	} {
		os.Remove(path + ".ckpt")
		if tt.ckpt != nil {
			os.WriteFile(path+".ckpt", tt.ckpt, 0o600)
		}
		rep := verifyT(t, pub, path)
		if rep.OK() || rep.Tampered.Kind != tt.kind {
			t.Errorf("%s: %v, want %v", tt.name, rep.Tampered, tt.kind)
		}
	}
	// A restart adds segment 2 with its own checkpoints. Cut those from the
	// sidecar (and rewrite the segment): a segment with lines but no
	// checkpoint.
	os.WriteFile(path, data, 0o600)
	os.WriteFile(path+".ckpt", ck, 0o600)
	writeChain(t, path, 2, signed())
	if rep := verifyT(t, pub, path); !rep.Complete() {
		t.Fatalf("after restart: %v %v", rep.Tampered, rep.Incomplete)
	}
	ck, _ = os.ReadFile(path + ".ckpt")
	cks = splitKeep(ck)
	var firstSeg [][]byte
	seg1 := string(cks[0][:len(`{"segment":"`)+32])
	for _, l := range cks {
		if strings.HasPrefix(string(l), seg1) {
			firstSeg = append(firstSeg, l)
		}
	}
	os.WriteFile(path+".ckpt", bytes.Join(firstSeg, nil), 0o600)
	if rep := verifyT(t, pub, path); rep.OK() || rep.Tampered.Kind != MissingCheckpoint || rep.Tampered.Line != 7 {
		t.Errorf("second segment's checkpoints cut: %v", rep.Tampered)
	}
}

// rechain recomputes every SHA-256 chain value of data the way a forger
// without keys would.
func rechain(t *testing.T, data []byte) []byte {
	t.Helper()
	var out []byte
	var prev [sha256.Size]byte
	for _, l := range bytes.Split(bytes.TrimSuffix(data, []byte{'\n'}), []byte{'\n'}) {
		p, ok := parseChained(l)
		if !ok {
			t.Fatalf("not chained: %s", l)
		}
		if p.seq == 0 {
			hd, err := parseHeader(l)
			if err != nil {
				t.Fatal(err)
			}
			prev = genesis(sha256.New(), hd.segment)
		}
		prev = sha256.Sum256(append(prev[:], p.prefix...))
		out = append(out, p.prefix...)
		out = append(out, `,"chain":"`...)
		out = hex.AppendEncode(out, prev[:])
		out = append(out, "\"}\n"...)
	}
	return out
}

// A trail whose end no final checkpoint covers is not called complete:
// a crash, or a tail cut exactly at a checkpoint, which would otherwise
// leave no trace.
func TestVerifyUnclosedTrail(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	writeChain(t, path, 12, signed()) // checkpoints at 0, 5, 10 and final at 12
	data, _ := os.ReadFile(path)
	lines := splitKeep(data)
	pub := &VerifyOptions{PublicKey: testPubKey}

	// Cut right after the checkpoint at seq 10, and drop the final
	// checkpoint from the sidecar too.
	ck, _ := os.ReadFile(path + ".ckpt")
	cks := splitKeep(ck)
	if !strings.Contains(string(cks[len(cks)-1]), `"final":true`) || strings.Contains(string(cks[len(cks)-2]), `"final"`) {
		t.Fatalf("sidecar: %s", ck)
	}
	os.WriteFile(path, bytes.Join(lines[:11], nil), 0o600)
	os.WriteFile(path+".ckpt", bytes.Join(cks[:len(cks)-1], nil), 0o600)
	rep := verifyT(t, pub, path)
	if !rep.OK() || rep.Complete() || len(rep.Incomplete) != 1 || rep.Incomplete[0].Kind != Unclosed || rep.Incomplete[0].Line != 11 ||
		!strings.Contains(rep.Incomplete[0].Msg, "not closed cleanly") {
		t.Fatalf("cut at a checkpoint: %+v", rep)
	}
	// Lines after the last checkpoint (a crash between checkpoints).
	os.WriteFile(path, bytes.Join(lines[:13], nil), 0o600)
	rep = verifyT(t, pub, path)
	if !rep.OK() || rep.Complete() || rep.Incomplete[0].Kind != Unclosed || !strings.Contains(rep.Incomplete[0].Msg, "last 2 line(s)") {
		t.Fatalf("uncovered lines: %+v", rep)
	}
	// The final mark is signed: adding it to a checkpoint breaks the
	// signature.
	last := cks[len(cks)-2]
	forged := bytes.Replace(last, []byte(`,"sig"`), []byte(`,"final":true,"sig"`), 1)
	os.WriteFile(path, bytes.Join(lines[:11], nil), 0o600)
	os.WriteFile(path+".ckpt", append(bytes.Join(cks[:len(cks)-2], nil), forged...), 0o600)
	if rep := verifyT(t, pub, path); rep.OK() || rep.Tampered.Kind != BadCheckpoint {
		t.Fatalf("forged final mark: %+v", rep)
	}
}

// opLog records the order in which a Chain touches its writers.
type opLog struct {
	name string
	ops  *[]string
}

func (w opLog) Write(p []byte) (int, error) {
	*w.ops = append(*w.ops, w.name+".write")
	return len(p), nil
}

func (w opLog) Sync() error {
	*w.ops = append(*w.ops, w.name+".sync")
	return nil
}

// A checkpoint reaches the sidecar only after the lines it covers were
// synced, and is synced itself: otherwise a power failure can leave a signed
// checkpoint over lines that are gone, which verifies as a cut tail.
func TestChainSyncsBeforeCheckpoint(t *testing.T) {
	var ops []string
	c, err := NewChain(opLog{"log", &ops}, opLog{"ckpt", &ops}, &ChainOptions{SigningKey: testSignKey, CheckpointEvery: 2, CheckpointInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("{}\n"))
	c.Write([]byte("{}\n"))
	c.Close()
	want := []string{
		"log.write", "log.sync", "ckpt.write", "ckpt.sync", // header and its checkpoint
		"log.write", "log.write", "log.sync", "ckpt.write", "ckpt.sync", // every 2 lines
		"log.sync", "ckpt.write", "ckpt.sync", // the final checkpoint at Close
	}
	if fmt.Sprint(ops) != fmt.Sprint(want) {
		t.Errorf("operations:\n%v\nwant:\n%v", ops, want)
	}
}

// When the lines cannot be synced, no checkpoint vouches for them.
func TestChainNoCheckpointWhenSyncFails(t *testing.T) {
	var ops []string
	var errs []error
	c, _ := NewChain(failSync{opLog{"log", &ops}}, opLog{"ckpt", &ops}, &ChainOptions{SigningKey: testSignKey, CheckpointEvery: -1,
		CheckpointInterval: -1, Encoder: slogaudit.NewEncoder(&slogaudit.Options{OnError: func(err error) { errs = append(errs, err) }})})
	c.Write([]byte("{}\n"))
	if err := c.Checkpoint(); !errors.Is(err, errEIO) {
		t.Errorf("Checkpoint = %v", err)
	}
	for _, op := range ops {
		if strings.HasPrefix(op, "ckpt") {
			t.Fatalf("checkpoint written over unsynced lines: %v", ops)
		}
	}
	if len(errs) != 1 { // the header's checkpoint
		t.Errorf("OnError: %v", errs)
	}
}

var errEIO = errors.New("sync: input/output error")

type failSync struct{ opLog }

func (failSync) Sync() error { return errEIO }
