package auditchain

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/slogaudit"
)

// trail is a test trail: the files to verify, oldest first, and a witness.
type trail struct {
	files   []string
	witness string
}

// openWitness opens (appending) the witness file of dir, as a second
// destination would keep every run's checkpoints.
func openWitness(t *testing.T, dir string) *os.File {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "witness.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// run writes n lines in one run of the writer (OpenChain to Close).
func run(t *testing.T, path string, n int, opts ChainOptions) {
	t.Helper()
	if opts.Witness != nil {
		defer opts.Witness.(*os.File).Close()
	}
	writeChain(t, path, n, &opts)
}

// rotated writes a series of gens files through Reopen, with a witness,
// and returns them oldest first.
func rotated(t *testing.T, dir string, gens int) trail {
	t.Helper()
	path := filepath.Join(dir, "audit.log")
	w := openWitness(t, dir)
	defer w.Close()
	c, err := OpenChain(path, nil, &ChainOptions{SigningKey: testSignKey, Witness: w, CheckpointEvery: 5})
	if err != nil {
		t.Fatal(err)
	}
	var tr trail
	for gen := range gens {
		for i := range 7 {
			c.Write(fmt.Appendf(nil, `{"gen":%d,"i":%d}`+"\n", gen, i))
		}
		if gen == gens-1 {
			break
		}
		old := fmt.Sprintf("%s.%d", path, gen+1)
		os.Rename(path, old)
		os.Rename(path+".ckpt", old+".ckpt")
		if err := c.Reopen(); err != nil {
			t.Fatal(err)
		}
		tr.files = append(tr.files, old)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	tr.files = append(tr.files, path)
	tr.witness = w.Name()
	return tr
}

func sizeOf(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// Each attack of issue 12, as someone who can edit the log directory (not
// the keys) would run it, and what the verifier must answer. Each verified
// (exit 0) before.
func TestVerifyIssue12Attacks(t *testing.T) {
	type want struct {
		kind FindingKind // of Tampered; 0: not tampered
		msg  string      // substring of the finding (Tampered, else Incomplete[0])
		inc  bool        // Incomplete (exit 3) when not tampered
	}
	for _, tt := range []struct {
		name  string
		build func(t *testing.T, dir string) (trail, *VerifyOptions)
		want  want
	}{
		{"1a bytes appended after Close, then a restart", func(t *testing.T, dir string) (trail, *VerifyOptions) {
			path := filepath.Join(dir, "audit.log")
			run(t, path, 3, ChainOptions{SigningKey: testSignKey})
			f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			f.WriteString(`{"event_type":"auth.login.success","user.id":"admin"` + "\n" + `{"event_type":"x`)
			f.Close()
			run(t, path, 2, ChainOptions{SigningKey: testSignKey})
			return trail{files: []string{path}}, &VerifyOptions{PublicKey: testPubKey}
		}, want{Modified, "after the final checkpoint", false}},
		{"1b crash, uncovered lines rewritten with plain SHA-256, restart", func(t *testing.T, dir string) (trail, *VerifyOptions) {
			return crashRewritten(t, dir), &VerifyOptions{PublicKey: testPubKey}
		}, want{0, ":6-7 (", true}},
		{"2 whole segment cut at a clean boundary, witness", func(t *testing.T, dir string) (trail, *VerifyOptions) {
			tr := segmentCut(t, dir)
			return tr, &VerifyOptions{PublicKey: testPubKey, Witness: []string{tr.witness}}
		}, want{Truncated, "newer than the start of the trail", false}},
		{"2 whole segment cut at a clean boundary, no witness", func(t *testing.T, dir string) (trail, *VerifyOptions) {
			return segmentCut(t, dir), &VerifyOptions{PublicKey: testPubKey} // undetectable: only LastCheckpoint shows it
		}, want{}},
		{"2 newest rotated file deleted, witness", func(t *testing.T, dir string) (trail, *VerifyOptions) {
			tr := rotated(t, dir, 3)
			os.Remove(tr.files[2])
			os.Remove(tr.files[2] + ".ckpt")
			return trail{files: tr.files[:2]}, &VerifyOptions{PublicKey: testPubKey, Witness: []string{tr.witness}}
		}, want{Truncated, "a segment or file was cut", false}},
		{"2 oldest rotated file deleted, witness: rotated away", func(t *testing.T, dir string) (trail, *VerifyOptions) {
			tr := rotated(t, dir, 3)
			return trail{files: tr.files[1:]}, &VerifyOptions{PublicKey: testPubKey, Witness: []string{tr.witness}, AllowPartialSeries: true}
		}, want{}},
		{"2 lines cut at a checkpoint of the last segment, witness", func(t *testing.T, dir string) (trail, *VerifyOptions) {
			tr := rotated(t, dir, 1)
			data, _ := os.ReadFile(tr.files[0])
			os.WriteFile(tr.files[0], bytes.Join(splitKeep(data)[:6], nil), 0o600) // header + 5 lines
			ck, _ := os.ReadFile(tr.files[0] + ".ckpt")
			os.WriteFile(tr.files[0]+".ckpt", bytes.Join(splitKeep(ck)[:2], nil), 0o600)
			return tr, &VerifyOptions{PublicKey: testPubKey, Witness: []string{tr.witness}}
		}, want{Truncated, "lines cut from the end", false}},
		{"5 Reopen then Close with no line", func(t *testing.T, dir string) (trail, *VerifyOptions) {
			path := filepath.Join(dir, "audit.log")
			c, err := OpenChain(path, nil, signed())
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte(`{"i":1}` + "\n"))
			os.Rename(path, path+".1")
			os.Rename(path+".ckpt", path+".1.ckpt")
			c.Reopen()
			c.Close()
			return trail{files: []string{path + ".1", path}}, &VerifyOptions{PublicKey: testPubKey}
		}, want{}},
		{"6 upper-case hex in a checkpoint signature", func(t *testing.T, dir string) (trail, *VerifyOptions) {
			path := filepath.Join(dir, "audit.log")
			run(t, path, 3, ChainOptions{SigningKey: testSignKey})
			ck, _ := os.ReadFile(path + ".ckpt")
			i := bytes.LastIndex(ck, []byte(`"sig":"`)) + len(`"sig":"`)
			os.WriteFile(path+".ckpt", append(ck[:i:i], bytes.ToUpper(ck[i:])...), 0o600)
			return trail{files: []string{path}}, &VerifyOptions{PublicKey: testPubKey}
		}, want{BadCheckpoint, "lower-case hex", false}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, opts := tt.build(t, t.TempDir())
			rep := verifyT(t, opts, tr.files...)
			switch {
			case tt.want.kind != 0:
				if rep.OK() || rep.Tampered.Kind != tt.want.kind || !strings.Contains(rep.Tampered.Msg, tt.want.msg) {
					t.Fatalf("tampered %v, want %v %q", rep.Tampered, tt.want.kind, tt.want.msg)
				}
			case tt.want.inc:
				if !rep.OK() || rep.Complete() || !strings.Contains(rep.Incomplete[0].Msg, tt.want.msg) {
					t.Fatalf("%v %v, want incomplete %q", rep.Tampered, rep.Incomplete, tt.want.msg)
				}
			default:
				if !rep.Complete() || rep.LastCheckpoint.IsZero() {
					t.Fatalf("%v %v %v, want proven", rep.Tampered, rep.Incomplete, rep.LastCheckpoint)
				}
			}
		})
	}
}

// crashRewritten is attack 1b: a crash leaves lines 6 and 7 after the last
// checkpoint (seq 5); someone rewrites them and recomputes the plain SHA-256
// chain (no key needed), and the restart's header links to the rewrite.
func crashRewritten(t *testing.T, dir string) trail {
	t.Helper()
	path := filepath.Join(dir, "audit.log")
	run(t, path, 7, ChainOptions{SigningKey: testSignKey, CheckpointEvery: 5})
	dropFinal(t, path)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, rechain(t, bytes.Replace(data, []byte(`"i":6,`), []byte(`"i":66,`), 1)), 0o600)
	run(t, path, 2, ChainOptions{SigningKey: testSignKey, CheckpointEvery: 5})
	return trail{files: []string{path}}
}

