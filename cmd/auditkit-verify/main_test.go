package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/auditsink"
)

// setup makes a key pair with -genkey and a signed, HMAC-chained file.
func setup(t *testing.T) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"-genkey", filepath.Join(dir, "ckpt")}, &out, &errb); code != exitOK {
		t.Fatalf("-genkey: %d %s", code, errb.String())
	}
	st, err := os.Stat(filepath.Join(dir, "ckpt.pem"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v %v", st, err)
	}
	privPEM, _ := os.ReadFile(filepath.Join(dir, "ckpt.pem"))
	priv, err := auditsink.ParsePrivateKeyPEM(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "hmac.key"), []byte("s3cret"), 0o600)
	path = filepath.Join(dir, "audit.log")
	c, err := auditsink.OpenChain(path, nil, &auditsink.ChainOptions{SigningKey: priv, HMACKey: []byte("s3cret")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		c.Write(fmt.Appendf(nil, `{"i":%d}`+"\n", i))
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

func TestRun(t *testing.T) {
	dir, path := setup(t)
	pub := filepath.Join(dir, "ckpt.pub.pem")
	hk := filepath.Join(dir, "hmac.key")
	data, _ := os.ReadFile(path)
	tampered := filepath.Join(dir, "tampered.log")
	os.WriteFile(tampered, bytes.Replace(data, []byte(`{"i":3`), []byte(`{"i":4`), 1), 0o600)
	ck, _ := os.ReadFile(path + ".ckpt")
	os.WriteFile(tampered+".ckpt", ck, 0o600)

	for _, tt := range []struct {
		name string
		args []string
		code int
		out  string // substring of stdout+stderr
	}{
		{"ok", []string{"-key", pub, "-hmac-key-file", hk, path}, exitOK, "OK: 6 lines in 1 segments, 1 checkpoints"},
		{"quiet ok", []string{"-q", "-key", pub, "-hmac-key-file", hk, path}, exitOK, ""},
		{"modified", []string{"-key", pub, "-hmac-key-file", hk, tampered}, exitTampered, "tampered.log:5: modified"},
		{"wrong hmac key", []string{"-key", pub, "-hmac-key-file", pub, path}, exitTampered, "audit.log:1: modified"},
		{"no hmac key", []string{"-key", pub, path}, exitUsage, "HMAC key is required"},
		{"unsigned", []string{"-unsigned", "-hmac-key-file", hk, path}, exitOK, "checkpoints not checked"},
		{"no key flag", []string{path}, exitUsage, "usage:"},
		{"both key flags", []string{"-unsigned", "-key", pub, path}, exitUsage, "exactly one of -key or -unsigned"},
		{"no files", []string{"-key", pub}, exitUsage, "usage:"},
		{"bad key file", []string{"-key", hk, path}, exitUsage, "no PEM PUBLIC KEY"},
		{"missing file", []string{"-key", pub, "-hmac-key-file", hk, filepath.Join(dir, "nope.log")}, exitUsage, "no such file"},
		{"unknown flag", []string{"-frobnicate", path}, exitUsage, "flag provided but not defined"},
		{"genkey exists", []string{"-genkey", filepath.Join(dir, "ckpt")}, exitUsage, "file exists"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			code := run(tt.args, &out, &out)
			if code != tt.code || !strings.Contains(out.String(), tt.out) {
				t.Errorf("exit %d, want %d; output:\n%s\nwant it to contain %q", code, tt.code, out.String(), tt.out)
			}
			if tt.out == "" && out.Len() > 0 {
				t.Errorf("quiet run printed %q", out.String())
			}
		})
	}
}
