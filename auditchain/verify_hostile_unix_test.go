//go:build unix

package auditchain

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Only regular files are read: a FIFO would block for ever, a device never
// ends. Each is an error (auditkit-verify: exit 1) naming the file.
func TestVerifyRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	writeChain(t, path, 3, signed())
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	zero := filepath.Join(dir, "zero.log")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	copyFile(t, path+".ckpt", zero+".ckpt")
	fifoCk := filepath.Join(dir, "fifock.log")
	copyFile(t, path, fifoCk)
	if err := syscall.Mkfifo(fifoCk+".ckpt", 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		files []string
		opts  VerifyOptions
		want  string
	}{
		{"trail file is a FIFO", []string{fifo}, VerifyOptions{PublicKey: testPubKey}, fifo},
		{"trail file is /dev/zero", []string{zero}, VerifyOptions{PublicKey: testPubKey}, zero},
		{"FILE.ckpt is a FIFO", []string{fifoCk}, VerifyOptions{PublicKey: testPubKey}, fifoCk + ".ckpt"},
		{"witness is a FIFO", []string{path}, VerifyOptions{PublicKey: testPubKey, Witness: []string{fifo}}, fifo},
		{"directory", []string{dir}, VerifyOptions{PublicKey: testPubKey}, dir},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := Verify(tt.files, &tt.opts)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: %v", tt.name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Verify hangs", tt.name)
		}
	}
}