// segmentCut is attack 2: run 1 writes and closes; run 2 writes 35 lines
// and closes; the file and its sidecar are cut back to their size after
// run 1. Both runs hand their checkpoints to a witness.
func segmentCut(t *testing.T, dir string) trail {
	t.Helper()
	path := filepath.Join(dir, "audit.log")
	run(t, path, 5, ChainOptions{SigningKey: testSignKey, Witness: openWitness(t, dir)})
	size, ckSize := sizeOf(t, path), sizeOf(t, path+".ckpt")
	run(t, path, 35, ChainOptions{SigningKey: testSignKey, Witness: openWitness(t, dir)})
	os.Truncate(path, size)
	os.Truncate(path+".ckpt", ckSize)
	return trail{files: []string{path}, witness: filepath.Join(dir, "witness.log")}
}

// The crash range of 1b stays unproven whatever a later segment says; an
// HMAC chain key proves it, and a reviewed range can be accepted.
func TestVerifyCrashRange(t *testing.T) {
	dir := t.TempDir()
	crashRewritten(t, dir)
	path := filepath.Join(dir, "audit.log")
	rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey}, path)
	r := crashRange(t, rep)
	if r.From != 6 || r.To != 7 || !strings.Contains(rep.Incomplete[0].Msg, r.String()) || rep.Incomplete[0].Line != 7 {
		t.Fatalf("range %v: %v", r, rep.Incomplete)
	}
	for _, acc := range []Range{{r.Segment, 6, 6}, {strings.Repeat("0", 32), 0, 100}} {
		if rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey, Accept: []Range{acc}}, path); rep.Complete() {
			t.Errorf("accept %v covers %v", acc, r)
		}
	}
	rep = verifyT(t, &VerifyOptions{PublicKey: testPubKey, Accept: []Range{{r.Segment, 1, 9}}}, path)
	if !rep.Complete() || !strings.Contains(rep.Notes[0].Msg, "accepted") {
		t.Fatalf("accepted: %+v", rep)
	}

	// With an HMAC chain, the same crash is proven by the key.
	hpath := filepath.Join(t.TempDir(), "audit.log")
	key := []byte("chain key")
	run(t, hpath, 7, ChainOptions{SigningKey: testSignKey, CheckpointEvery: 5, HMACKey: key})
	dropFinal(t, hpath)
	run(t, hpath, 2, ChainOptions{SigningKey: testSignKey, CheckpointEvery: 5, HMACKey: key})
	rep = verifyT(t, &VerifyOptions{PublicKey: testPubKey, HMACKey: key}, hpath)
	if !rep.Complete() || !hasNote(rep, Unclosed) || !strings.Contains(rep.Notes[0].Msg, "proven by the HMAC chain key") {
		t.Fatalf("HMAC crash: %+v", rep)
	}
}

