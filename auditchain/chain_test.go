package auditchain

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/internal/sinktest"
)

var (
	testSegmentRand = []byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f")
	testTime        = time.Unix(1767323045, 0)
	testSignKey     = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	testPubKey      = testSignKey.Public().(ed25519.PublicKey)
)

// The vectors are also in the package documentation; they were checked
// against an independent implementation (Python hashlib/hmac).
func TestChainVectors(t *testing.T) {
	for _, tt := range []struct {
		golden  string
		key     []byte
		genesis string
	}{
		{"testdata/vector_sha256.jsonl", nil, "bd28e080e986f5ea71f8a2295c0348232738502518c5dd8495067c94b3278066"},
		{"testdata/vector_hmac.jsonl", []byte("k3y"), "1f58eb3d1e934f5e997f52c4550ef8f5a2abb38fccec451f106dc98e333919f6"},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			if g := genesis(newChainHash(tt.key), "000102030405060708090a0b0c0d0e0f"); hex.EncodeToString(g[:]) != tt.genesis {
				t.Errorf("genesis = %x, want %s", g, tt.genesis)
			}
			var out bytes.Buffer
			c, err := NewChain(&out, nil, &ChainOptions{HMACKey: tt.key, Rand: bytes.NewReader(testSegmentRand),
				Encoder: encoderAt(func() time.Time { return testTime })})
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 3; i++ {
				if _, err := c.Write([]byte(fmt.Sprintf("{\"a\":%d}\n", i))); err != nil {
					t.Fatal(err)
				}
			}
			if *update {
				if err := os.WriteFile(tt.golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(tt.golden)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != string(want) {
				t.Errorf("chain output:\n%s\nwant:\n%s", out.String(), want)
			}
			// The definition, spelled out independently of the writer.
			prev, _ := hex.DecodeString(tt.genesis)
			for _, l := range strings.Split(strings.TrimSuffix(string(want), "\n"), "\n") {
				i := strings.LastIndex(l, `,"chain":"`)
				h := newChainHash(tt.key)
				h.Write(prev)
				h.Write([]byte(l[:i]))
				prev = h.Sum(nil)
				if got := l[i+len(`,"chain":"`) : len(l)-2]; got != hex.EncodeToString(prev) {
					t.Errorf("line %q: chain %s, recomputed %x", l, got, prev)
				}
			}
		})
	}
}

// Ed25519 is deterministic, so the signatures are vectors too; they were
// computed independently (Python cryptography, private key seed 32 bytes of
// 07).
func TestCheckpointMessage(t *testing.T) {
	head := strings.Repeat("ab", 32)
	for _, tt := range []struct {
		final     bool
		msg, sig  string
		jsonFinal string
	}{
		{false, "auditkit-checkpoint-v1\n000102030405060708090a0b0c0d0e0f\n3\n" + head + "\n1767323045000000000\n",
			"a2c8c0deb31a92618271a19925e645397881eae731ef7f98f80d178fd467c0d86abc7919e45fa74c83196b4f07231569cc2c2b8f8754d6e8295507e6b580ae0d", ""},
		{true, "auditkit-checkpoint-v1\n000102030405060708090a0b0c0d0e0f\n3\n" + head + "\n1767323045000000000\nfinal\n",
			"29d0e77c62c2bbdaa32c268e23ba387fae500eefe45e107234b5aadcffc7fcb959397882e15584da5cdd8da2ddf317616b46bdfa2ec7b4e80959e62bcb94b406", `,"final":true`},
	} {
		cp := Checkpoint{Segment: "000102030405060708090a0b0c0d0e0f", Seq: 3, Head: head, Time: 1767323045000000000, Final: tt.final}
		if string(cp.Message()) != tt.msg {
			t.Errorf("Message = %q, want %q", cp.Message(), tt.msg)
		}
		if sig := hex.EncodeToString(ed25519.Sign(testSignKey, cp.Message())); sig != tt.sig {
			t.Errorf("final %v: signature %s, want %s", tt.final, sig, tt.sig)
		}
		cp.Sig = tt.sig
		want := `{"segment":"000102030405060708090a0b0c0d0e0f","seq":3,"head":"` + head + `","time":1767323045000000000` + tt.jsonFinal + `,"sig":"` + tt.sig + `"}` + "\n"
		if got := string(cp.AppendJSON(nil)); got != want {
			t.Errorf("AppendJSON = %s, want %s", got, want)
		}
	}
}

