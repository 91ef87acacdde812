package auditsink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func readLinesT(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		return nil
	}
	if data[len(data)-1] != '\n' {
		t.Fatalf("%s does not end in a newline", path)
	}
	return stringsSplit(string(data[:len(data)-1]))
}

func stringsSplit(s string) []string {
	var out []string
	for _, l := range bytes.Split([]byte(s), []byte{'\n'}) {
		out = append(out, string(l))
	}
	return out
}

func TestFileCreatesPrivateAppendOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path+".x", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if n, err := f.Write(line(i, 40)); err != nil || n != 40 {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	// Reopening appends; it never truncates.
	f, err = OpenFile(path, &FileOptions{Mode: 0o640})
	if err != nil {
		t.Fatal(err)
	}
	f.Write(line(3, 40))
	f.Close()
	if got := readLinesT(t, path); len(got) != 4 || got[3] != string(line(3, 40)[:39]) {
		t.Errorf("lines = %q", got)
	}
	if _, err := f.Write(line(4, 40)); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if err := f.Reopen(); !errors.Is(err, ErrClosed) {
		t.Errorf("Reopen after Close = %v, want ErrClosed", err)
	}
}

func TestFileOpenError(t *testing.T) {
	_, err := OpenFile(filepath.Join(t.TempDir(), "missing", "audit.log"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want ErrNotExist", err)
	}
}

func TestFileSyncPolicy(t *testing.T) {
	for _, tt := range []struct {
		policy SyncPolicy
		want   uint64
	}{
		{SyncNever, 0},
		{SyncEvery(50), 2},
		{SyncEvery(0), 0},
		{SyncAlways, 120},
		{SyncEvery(1), 120},
	} {
		t.Run(tt.policy.String(), func(t *testing.T) {
			f, err := OpenFile(filepath.Join(t.TempDir(), "a.log"), &FileOptions{Sync: tt.policy})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 120 {
				if _, err := f.Write(line(i, 32)); err != nil {
					t.Fatal(err)
				}
			}
			if f.syncs != tt.want {
				t.Errorf("fsync calls = %d, want %d", f.syncs, tt.want)
			}
			f.Close()
			if f.syncs != tt.want+1 {
				t.Errorf("Close did not sync: %d calls", f.syncs)
			}
		})
	}
}

func TestFileReopenAfterRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	f, err := OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range 100 {
		f.Write(line(i, 50))
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := f.Reopen(); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		f.Write(line(100+i, 50))
	}
	old, cur := readLinesT(t, path+".1"), readLinesT(t, path)
	if len(old) != 100 || len(cur) != 100 {
		t.Fatalf("lines: rotated %d, current %d; want 100 and 100", len(old), len(cur))
	}
	if cur[0] != string(line(100, 50)[:49]) {
		t.Errorf("first line after reopen = %q", cur[0])
	}
}

func TestFileReopenOnSIGHUP(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	f, err := OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stop := f.ReopenOnSignal()
	defer stop()
	f.Write(line(1, 40))
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// The hook runs asynchronously; Reopen creates the file again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("file not reopened after SIGHUP")
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.Write(line(2, 40))
	if got := readLinesT(t, path); len(got) != 1 || got[0] != string(line(2, 40)[:39]) {
		t.Errorf("new file = %q", got)
	}
	if got := readLinesT(t, path+".1"); len(got) != 1 {
		t.Errorf("rotated file = %q", got)
	}
	stop()
	stop() // idempotent
}

// Several processes append to one file at once; write(2) with O_APPEND keeps
// every line whole. Lines are long (up to 60 KB) so a split write would show.
func TestFileLinesFromManyProcessesNeverInterleave(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "shared.log")
	const procs, lines = 4, 150
	var cmds []*exec.Cmd
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=append", "AUDITSINK_PATH="+path,
			"AUDITSINK_ID="+strconv.Itoa(i), "AUDITSINK_LINES="+strconv.Itoa(lines))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	next := make([]int, procs)
	for n, l := range readLinesT(t, path) {
		var rec struct {
			P, N, Len int
			Pad       string
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil || len(rec.Pad) != rec.Len {
			t.Fatalf("line %d is damaged (%v): %.80q...", n+1, err, l)
		}
		if rec.N != next[rec.P] {
			t.Fatalf("line %d: process %d line %d, want %d", n+1, rec.P, rec.N, next[rec.P])
		}
		next[rec.P]++
	}
	for p, n := range next {
		if n != lines {
			t.Errorf("process %d: %d lines, want %d", p, n, lines)
		}
	}
}

func childAppend() int {
	id, _ := strconv.Atoi(os.Getenv("AUDITSINK_ID"))
	n, _ := strconv.Atoi(os.Getenv("AUDITSINK_LINES"))
	f, err := OpenFile(os.Getenv("AUDITSINK_PATH"), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer f.Close()
	for i := range n {
		size := 100 + (i*7919+id*104729)%40000
		l := fmt.Sprintf(`{"p":%d,"n":%d,"len":%d,"pad":"%s"}`+"\n", id, i, size, bytes.Repeat([]byte{byte('a' + id)}, size))
		if _, err := f.Write([]byte(l)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

// /dev/full fails every write with ENOSPC: the real kernel error reaches the
// caller, and a Guard recognises it.
func TestFileDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	f, err := OpenFile("/dev/full", nil)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	n, err := f.Write(line(1, 40))
	if n != 0 || !errors.Is(err, syscall.ENOSPC) || !IsDiskError(err) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	g := NewGuard(f, &GuardOptions{Action: FailClosed, Encoder: encoder(func(error) {}, nil)})
	if err := g.WriteRecord(0, true, line(2, 40)); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Guard: %v", err)
	}
}

// A real partial write(2): the child lowers RLIMIT_FSIZE so the kernel takes
// only part of a line, then raises it again. The next line starts on a line
// of its own instead of being glued to the fragment.
func TestFilePartialWriteKeepsFragmentApart(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=fsize", "AUDITSINK_PATH="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if got := string(out); got != "first: 10 true\n" {
		t.Fatalf("child reported %q, want a 10-byte partial write with a disk error", got)
	}
	data, _ := os.ReadFile(path)
	want := `{"i":1,"ms` + "\n" + `{"i":2,"msg":"second"}` + "\n" + `{"i":3}` + "\n"
	if string(data) != want {
		t.Errorf("file holds %q, want %q", data, want)
	}
}

func childFileSizeLimit() int {
	signal.Ignore(syscall.SIGXFSZ) // get EFBIG or a short count, not a signal
	f, err := OpenFile(os.Getenv("AUDITSINK_PATH"), nil)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		fmt.Println(err)
		return 1
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 10, Max: lim.Max}); err != nil {
		fmt.Println(err)
		return 1
	}
	n, err := f.Write([]byte(`{"i":1,"msg":"first"}` + "\n"))
	fmt.Println("first:", n, IsDiskError(err))
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		fmt.Println(err)
		return 1
	}
	f.Write([]byte(`{"i":2,"msg":"second"}` + "\n"))
	f.Write([]byte(`{"i":3}` + "\n"))
	return 0
}
