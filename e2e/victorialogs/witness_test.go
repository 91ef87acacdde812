package victorialogs

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/auditchain"
	"github.com/secaudit/auditkit/e2e/internal/vlogs"
)

// Exit codes of auditkit-verify (DESIGN, "Verifier exit codes").
const (
	verifyOK       = 0
	verifyTampered = 1
)

// TestWitnessRoundTrip is the witness of issue 12 end to end, as an operator
// runs it: cmd/auditkit-demo writes a chained, signed trail and posts every
// checkpoint to the real VictoriaLogs (-witness-url); a LogsQL query exports
// the witness to a file; auditkit-verify checks the trail against it. A
// second run is then cut off at a clean boundary (the file and FILE.ckpt
// truncated back to their size after the first run): without the witness
// that cannot be seen (the documented limit, exit 0), with it it is a cut
// (exit 1).
func TestWitnessRoundTrip(t *testing.T) {
	c := vlogs.FromEnv(t)
	demo := buildCmd(t, "./cmd/auditkit-demo")
	verify := buildCmd(t, "./cmd/auditkit-verify")

	dir := t.TempDir()
	// A fresh file name per run scopes the witness rows in VictoriaLogs.
	name := "audit-" + newRunID(t) + ".jsonl"
	path := filepath.Join(dir, name)
	pubFile := filepath.Join(dir, "auditkit-demo-key.pub.pem")
	witnessURL := c.Base + "/insert/jsonline"
	query := "audit.chain.file:=" + quote(name)

	runDemoChain(t, demo, path, witnessURL)
	pub := readPublicKey(t, pubFile)
	size, ckptSize := fileSize(t, path), fileSize(t, path+".ckpt")
	run1 := exportWitness(t, c, query, path, filepath.Join(dir, "witness-run1.jsonl"))

	t.Run("run 1 verifies against its witness", func(t *testing.T) {
		rep := verifyTrail(t, path, pub, run1)
		if !rep.Complete() {
			t.Fatalf("Verify: tampered %v, incomplete %v, notes %v", rep.Tampered, rep.Incomplete, rep.Notes)
		}
		if want := len(ckptLines(t, path)); rep.Witnessed != want {
			t.Errorf("Report.Witnessed = %d, want the %d checkpoints shipped", rep.Witnessed, want)
		}
		wantExit(t, verify, verifyOK, "-key", pubFile, "-witness", run1, path)
	})

	// Run 2 appends a segment to the same file, and is then cut off.
	runDemoChain(t, demo, path, witnessURL)
	both := exportWitness(t, c, query, path, filepath.Join(dir, "witness-both.jsonl"))
	wantExit(t, verify, verifyOK, "-key", pubFile, "-witness", both, path)
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path+".ckpt", ckptSize); err != nil {
		t.Fatal(err)
	}

	t.Run("cut without the witness goes unseen", func(t *testing.T) {
		rep := verifyTrail(t, path, pub)
		if !rep.Complete() {
			t.Errorf("a cut at a final checkpoint is not detectable without a witness (the documented limit), "+
				"yet Verify says: tampered %v, incomplete %v", rep.Tampered, rep.Incomplete)
		}
		wantExit(t, verify, verifyOK, "-key", pubFile, path)
	})

	t.Run("cut with the witness", func(t *testing.T) {
		rep := verifyTrail(t, path, pub, both)
		if rep.OK() {
			t.Fatalf("the witness holds run 2's checkpoints, the trail does not: want a cut, got %+v", rep)
		}
		t.Logf("Verify: %v", rep.Tampered)
		out := wantExit(t, verify, verifyTampered, "-key", pubFile, "-witness", both, path)
		t.Logf("auditkit-verify: %s", out)
		// The witness of run 1 alone still matches the cut trail.
		wantExit(t, verify, verifyOK, "-key", pubFile, "-witness", run1, path)
	})
}

// runDemoChain runs the demo once with -chain path and -witness-url.
func runDemoChain(t *testing.T, demo, path, witnessURL string) {
	t.Helper()
	code, _, stderr := runBin(t, demo, "-chain", path, "-witness-url", witnessURL)
	if code != 0 {
		t.Fatalf("auditkit-demo -chain: exit %d\n%s", code, stderr)
	}
}

// exportWitness waits until VictoriaLogs returns a row for every line of
// path's FILE.ckpt, exports the rows of query to file as the server answers
// them, and checks that their _msg fields are exactly the checkpoint lines.
func exportWitness(t *testing.T, c *vlogs.Client, query, path, file string) string {
	t.Helper()
	want := ckptLines(t, path)
	// Poll the rows themselves: a stats count sees new rows a few hundred
	// milliseconds before a plain query returns them.
	rows, err := c.Poll(t.Context(), query, 30*time.Second,
		func(rows []vlogs.Row) bool { return len(rows) >= len(want) })
	if err != nil {
		t.Fatalf("waiting for %d witness rows: %v (last answer %v)", len(want), err, rows)
	}
	body, err := c.Export(t.Context(), query)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for line := range bytes.SplitSeq(bytes.TrimSuffix(body, []byte("\n")), []byte("\n")) {
		var row struct {
			Msg string `json:"_msg"`
		}
		if err := json.Unmarshal(line, &row); err != nil {
			t.Fatalf("export line %q: %v ", line, err)
		}
		got = append(got, row.Msg)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("witness export _msg values:\n%s\nFILE.ckpt lines:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func ckptLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path + ".ckpt")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func verifyTrail(t *testing.T, path string, pub ed25519.PublicKey, witness ...string) *auditchain.Report {
	t.Helper()
	rep, err := auditchain.Verify([]string{path}, &auditchain.VerifyOptions{PublicKey: pub, Witness: witness})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// wantExit runs auditkit-verify and fails unless it exits with want; it
// returns what the command printed.
func wantExit(t *testing.T, verify string, want int, args ...string) string {
	t.Helper()
	code, stdout, stderr := runBin(t, verify, args...)
	out := stdout + stderr
	if code != want {
		t.Errorf("auditkit-verify %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
	}
	return out
}

func readPublicKey(t *testing.T, name string) ed25519.PublicKey {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := auditchain.ParsePublicKeyPEM(b)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func fileSize(t *testing.T, name string) int64 {
	t.Helper()
	info, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}