func TestChainRejectsNonObjects(t *testing.T) {
	var out bytes.Buffer
	c, _ := NewChain(&out, nil, nil)
	header := out.Len() // the segment header is written at once
	for _, l := range []string{"", "\n", "plain text\n", "[1,2]\n", "{\"a\":1}\n{\"b\":2}x\n",
		"{\n \"a\": 1\n}\n", "{\"a\":1}\n{\"b\":2}\n", "{\"a\":1,\r\"b\":2}\n"} {
		if err := c.WriteRecord(0, true, []byte(l)); !errors.Is(err, ErrNotObject) {
			t.Errorf("%q: err = %v", l, err)
		}
	}
	if out.Len() != header {
		t.Fatalf("refused lines wrote %q", out.String()[header:])
	}
	// An indenting encoder is refused, not split into unchained lines.
	enc := json.NewEncoder(c)
	enc.SetIndent("", " ")
	if err := enc.Encode(map[string]int{"a": 1}); !errors.Is(err, ErrNotObject) || out.Len() != header {
		t.Errorf("indented Encode: %v, wrote %q", err, out.String())
	}
	// Leading newlines (a handler's torn-line marker) and {} are fine.
	if err := c.WriteRecord(0, true, []byte("\n{}\n")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\n{\"seq\":1,\"chain\":") {
		t.Errorf("output %q", out.String())
	}
}

func TestChainReservedBytes(t *testing.T) {
	var out bytes.Buffer
	c, _ := NewChain(&out, nil, nil)
	c.Write([]byte("{}\n"))
	c.seq = 1<<64 - 2 // the widest seq
	in := `{"a":"b"}` + "\n"
	out.Reset()
	c.Write([]byte(in))
	if grow := out.Len() - len(in); grow > c.ReservedBytes() || grow < c.ReservedBytes()-1 {
		t.Errorf("line grew by %d bytes, ReservedBytes = %d", grow, c.ReservedBytes())
	}
}

// writeChain writes n lines through OpenChain and closes it.
func writeChain(t *testing.T, path string, n int, opts *ChainOptions) {
	t.Helper()
	c, err := OpenChain(path, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := c.Write([]byte(fmt.Sprintf(`{"event_type":"test","i":%d,"msg":"line %d"}`+"\n", i, i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func signed() *ChainOptions {
	return &ChainOptions{SigningKey: testSignKey, CheckpointEvery: 5}
}

func verifyT(t *testing.T, opts *VerifyOptions, files ...string) *Report {
	t.Helper()
	rep, err := Verify(files, opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func TestChainVerifiesUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	writeChain(t, path, 23, signed())
	rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey}, path)
	// Checkpoints: one after the header, at seq 5, 10, 15, 20, and the
	// final one at 23.
	if !rep.Complete() || rep.Lines != 24 || rep.Segments != 1 || rep.Checkpoints != 6 {
		t.Fatalf("report %+v %v", rep, rep.Tampered)
	}
	if len(rep.Notes) != 0 {
		t.Errorf("notes: %v", rep.Notes)
	}
	// Restart: a second run appends a segment linked to the first.
	writeChain(t, path, 3, signed())
	rep = verifyT(t, &VerifyOptions{PublicKey: testPubKey}, path)
	if !rep.Complete() || rep.Lines != 28 || rep.Segments != 2 {
		t.Fatalf("after restart: %+v %v", rep, rep.Tampered)
	}
}

func TestVerifyKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	key := []byte("chain key")
	writeChain(t, path, 10, &ChainOptions{SigningKey: testSignKey, HMACKey: key})

	if rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey, HMACKey: key}, path); !rep.Complete() {
		t.Fatalf("right keys: %v", rep.Tampered)
	}
	otherPub, _, _ := ed25519.GenerateKey(nil)
	rep := verifyT(t, &VerifyOptions{PublicKey: otherPub, HMACKey: key}, path)
	if rep.OK() || rep.Tampered.Kind != BadCheckpoint {
		t.Errorf("wrong public key: %+v", rep.Tampered)
	}
	rep = verifyT(t, &VerifyOptions{PublicKey: testPubKey, HMACKey: []byte("guess")}, path)
	if rep.OK() || rep.Tampered.Line != 1 || rep.Tampered.Kind != Modified {
		t.Errorf("wrong HMAC key: %+v", rep.Tampered)
	}
	if _, err := Verify([]string{path}, &VerifyOptions{PublicKey: testPubKey}); !errors.Is(err, ErrHMACKeyRequired) {
		t.Errorf("no HMAC key: %v", err)
	}
	// A plain SHA-256 file does not pass when an HMAC chain is expected: an
	// editor could recompute it.
	plain := filepath.Join(dir, "plain.log")
	writeChain(t, plain, 3, nil)
	if rep := verifyT(t, &VerifyOptions{HMACKey: key}, plain); rep.OK() {
		t.Error("sha256 file accepted with an HMAC key")
	}
	if _, err := Verify([]string{filepath.Join(dir, "missing")}, nil); err == nil {
		t.Error("missing file: no error")
	}
}

// checkTamper writes a modified copy of the original file next to its
// checkpoints and checks where Verify points.
func checkTamper(t *testing.T, name string, mutated []byte, wantLine int, wantKinds ...FindingKind) {
	t.Helper()
	path := writeTemp(t, mutated)
	rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey}, path)
	if rep.OK() {
		t.Fatalf("%s: not detected", name)
	}
	if rep.Tampered.Line != wantLine || rep.Tampered.File != path {
		t.Fatalf("%s: reported %v, want line %d", name, rep.Tampered, wantLine)
	}
	if len(wantKinds) > 0 && !containsKind(wantKinds, rep.Tampered.Kind) {
		t.Fatalf("%s: kind %v, want one of %v", name, rep.Tampered.Kind, wantKinds)
	}
}