// Files a shell glob picks up (checkpoints, the writer's lock) are skipped,
// and a series given newest first is put in chain order.
func TestVerifyArguments(t *testing.T) {
	tr := rotated(t, t.TempDir(), 3)
	args := []string{tr.files[2], tr.files[2] + ".ckpt", tr.files[1], tr.files[1] + ".ckpt", tr.files[0], tr.files[0] + ".ckpt", tr.files[2] + ".lock"}
	rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey}, args...)
	if !rep.Complete() || rep.Segments != 3 {
		t.Fatalf("%+v %v", rep, rep.Tampered)
	}
	var skipped, ordered int
	for _, n := range rep.Notes {
		switch {
		case strings.Contains(n.Msg, "skipped"):
			skipped++
		case strings.Contains(n.Msg, "chain order (oldest first): "+strings.Join(tr.files, ", ")):
			ordered++
		}
	}
	if skipped != 4 || ordered != 1 {
		t.Errorf("notes: %v", rep.Notes)
	}
	if _, err := Verify([]string{tr.files[0] + ".ckpt"}, nil); err == nil {
		t.Error("only a checkpoint file: no error")
	}
}

// A key file written with echo ends in a newline: the key is chosen by the
// fingerprint the header names, exact bytes first.
func TestVerifyHMACKeyByFingerprint(t *testing.T) {
	for _, tt := range []struct{ chainKey, given string }{
		{"s3cret", "s3cret\n"},
		{"s3cret", "s3cret\r\n"},
		{"s3cret\n", "s3cret\n"}, // a key that does end in a newline
	} {
		path := filepath.Join(t.TempDir(), "audit.log")
		run(t, path, 3, ChainOptions{SigningKey: testSignKey, HMACKey: []byte(tt.chainKey)})
		rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey, HMACKey: []byte(tt.given)}, path)
		if !rep.Complete() || hasNote(rep, Unchecked) != (tt.chainKey != tt.given) {
			t.Errorf("chain key %q, given %q: %+v", tt.chainKey, tt.given, rep)
		}
	}
}

