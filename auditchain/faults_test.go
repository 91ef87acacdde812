package auditchain

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/internal/sinktest"
)

// trail writes a chained stream and its checkpoints to audit.log and
// audit.log.ckpt in a new directory and verifies them with the test key.
func verifyStreams(t *testing.T, lines, ckpt string) *Report {
	t.Helper()
	path := sinktest.WriteFile(t, lines)
	if err := os.WriteFile(path+".ckpt", []byte(ckpt), 0o600); err != nil {
		t.Fatal(err)
	}
	return verifyT(t, &VerifyOptions{PublicKey: testPubKey}, path)
}

// failingReopen is a stream whose Reopen fails (the new file cannot be
// created: no inodes, no permission).
type failingReopen struct{ bytes.Buffer }

func (*failingReopen) Reopen() error { return errors.New("open audit.log: no space left on device") }

// Operators' faults that must not turn into a false alarm: a disk full
// while Reopen writes the new header, several times, and a Reopen that
// cannot create the new file.
func TestChainReopenFaultsVerify(t *testing.T) {
	t.Run("disk full at Reopen", func(t *testing.T) {
		d := &sinktest.FullDisk{Free: 1 << 20}
		var ck bytes.Buffer
		c, err := NewChain(d, &ck, &ChainOptions{SigningKey: testSignKey, Encoder: encoder(func(error) {})})
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(`{"i":1}` + "\n"))
		c.Write([]byte(`{"i":2}` + "\n"))
		d.Free = 40 // the next header gets cut short, twice
		if err := c.Reopen(); err == nil {
			t.Fatal("Reopen on a full disk: no error")
		}
		d.Free = 25
		c.Reopen()
		d.AddSpace(1 << 20)
		if err := c.Reopen(); err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(`{"i":3}` + "\n"))
		c.Close()
		if rep := verifyStreams(t, d.String(), ck.String()); !rep.Complete() {
			t.Fatalf("%v %v\n%s", rep.Tampered, rep.Incomplete, d.String())
		}
	})
	t.Run("Reopen cannot create the new file", func(t *testing.T) {
		var w failingReopen
		var ck bytes.Buffer
		c, _ := NewChain(&w, &ck, &ChainOptions{SigningKey: testSignKey})
		c.Write([]byte(`{"i":1}` + "\n"))
		if err := c.Reopen(); err == nil || !strings.Contains(err.Error(), "no space") {
			t.Fatalf("Reopen: %v", err)
		}
		c.Write([]byte(`{"i":2}` + "\n"))
		c.Close()
		rep := verifyStreams(t, w.String(), ck.String())
		if !rep.Complete() || rep.Segments != 2 {
			t.Fatalf("%+v %v %v\n%s", rep, rep.Tampered, rep.Incomplete, w.String())
		}
	})
}

// The lock follows symlinks: a second writer through another name of the
// same file is refused too.
func TestOpenChainLockThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	c, err := OpenChain(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	link := filepath.Join(dir, "current.log")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenChain(link, nil, nil); err == nil {
		t.Fatal("a second writer through a symlink opened the chained file")
	}
}

// A restart gets past a flood of bytes appended after the last line (the
// service must start), and the trail then shows them: they come after a
// final checkpoint.
func TestOpenChainAfterAppendedFlood(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	writeChain(t, path, 3, signed())
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(bytes.Repeat([]byte("junk junk junk\n"), 3<<20/15))
	f.Close()
	c, err := OpenChain(path, nil, signed())
	if err != nil {
		t.Fatalf("restart after 3 MiB of junk: %v", err)
	}
	c.Write([]byte(`{"i":1}` + "\n"))
	c.Close()
	if rep := verifyT(t, &VerifyOptions{PublicKey: testPubKey}, path); rep.OK() {
		t.Fatal("bytes after a final checkpoint verified")
	}
}

// A line the verifier would not read (over MaxLineSize once chained) is
// refused, not written as a line that later verifies as tampering.
func TestChainRefusesOverlongLine(t *testing.T) {
	var out bytes.Buffer
	c, _ := NewChain(&out, nil, nil)
	n := out.Len()
	long := append(append([]byte(`{"a":"`), bytes.Repeat([]byte{'x'}, MaxLineSize)...), "\"}\n"...)
	if _, err := c.Write(long); !errors.Is(err, ErrTooLong) || out.Len() != n {
		t.Fatalf("err %v, wrote %d bytes", err, out.Len()-n)
	}
	if _, err := c.Write([]byte(`{"a":1}` + "\n")); err != nil {
		t.Fatal(err)
	}
}