func containsKind(ks []FindingKind, k FindingKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// origFile is the untouched chained file of TestVerifyDetectsTampering;
// tamperDir holds the modified copies.
var origFile, tamperDir string

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func splitKeep(data []byte) [][]byte {
	return bytes.SplitAfter(data, []byte{'\n'})[:bytes.Count(data, []byte{'\n'})]
}

func TestVerifyDetectsTampering(t *testing.T) {
	origFile = filepath.Join(t.TempDir(), "audit.log")
	writeChain(t, origFile, 8, signed())
	tamperDir = t.TempDir()
	copyFile(t, origFile+".ckpt", filepath.Join(tamperDir, "audit.log.ckpt"))
	orig, err := os.ReadFile(origFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := splitKeep(orig)
	n := len(lines) // header + 8

	t.Run("every byte changed", func(t *testing.T) {
		lineNo := 1
		for i := range orig {
			m := bytes.Clone(orig)
			m[i] ^= 0x01
			if m[i] == '\n' { // would split a line: also a change, use another byte
				m[i] = '#'
			}
			want := lineNo
			if i == len(orig)-1 {
				// The final newline: the last line now looks torn, and the
				// signed checkpoint shows it is missing.
				checkTamper(t, fmt.Sprintf("byte %d", i), m, want, Truncated)
			} else {
				checkTamper(t, fmt.Sprintf("byte %d", i), m, want)
			}
			if orig[i] == '\n' {
				lineNo++
			}
		}
	})
	t.Run("every line deleted", func(t *testing.T) {
		for k := range n {
			m := bytes.Join(append(append([][]byte{}, lines[:k]...), lines[k+1:]...), nil)
			kind := Deleted
			if k == n-1 {
				kind = Truncated
			}
			checkTamper(t, fmt.Sprintf("line %d deleted", k+1), m, k+1, kind)
		}
	})
	t.Run("every pair swapped", func(t *testing.T) {
		for k := 0; k+1 < n; k++ {
			s := append([][]byte{}, lines...)
			s[k], s[k+1] = s[k+1], s[k]
			checkTamper(t, fmt.Sprintf("lines %d,%d swapped", k+1, k+2), bytes.Join(s, nil), k+1, Reordered)
		}
	})
	t.Run("forged line inserted", func(t *testing.T) {
		for k := 1; k <= n; k++ {
			// A plausible line with the right next seq and a chain value
			// computed from the real previous line: only the key-less SHA-256
			// chain lets a forger do that, so it shows at the line after it.
			p, _ := parseChained(bytes.TrimSuffix(lines[k-1], []byte{'\n'}))
			forged := fmt.Sprintf(`{"event_type":"test","i":99,"msg":"forged","seq":%d`, p.seq+1)
			sum := sha256.Sum256(append(p.chain[:], forged...))
			fl := []byte(forged + `,"chain":"` + hex.EncodeToString(sum[:]) + "\"}\n")
			m := bytes.Join(append(append(append([][]byte{}, lines[:k]...), fl), lines[k:]...), nil)
			want := k + 2
			kind := Reordered
			if k == n {
				// At the end nothing follows it, but the segment's final
				// checkpoint says the segment ended before it.
				checkTamper(t, "forged tail", m, n+1, Modified)
				continue
			}
			// The forged line itself is caught when a checkpoint signed
			// the real line with its seq; otherwise the line after it.
			rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey}, writeTemp(t, m))
			if rep.OK() || !(rep.Tampered.Line == want && rep.Tampered.Kind == kind ||
				rep.Tampered.Line == k+1 && rep.Tampered.Kind == Modified) {
				t.Fatalf("forged line after %d: %v", k, rep.Tampered)
			}
			// Without recomputing the chain the forged line itself is caught.
			bad := []byte(forged + `,"chain":"` + strings.Repeat("0", 64) + "\"}\n")
			m = bytes.Join(append(append(append([][]byte{}, lines[:k]...), bad), lines[k:]...), nil)
			checkTamper(t, fmt.Sprintf("bad line after %d", k), m, k+1, Modified)
		}
	})
	t.Run("tail cut", func(t *testing.T) {
		for cut := 1; cut <= 3; cut++ {
			m := bytes.Join(lines[:n-cut], nil)
			checkTamper(t, fmt.Sprintf("%d lines cut", cut), m, n-cut+1, Truncated)
			// Without the key the cut cannot be seen: that is what
			// checkpoints are for.
			if rep := verifyT(t, nil, writeTemp(t, m)); !rep.OK() {
				t.Errorf("unsigned verify of a cut file: %v", rep.Tampered)
			}
		}
	})
	t.Run("checkpoint edited", func(t *testing.T) {
		ck, _ := os.ReadFile(origFile + ".ckpt")
		ckDir := t.TempDir()
		copyFile(t, origFile, filepath.Join(ckDir, "audit.log"))
		for i := 0; i < len(ck)-1; i++ {
			m := bytes.Clone(ck)
			m[i] ^= 0x01
			path := filepath.Join(ckDir, "audit.log")
			os.WriteFile(path+".ckpt", m, 0o600)
			rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey}, path)
			if rep.OK() || rep.Tampered.File != path+".ckpt" {
				t.Fatalf("checkpoint byte %d: %v", i, rep.Tampered)
			}
		}
	})
}