// A wrong key is "does not verify", with a hint naming both fingerprints.
func TestVerifyWrongKeyHint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	run(t, path, 3, ChainOptions{SigningKey: testSignKey, HMACKey: []byte("right")})
	otherPub, _, _ := ed25519.GenerateKey(nil)
	rep := verifyT(t, &VerifyOptions{PublicKey: otherPub, HMACKey: []byte("right")}, path)
	want := fmt.Sprintf("signed by key fingerprint %s, you gave %s", KeyFingerprint(testPubKey), KeyFingerprint(otherPub))
	if rep.OK() || rep.Tampered.Kind != BadCheckpoint || !strings.Contains(rep.Tampered.Msg, want) {
		t.Errorf("wrong public key: %v, want %q", rep.Tampered, want)
	}
	rep = verifyT(t, &VerifyOptions{PublicKey: testPubKey, HMACKey: []byte("wrong")}, path)
	want = fmt.Sprintf("signed by key fingerprint %s, you gave %s", HMACFingerprint([]byte("right")), HMACFingerprint([]byte("wrong")))
	if rep.OK() || rep.Tampered.Line != 1 || !strings.Contains(rep.Tampered.Msg, want) {
		t.Errorf("wrong HMAC key: %v, want %q", rep.Tampered, want)
	}
	if _, err := Verify([]string{path}, &VerifyOptions{PublicKey: testPubKey}); err == nil || !strings.Contains(err.Error(), HMACFingerprint([]byte("right"))) {
		t.Errorf("no HMAC key: %v", err)
	}
	if got := KeyFingerprint(testPubKey); !isLowerHex(got, 32) {
		t.Errorf("KeyFingerprint = %q", got)
	}
}

// A witness exported from a log database: JSON lines whose "_msg" holds the
// checkpoint line (VictoriaLogs' export), mixed with other records and
// forged entries, which are ignored with a note.
func TestVerifyWitnessExport(t *testing.T) {
	dir := t.TempDir()
	tr := segmentCut(t, dir)
	raw, _ := os.ReadFile(tr.witness)
	var exp bytes.Buffer
	for i, l := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		rec, _ := json.Marshal(map[string]string{"_msg": l, "_time": "2026-01-02T03:04:05Z", "_stream": `{service="api"}`})
		exp.Write(append(rec, '\n'))
		if i == 0 {
			other, _ := json.Marshal(map[string]string{"_msg": "GET /health 200"})
			forged, _ := json.Marshal(map[string]string{KeyChainCheckpoint: strings.Replace(l, `"seq":0`, `"seq":9`, 1)})
			exp.Write(append(other, '\n'))
			exp.Write(append(forged, '\n'))
		}
	}
	export := filepath.Join(dir, "export.jsonl")
	os.WriteFile(export, exp.Bytes(), 0o600)
	rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey, Witness: []string{export}}, tr.files...)
	if rep.OK() || rep.Tampered.Kind != Truncated || rep.Witnessed == 0 {
		t.Fatalf("cut against the export: %+v", rep)
	}
	if !strings.Contains(rep.Notes[0].Msg, "2 witness line(s) ignored: 1 checkpoint(s) not in canonical form or not signed") {
		t.Errorf("notes: %v", rep.Notes)
	}
	if _, err := Verify(tr.files, &VerifyOptions{Witness: []string{export}}); err == nil {
		t.Error("witness without a public key accepted")
	}
}

