package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/auditchain"
)

// rotatedSeries writes two files of a rotated signed SHA-256 chain, oldest
// first, and the public key next to them.
func rotatedSeries(t *testing.T, dir string) []string {
	t.Helper()
	privPEM, _ := os.ReadFile(filepath.Join(dir, "ckpt.pem"))
	priv, _ := auditchain.ParsePrivateKeyPEM(privPEM)
	path := filepath.Join(dir, "series.log")
	c, err := auditchain.OpenChain(path, nil, &auditchain.ChainOptions{SigningKey: priv})
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte(`{"i":1}` + "\n"))
	c.Write([]byte(`{"i":2}` + "\n"))
	os.Rename(path, path+".1")
	os.Rename(path+".ckpt", path+".1.ckpt")
	if err := c.Reopen(); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte(`{"i":3}` + "\n"))
	c.Write([]byte(`{"i":4}` + "\n"))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return []string{path + ".1", path}
}

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
	priv, err := auditchain.ParsePrivateKeyPEM(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "hmac.key"), []byte("s3cret"), 0o600)
	path = filepath.Join(dir, "audit.log")
	c, err := auditchain.OpenChain(path, nil, &auditchain.ChainOptions{SigningKey: priv, HMACKey: []byte("s3cret")})
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
	lines := strings.SplitAfter(string(data), "\n")
	cks := strings.SplitAfter(string(ck), "\n")
	// variant writes a copy of the trail with its own sidecar.
	variant := func(name, log, ckpt string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(log), 0o600)
		if ckpt != "-" {
			os.WriteFile(p+".ckpt", []byte(ckpt), 0o600)
		}
		return p
	}
	// Cut exactly at a checkpoint (the header's), the final checkpoint gone.
	cut := variant("cut.log", lines[0], cks[0])
	// Bytes after the final checkpoint are tampering (issue 12); after a
	// crash (no final checkpoint) a torn tail is unproven.
	torn := variant("torn.log", string(data)+`{"event_type":"auth.lo`, string(ck))
	crashTorn := variant("crashtorn.log", string(data)+`{"event_type":"auth.lo`, cks[0])
	noCkpt := variant("nockpt.log", string(data), "-")
	inserted := variant("inserted.log", strings.Join(lines[:3], "")+`{"event_type":"auth.login.success"}`+"\n"+strings.Join(lines[3:], ""), string(ck))
	series := rotatedSeries(t, dir)

	for _, tt := range []struct {
		name string
		args []string
		code int
		out  string // substring of stdout+stderr
	}{
		{"ok", []string{"-key", pub, "-hmac-key-file", hk, path}, exitOK, "OK: 6 lines in 1 segments, 2 checkpoints"},
		{"quiet ok", []string{"-q", "-key", pub, "-hmac-key-file", hk, path}, exitOK, ""},
		{"modified", []string{"-key", pub, "-hmac-key-file", hk, tampered}, exitTampered, "tampered.log:5: modified"},
		{"wrong hmac key", []string{"-key", pub, "-hmac-key-file", pub, path}, exitTampered, "audit.log:1: modified"},
		{"no hmac key", []string{"-key", pub, path}, exitTampered, "HMAC key is required"},
		{"unsigned", []string{"-unsigned", "-hmac-key-file", hk, path}, exitOK, "checkpoints not checked"},
		{"cut at a checkpoint", []string{"-key", pub, "-hmac-key-file", hk, cut}, exitUnproven, "cut.log:1: unclosed: segment"},
		{"quiet cut", []string{"-q", "-key", pub, "-hmac-key-file", hk, cut}, exitUnproven, "not closed cleanly (crash or cut)"},
		{"bytes after the final checkpoint", []string{"-key", pub, "-hmac-key-file", hk, torn}, exitTampered, "torn.log:7: modified: bytes after the final checkpoint"},
		{"torn tail after a crash", []string{"-key", pub, "-hmac-key-file", hk, crashTorn}, exitUnproven, "crashtorn.log:7: torn"},
		{"quiet torn tail", []string{"-q", "-unsigned", "-hmac-key-file", hk, torn}, exitUnproven, "UNPROVEN"},
		{"sidecar missing", []string{"-key", pub, "-hmac-key-file", hk, noCkpt}, exitTampered, "missing-checkpoint"},
		{"record inserted", []string{"-key", pub, "-hmac-key-file", hk, inserted}, exitTampered, "inserted.log:4: modified"},
		{"whole series", append([]string{"-key", pub}, series...), exitOK, "OK: 6 lines in 2 segments"},
		{"oldest file missing", []string{"-key", pub, series[1]}, exitUnproven, "start of the series is missing"},
		{"quiet oldest file missing", []string{"-q", "-key", pub, series[1]}, exitUnproven, "start of the series is missing"},
		{"oldest file missing, allowed", []string{"-allow-partial-series", "-key", pub, series[1]}, exitOK, "OK: 3 lines in 1 segments"},
		{"no key flag", []string{path}, exitUsage, "usage:"},
		{"both key flags", []string{"-unsigned", "-key", pub, path}, exitUsage, "exactly one of -key or -unsigned"},
		{"no files", []string{"-key", pub}, exitUsage, "usage:"},
		{"bad key file", []string{"-key", hk, path}, exitUsage, "no PEM PUBLIC KEY"},
		{"missing file", []string{"-key", pub, "-hmac-key-file", hk, filepath.Join(dir, "nope.log")}, exitTampered, "no such file"},
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