func hasNote(rep *Report, k FindingKind) bool {
	for _, n := range rep.Notes {
		if n.Kind == k {
			return true
		}
	}
	return false
}

// writeTemp writes data as tamperDir/audit.log, next to the original's
// checkpoints.
func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(tamperDir, "audit.log")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestChainRotatedSeries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	c, err := OpenChain(path, nil, signed())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for gen := range 3 {
		for i := range 7 {
			c.Write([]byte(fmt.Sprintf(`{"gen":%d,"i":%d}`+"\n", gen, i)))
		}
		if gen == 2 {
			break
		}
		old := fmt.Sprintf("%s.%03d", path, gen+1)
		os.Rename(path, old)
		os.Rename(path+".ckpt", old+".ckpt")
		if err := c.Reopen(); err != nil {
			t.Fatal(err)
		}
		names = append(names, old)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	names = append(names, path)
	pub := &VerifyOptions{PublicKey: testPubKey}
	if rep := verifyT(t, pub, names...); !rep.Complete() || rep.Segments != 3 || rep.Lines != 24 || len(rep.Notes) != 0 {
		t.Fatalf("series: %+v %v %v", rep, rep.Tampered, rep.Notes)
	}
	// A series missing its oldest files is not complete (older files could
	// have been deleted to hide them) unless that is allowed.
	if rep := verifyT(t, pub, names[1:]...); !rep.OK() || rep.Complete() || rep.Incomplete[0].Kind != Unchecked || rep.Incomplete[0].File != names[1] {
		t.Errorf("newest files alone: %+v", rep)
	}
	if rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey, AllowPartialSeries: true}, names[1]); !rep.Complete() || !hasNote(rep, Unchecked) {
		t.Errorf("middle file alone, partial series allowed: %+v", rep)
	}
	// Given in any order, the series is put in chain order (issue 12: a
	// shell glob or newest-first listing is no false alarm).
	for _, order := range [][]string{{names[1], names[0], names[2]}, {names[2], names[1], names[0]}} {
		if rep := verifyT(t, pub, order...); !rep.Complete() || rep.Segments != 3 || !strings.Contains(rep.Notes[0].Msg, "chain order") {
			t.Errorf("%v: %+v %v", order, rep, rep.Tampered)
		}
	}
	// A file missing in the middle breaks the links.
	if rep := verifyT(t, pub, names[0], names[2]); rep.OK() || rep.Tampered.Line != 1 {
		t.Errorf("middle file missing: %v", rep.Tampered)
	}
	// The end of a rotated file cut: the next header's link shows it, and so
	// does that file's final checkpoint.
	data, _ := os.ReadFile(names[0])
	ls := splitKeep(data)
	os.WriteFile(names[0], bytes.Join(ls[:len(ls)-1], nil), 0o600)
	if rep := verifyT(t, &VerifyOptions{}, names...); rep.OK() || rep.Tampered.File != names[1] || rep.Tampered.Kind != Deleted {
		t.Errorf("cut rotated file, unsigned: %v", rep.Tampered)
	}
}

