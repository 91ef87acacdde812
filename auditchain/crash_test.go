package auditchain

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/auditsink"
)

// A process writing through Async → Chain → File is killed with SIGKILL.
// Everything write(2) accepted is in the file; at most the final line is
// torn; the chain verifies up to the last complete line and every signed
// checkpoint matches. A restart continues the chain in the same file.
func TestCrashKeepsFileVerifiable(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=crash", "AUDITSINK_PATH="+path)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if st, err := os.Stat(path + ".ckpt"); err == nil && st.Size() > 2000 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("child wrote too little")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no defer, no Close
		t.Fatal(err)
	}
	cmd.Wait()

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(data, []byte{'\n'})
	for i, l := range lines[:len(lines)-1] {
		if _, ok := parseChained(l); !ok {
			t.Fatalf("line %d of %d is not a complete chained line: %q", i+1, len(lines)-1, l)
		}
	}
	pub := &VerifyOptions{PublicKey: testPubKey}
	rep := verifyT(t, pub, path)
	if !rep.OK() || rep.Lines != len(lines)-1 || rep.Checkpoints == 0 {
		t.Fatalf("after crash: %+v %v", rep, rep.Tampered)
	}
	// Killed, so never closed: the end is unproven, and says why.
	torn := len(lines[len(lines)-1]) > 0
	if torn != hasKind(rep.Incomplete, Torn) || !hasKind(rep.Incomplete, Unclosed) {
		t.Errorf("torn final line %v, incomplete %v", torn, rep.Incomplete)
	}
	t.Logf("child wrote %d lines (torn tail: %v), %d checkpoints", rep.Lines, torn, rep.Checkpoints)

	// After a restart, the lines after the last checkpoint before the crash
	// stay unproven for good (issue 12); once reviewed they can be accepted.
	uncovered := hasKind(rep.Incomplete, Unclosed) && strings.Contains(rep.Incomplete[len(rep.Incomplete)-1].Msg, "not covered")
	writeChain(t, path, 5, signed())
	rep = verifyT(t, pub, path)
	if !rep.OK() || rep.Segments != 2 || rep.Complete() == (uncovered || torn) {
		t.Fatalf("after restart (uncovered %v, torn %v): %+v %v", uncovered, torn, rep, rep.Tampered)
	}
	if !rep.Complete() {
		rep = verifyT(t, &VerifyOptions{PublicKey: testPubKey, Accept: []Range{crashRange(t, rep)}}, path)
	}
	if !rep.Complete() || !hasNote(rep, Unclosed) {
		t.Fatalf("after restart, crash range accepted: %+v %v", rep, rep.Incomplete)
	}
}

func childCrash() int {
	c, err := OpenChain(os.Getenv("AUDITSINK_PATH"), nil, &ChainOptions{SigningKey: testSignKey, CheckpointEvery: 50})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	a := auditsink.NewAsync(c, nil)
	defer a.Close(context.Background())
	for i := 0; ; i++ {
		l := fmt.Sprintf(`{"event_type":"crash.test","i":%d,"pad":"%0200d"}`+"\n", i, i)
		a.WriteRecord(slog.LevelInfo, i%2 == 0, []byte(l))
	}
}
