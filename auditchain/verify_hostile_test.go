package auditchain

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A checkpoint write cut short (a full disk), after which the writer's file
// adds the newline, leaves a line that starts a checkpoint, or NUL bytes:
// a note wherever it is; a whole JSON value that is not a checkpoint is not.
func TestVerifyTornCheckpointLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	writeChain(t, path, 12, &ChainOptions{SigningKey: testSignKey, CheckpointEvery: 5})
	ck, _ := os.ReadFile(path + ".ckpt")
	lines := splitKeep(ck)
	with := func(l string) []byte {
		return bytes.Join(append(append(append([][]byte{}, lines[:2]...), []byte(l)), lines[2:]...), nil)
	}
	for _, tt := range []struct {
		name string
		ckpt []byte
		torn bool
	}{
		{"start of a checkpoint", with(`{"segment":"0123` + "\n"), true},
		{"cut in the signature", with(string(lines[1][:len(lines[1])-20]) + "\n"), true},
		{"NUL bytes", with("\x00\x00\x00\x00\n"), true},
		{"empty line", with("\n"), true},
		{"unterminated at the end", append(bytes.Clone(ck), `{"segment":"ab`...), true},
		{"JSON, not a checkpoint", with(`{"segment":"x"}` + "\n"), false},
		{"checkpoint with an extra key", with(strings.Replace(string(lines[1]), `{"segment"`, `{"x":1,"segment"`, 1)), false},
		{"not a checkpoint", with(`{"segment":"zz` + "\n"), false},
		{"text", with("hello\n"), false},
	} {
		os.WriteFile(path+".ckpt", tt.ckpt, 0o600)
		rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey}, path)
		switch {
		case tt.torn && (!rep.Complete() || !hasNote(rep, Torn)):
			t.Errorf("%s: %v %v", tt.name, rep.Tampered, rep.Incomplete)
		case !tt.torn && (rep.OK() || rep.Tampered.Kind != BadCheckpoint):
			t.Errorf("%s: %v, want bad-checkpoint", tt.name, rep.Tampered)
		}
	}
}

// A line longer than MaxLineSize is not read into memory whole: in a trail
// file or a sidecar it is tampering.
func TestVerifyLineTooLong(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	writeChain(t, path, 3, signed())
	// A sparse file without a newline, far longer than MaxLineSize.
	sparse := filepath.Join(dir, "sparse.log")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(4 * MaxLineSize)
	f.Close()
	copyFile(t, path+".ckpt", sparse+".ckpt")
	rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey}, sparse)
	if rep.OK() || !strings.Contains(rep.Tampered.Msg, "longer than") {
		t.Fatalf("sparse trail file: %v", rep.Tampered)
	}
	ck, _ := os.ReadFile(path + ".ckpt")
	os.WriteFile(path+".ckpt", append(ck, bytes.Repeat([]byte("x"), MaxLineSize+1)...), 0o600)
	rep = verifyT(t, &VerifyOptions{PublicKey: testPubKey}, path)
	if rep.OK() || rep.Tampered.Kind != BadCheckpoint || !strings.Contains(rep.Tampered.Msg, "longer than") {
		t.Fatalf("long checkpoint line: %v", rep.Tampered)
	}
}

// A witness holds the checkpoints of one trail. A checkpoint of another
// trail signed with the same key cannot be told from one of a segment cut
// from this trail (neither names a file), so it fails the trail, and the
// finding says how to give one witness stream per trail.
func TestVerifySharedWitness(t *testing.T) {
	dir := t.TempDir()
	w := openWitness(t, dir)
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	run(t, a, 3, ChainOptions{SigningKey: testSignKey})
	run(t, b, 3, ChainOptions{SigningKey: testSignKey, Witness: w})
	opts := &VerifyOptions{PublicKey: testPubKey, Witness: []string{w.Name()}}
	if rep := verifyT(t, opts, b); !rep.Complete() {
		t.Fatalf("own witness: %v", rep.Tampered)
	}
	rep := verifyT(t, opts, a)
	if rep.OK() || rep.Tampered.Kind != Truncated || !strings.Contains(rep.Tampered.Msg, "one witness stream per trail") {
		t.Fatalf("another trail's witness: %v", rep.Tampered)
	}
}