// A write that fails half-way (full disk) leaves a fragment; the chain goes
// on after it and the verifier accepts it with a note.
func TestChainTornWriteInTheMiddle(t *testing.T) {
	d := &sinktest.FullDisk{Free: 1 << 20}
	c, _ := NewChain(d, nil, nil)
	c.Write([]byte(`{"i":1}` + "\n"))
	d.Free = 10
	if _, err := c.Write([]byte(`{"i":2}` + "\n")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v", err)
	}
	d.AddSpace(1 << 20)
	c.Write([]byte(`{"i":3}` + "\n"))
	path := filepath.Join(t.TempDir(), "a.log")
	os.WriteFile(path, []byte(d.String()), 0o600)
	rep := verifyT(t, nil, path)
	if !rep.Complete() || rep.Lines != 3 || !hasNote(rep, Torn) {
		t.Fatalf("%+v %v %v", rep, rep.Tampered, rep.Notes)
	}
	if h, _ := c.Head(); h.Seq != 2 {
		t.Errorf("head seq %d, want 2 (the failed line is not in the chain)", h.Seq)
	}
}

func TestOpenChainRefusesForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	os.WriteFile(path, []byte("plain text log\n"), 0o600)
	if _, err := OpenChain(path, nil, nil); err == nil || !strings.Contains(err.Error(), "no chained line") {
		t.Fatalf("err = %v", err)
	}
}

func TestChainConfigErrors(t *testing.T) {
	var out bytes.Buffer
	if _, err := NewChain(&out, nil, &ChainOptions{SigningKey: testSignKey}); err == nil {
		t.Error("SigningKey without a checkpoint writer accepted")
	}
	if _, err := NewChain(&out, &out, &ChainOptions{SigningKey: testSignKey[:10]}); err == nil {
		t.Error("short SigningKey accepted")
	}
	c, _ := NewChain(&out, nil, nil)
	c.Close()
	if _, err := c.Write([]byte("{}\n")); !errors.Is(err, auditsink.ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}
	// An empty key would be public: refused, on both sides.
	if _, err := NewChain(&out, nil, &ChainOptions{HMACKey: []byte{}}); err == nil || !strings.Contains(err.Error(), "HMACKey is empty") {
		t.Errorf("empty HMAC key: %v", err)
	}
	if _, err := Verify([]string{sinktest.WriteFile(t, "")}, &VerifyOptions{HMACKey: []byte{}}); err == nil {
		t.Error("Verify accepted an empty HMAC key")
	}
	// A chain behind a queue cannot know which lines reached the file.
	a := auditsink.NewAsync(&out, nil)
	defer sinktest.Close(t, a)
	for _, w := range []io.Writer{a, auditsink.NewGuard(a, nil), auditsink.NewMulti(io.Discard, a)} {
		if _, err := NewChain(w, nil, nil); err == nil || !strings.Contains(err.Error(), "buffers lines") {
			t.Errorf("NewChain over %T: %v", w, err)
		}
	}
}

