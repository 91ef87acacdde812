package auditchain

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// childLock holds the chain named by AUDITCHAIN_PATH open until its stdin
// closes, telling the parent once it has the lock.
func childLock() int {
	c, err := OpenChain(os.Getenv("AUDITCHAIN_PATH"), nil, nil)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n')
	c.Close()
	return 0
}

// A second writer on one chained file (a rolling deploy, a service started
// twice) fails at once, naming the file and the holder's PID; when the
// holder dies, the kernel releases the lock and the file can be opened.
func TestOpenChainOneWriterPerFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=lock", "AUDITCHAIN_PATH="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	if l, _ := bufio.NewReader(stdout).ReadString('\n'); strings.TrimSpace(l) != "locked" {
		t.Fatalf("child: %q", l)
	}

	_, err := OpenChain(path, nil, nil)
	if err == nil {
		t.Fatal("second writer opened a locked chain")
	}
	for _, want := range []string{path, "pid " + strconv.Itoa(cmd.Process.Pid), "one writer per chained file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// In one process too: the lock is per open file, not per process.
	first, err := OpenChain(filepath.Join(t.TempDir(), "b.log"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenChain(first.file.Name(), nil, nil); err == nil {
		t.Error("a second Chain in the same process opened the file")
	}
	first.Close()

	cmd.Process.Kill() // a crash: no Close
	cmd.Wait()
	c, err := OpenChain(path, nil, nil)
	if err != nil {
		t.Fatalf("after the holder died: %v", err)
	}
	c.Close()
}
