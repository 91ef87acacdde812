package auditchain

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// headerAttempt rewrites the last segment of path as the writer writes it
// after a failed attempt at its header: frag (the attempt, with its newline)
// goes before the header, whose chain commits to it; the segment's lines are
// chained again from there and its checkpoints signed again.
func headerAttempt(t *testing.T, path string, frag string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := splitKeep(data)
	start := -1
	for i, l := range lines {
		if p, ok := parseChained(bytes.TrimSuffix(l, []byte{'\n'})); ok && p.seq == 0 {
			start = i
		}
	}
	hd, err := parseHeader(bytes.TrimSuffix(lines[start], []byte{'\n'}))
	if err != nil {
		t.Fatal(err)
	}
	out := append(bytes.Join(lines[:start], nil), frag...)
	heads := map[uint64]string{}
	prev := genesis(sha256.New(), hd.segment)
	for i, l := range lines[start:] {
		p, ok := parseChained(bytes.TrimSuffix(l, []byte{'\n'}))
		if !ok {
			t.Fatalf("not chained: %s", l)
		}
		in := append([]byte(nil), prev[:]...)
		if i == 0 {
			in = append(in, frag...)
		}
		prev = sha256.Sum256(append(in, p.prefix...))
		heads[p.seq] = hex.EncodeToString(prev[:])
		out = append(append(append(out, p.prefix...), `,"chain":"`...), hex.EncodeToString(prev[:])+"\"}\n"...)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	ck, _ := os.ReadFile(path + ".ckpt")
	var outCk []byte
	for _, l := range splitKeep(ck) {
		var cp Checkpoint
		if err := json.Unmarshal(l, &cp); err != nil {
			t.Fatal(err)
		}
		if cp.Segment == hd.segment {
			cp.Head = heads[cp.Seq]
			cp.Sig = hex.EncodeToString(ed25519.Sign(testSignKey, cp.Message()))
		}
		outCk = cp.AppendJSON(outCk)
	}
	os.WriteFile(path+".ckpt", outCk, 0o600)
}

// A header that commits to the fragments of its own failed attempts ends
// the segment before it like any other header: the crash range, the final
// checkpoint's tail and found_bytes are still checked, on the bytes before
// those fragments.
func TestVerifyHeaderAfterFailedAttempt(t *testing.T) {
	const attempt = `{"time":"2026-01-02T03:04:05Z","event_type":"audit.ch` + "\n"
	key := &VerifyOptions{PublicKey: testPubKey}
	t.Run("after a final checkpoint", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "audit.log")
		run(t, path, 3, ChainOptions{SigningKey: testSignKey})
		run(t, path, 2, ChainOptions{SigningKey: testSignKey})
		headerAttempt(t, path, attempt)
		if rep := verifyT(t, key, path); !rep.Complete() || !hasNote(rep, Torn) {
			t.Fatalf("honest: %v %v", rep.Tampered, rep.Incomplete)
		}
		// Bytes before the attempt follow the final checkpoint.
		headerAttempt(t, path, `{"user":"mallory"`+"\n"+attempt)
		if rep := verifyT(t, key, path); rep.OK() {
			t.Fatalf("inserted before the attempt: %+v", rep)
		}
	})
	t.Run("after a crash", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "audit.log")
		run(t, path, 7, ChainOptions{SigningKey: testSignKey, CheckpointEvery: 5})
		dropFinal(t, path)
		run(t, path, 2, ChainOptions{SigningKey: testSignKey})
		headerAttempt(t, path, attempt)
		rep := verifyT(t, key, path)
		if !rep.OK() || rep.Complete() {
			t.Fatalf("the crash range must stay unproven: %v %v", rep.Tampered, rep.Incomplete)
		}
		if r := crashRange(t, rep); r.From != 6 || r.To != 7 {
			t.Fatalf("crash range %v", r)
		}
	})
	t.Run("found_bytes", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "audit.log")
		run(t, path, 7, ChainOptions{SigningKey: testSignKey, CheckpointEvery: 5})
		dropFinal(t, path)
		f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		f.WriteString(`{"i":8,"us`) // torn by the crash
		f.Close()
		run(t, path, 2, ChainOptions{SigningKey: testSignKey})
		data, _ := os.ReadFile(path)
		if !bytes.Contains(data, []byte(KeyChainFoundBytes)) {
			t.Fatalf("no %s in %s", KeyChainFoundBytes, data)
		}
		headerAttempt(t, path, attempt)
		if rep := verifyT(t, key, path); !rep.OK() || rep.Complete() {
			t.Fatalf("honest: %v %v", rep.Tampered, rep.Incomplete)
		}
		// The torn line found by the writer removed: found_bytes disagrees.
		data, _ = os.ReadFile(path)
		os.WriteFile(path, bytes.Replace(data, []byte(`{"i":8,"us`+"\n"), nil, 1), 0o600)
		if rep := verifyT(t, key, path); rep.OK() {
			t.Fatalf("torn line removed: %+v %v", rep, rep.Incomplete)
		}
	})
}

// The HMAC chain key proves chained lines, never unchained bytes: fragments
// after a crashed segment's last line stay unproven with it, and the range
// printed names only seqs that exist.
func TestVerifyHMACDoesNotProveFragments(t *testing.T) {
	key := []byte("chain key")
	opts := ChainOptions{SigningKey: testSignKey, CheckpointEvery: 5, HMACKey: key}
	for _, tt := range []struct {
		name  string
		lines int // lines before the crash; the checkpoint at 5 covers up to 5
		want  Range
	}{
		{"uncovered lines and fragments", 7, Range{From: 6, To: 7}},
		{"fragments only", 5, Range{From: 5, To: 5}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.log")
			run(t, path, tt.lines, opts)
			dropFinal(t, path)
			f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			f.WriteString(`{"event_type":"iam.role.granted","user.id":"mallory"` + "\n" + `{"event_type":"iam.role.gr` + "\n")
			f.Close()
			run(t, path, 2, opts)
			rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey, HMACKey: key}, path)
			if !rep.OK() || rep.Complete() {
				t.Fatalf("fragments proven by the HMAC key: %v %v %v", rep.Tampered, rep.Incomplete, rep.Notes)
			}
			r := crashRange(t, rep)
			if r.From != tt.want.From || r.To != tt.want.To {
				t.Fatalf("range %v, want %d-%d: %v", r, tt.want.From, tt.want.To, rep.Incomplete)
			}
			if rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey, HMACKey: key, Accept: []Range{r}}, path); !rep.Complete() {
				t.Fatalf("accepted %v: %v", r, rep.Incomplete)
			}
		})
	}
}