// The interval checkpoint covers lines even when no more lines come.
func TestChainCheckpointInterval(t *testing.T) {
	var out, ck sinktest.Buffer
	c, _ := NewChain(&out, &ck, &ChainOptions{SigningKey: testSignKey, CheckpointEvery: -1, CheckpointInterval: time.Millisecond})
	defer c.Close()
	c.Write([]byte("{}\n"))
	waitFor(t, func() bool { return strings.Contains(ck.String(), `"seq":1,`) })
}

// A crash can leave the last line torn, or whole but without its newline.
// Either way a restart continues the chain and the file verifies.
func TestOpenChainAfterCrash(t *testing.T) {
	for _, tt := range []struct {
		name     string
		cut      int    // bytes removed from the end of the first run's file
		extra    string // bytes added after that
		wantTorn bool
	}{
		{"newline missing", 1, "", false},
		{"torn line", 30, "", true},
		{"two fragments", 0, `{"event_type":"te` + "\n" + `{"ev`, true},
		{"zeros after a power failure", 0, "\x00\x00\x00\x00", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.log")
			writeChain(t, path, 4, nil)
			data, _ := os.ReadFile(path)
			os.WriteFile(path, append(data[:len(data)-tt.cut], tt.extra...), 0o600)
			writeChain(t, path, 2, nil)
			rep := verifyT(t, nil, path)
			if !rep.Complete() || rep.Segments != 2 || hasNote(rep, Torn) != tt.wantTorn {
				t.Fatalf("%+v %v %v", rep, rep.Tampered, rep.Notes)
			}
		})
	}
}

// A write that stops just short of the newline still puts the line in the
// chain.
func TestChainWriteMissingOnlyNewline(t *testing.T) {
	d := &sinktest.FullDisk{Free: 1 << 20}
	c, _ := NewChain(d, nil, nil)
	c.Write([]byte(`{"i":1}` + "\n"))
	out := d.String()
	d.Free = len(`{"i":2,"seq":2,"chain":"`) + 64 + 2
	c.Write([]byte(`{"i":2}` + "\n"))
	d.AddSpace(1 << 20)
	c.Write([]byte(`{"i":3}` + "\n"))
	if got := d.String()[len(out):]; !strings.HasPrefix(got, `{"i":2,"seq":2,`) || !strings.Contains(got, "\"}\n{\"i\":3,\"seq\":3,") {
		t.Fatalf("output %q", got)
	}
	rep := verifyT(t, nil, sinktest.WriteFile(t, d.String()))
	if !rep.Complete() || rep.Lines != 4 || len(rep.Notes) != 1 { // the note: no public key
		t.Fatalf("%+v %v %v", rep, rep.Tampered, rep.Notes)
	}
}

// logrotate-style: rename both files, SIGHUP, keep writing; the series
// verifies.
func TestChainReopenOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	c, err := OpenChain(path, nil, &ChainOptions{SigningKey: testSignKey, CheckpointEvery: -1, CheckpointInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	stop := c.ReopenOnSignal(syscall.SIGHUP)
	c.Write([]byte(`{"i":1}` + "\n"))
	if err := c.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	os.Rename(path, path+".1")
	os.Rename(path+".ckpt", path+".1.ckpt")
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitFor(t, func() bool { _, err := os.Stat(path); return err == nil })
	c.Write([]byte(`{"i":2}` + "\n"))
	stop()
	c.Close()
	rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey}, path+".1", path)
	// Checkpoints: header, Checkpoint, final (Reopen); header, final (Close).
	if !rep.Complete() || rep.Segments != 2 || rep.Checkpoints != 5 || len(rep.Notes) != 0 {
		t.Fatalf("%+v %v %v", rep, rep.Tampered, rep.Notes)
	}
}

func hasKind(fs []Finding, k FindingKind) bool {
	for _, f := range fs {
		if f.Kind == k {
			return true
		}
	}
	return false
}