// -max-age: the newest checkpoint (sidecar or witness) must be younger; a
// live last segment whose newest checkpoint covers its last line is then
// proven while fresh, but lines after that checkpoint stay unproven.
func TestVerifyMaxAge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	c, err := OpenChain(path, nil, &ChainOptions{SigningKey: testSignKey, CheckpointEvery: 2, Encoder: encoderAt(func() time.Time { return testTime })})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 3 {
		c.Write([]byte(`{"i":1}` + "\n")) // checkpoint at 2; line 3 not yet covered
	}
	at := func(d time.Duration) func() time.Time { return func() time.Time { return testTime.Add(d) } }
	check := func(covered bool) {
		for _, tt := range []struct {
			age   time.Duration
			stale bool
			inc   bool
		}{
			{0, false, true}, // no -max-age: a live trail is not closed
			{time.Hour, false, !covered},
			{time.Minute, true, true},
		} {
			rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey, MaxAge: tt.age, Now: at(30 * time.Minute)}, path)
			if !rep.OK() || (rep.Stale != nil) != tt.stale || rep.Complete() == tt.inc || !rep.LastCheckpoint.Equal(testTime) {
				t.Errorf("covered %v, max-age %v: stale %v, incomplete %v, last %v", covered, tt.age, rep.Stale, rep.Incomplete, rep.LastCheckpoint)
			}
			if tt.stale && !strings.Contains(rep.Stale.Msg, "30m0s old") {
				t.Errorf("stale: %v", rep.Stale)
			}
			if !covered && tt.age == time.Hour && (len(rep.Incomplete) != 1 || !strings.Contains(rep.Incomplete[0].Msg, ":3-3")) {
				t.Errorf("fresh, line 3 uncovered: %v", rep.Incomplete)
			}
		}
	}
	check(false)
	// Bytes after the newest checkpoint are not excused either.
	data, _ := os.ReadFile(path)
	torn := filepath.Join(t.TempDir(), "torn.log")
	os.WriteFile(torn, append(bytes.Clone(data), `{"i":4,"us`...), 0o600)
	copyFile(t, path+".ckpt", torn+".ckpt")
	if rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey, MaxAge: time.Hour, Now: at(time.Minute)}, torn); rep.Complete() {
		t.Errorf("fresh, torn end: %+v", rep)
	}
	if err := c.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	check(true)
}

func TestParseRange(t *testing.T) {
	seg := strings.Repeat("ab", 16)
	if r, err := ParseRange(seg + ":3-9"); err != nil || r != (Range{seg, 3, 9}) || r.String() != seg+":3-9" {
		t.Errorf("ParseRange: %v %v", r, err)
	}
	for _, bad := range []string{"", seg, seg + ":3", seg + ":9-3", strings.ToUpper(seg) + ":1-2", "x:1-2", seg + ":a-2"} {
		if _, err := ParseRange(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// After a copytruncate, the copy and the truncated file verify together, in
// either order, as not provable: the lines written between the copy and the
// truncation are lost, and the truncated file starts without its header.
func TestVerifyCopytruncateWithCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	enc := slogaudit.NewEncoder(&slogaudit.Options{OnError: func(error) {}})
	c, err := OpenChain(path, nil, &ChainOptions{SigningKey: testSignKey, CheckpointInterval: -1, CheckpointEvery: 3, Encoder: enc})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		c.Write([]byte(`{"a":1}` + "\n"))
	}
	copyFile(t, path, path+".1")
	copyFile(t, path+".ckpt", path+".1.ckpt")
	c.Write([]byte(`{"a":6}` + "\n")) // lost: after the copy, before the truncation
	os.Truncate(path, 0)
	c.Write([]byte(`{"a":7}` + "\n"))
	c.Checkpoint()
	c.Write([]byte(`{"a":8}` + "\n"))
	c.Close()
	for _, files := range [][]string{{path}, {path + ".1", path}, {path, path + ".1"}} {
		rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey, AllowPartialSeries: true, Accept: []Range{{strings.Repeat("0", 32), 0, 9}}}, files...)
		if !rep.OK() || len(rep.Incomplete) != 1 || !strings.Contains(rep.Incomplete[0].Msg, "truncated under the writer") {
			t.Errorf("%v: %v %v", files, rep.Tampered, rep.Incomplete)
		}
	}
}
