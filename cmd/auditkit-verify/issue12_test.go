package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/auditchain"
	"github.com/secaudit/auditkit/slogaudit"
)

// keys makes a key pair with -genkey and returns the private key and the
// public key file.
func keys(t *testing.T, dir string) (ed25519.PrivateKey, string) {
	t.Helper()
	var out bytes.Buffer
	if code := run([]string{"-genkey", filepath.Join(dir, "k")}, &out, &out); code != exitOK {
		t.Fatal(out.String())
	}
	pem, _ := os.ReadFile(filepath.Join(dir, "k.pem"))
	priv, err := auditchain.ParsePrivateKeyPEM(pem)
	if err != nil {
		t.Fatal(err)
	}
	return priv, filepath.Join(dir, "k.pub.pem")
}

// write runs the writer once: OpenChain, n lines, Close.
func write(t *testing.T, path string, n int, opts auditchain.ChainOptions) {
	t.Helper()
	c, err := auditchain.OpenChain(path, nil, &opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		c.Write(fmt.Appendf(nil, `{"event_type":"test","i":%d}`+"\n", i))
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if w, ok := opts.Witness.(*os.File); ok {
		w.Close()
	}
}

func appendTo(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// dropLastCheckpoint removes the final checkpoint, as a crash leaves the
// sidecar.
func dropLastCheckpoint(t *testing.T, path string) {
	t.Helper()
	ck, _ := os.ReadFile(path + ".ckpt")
	ls := strings.SplitAfter(string(ck), "\n")
	ls = ls[:len(ls)-1] // "" after the last newline
	if !strings.Contains(ls[len(ls)-1], `"final":true`) {
		t.Fatalf("no final checkpoint: %s", ck)
	}
	os.WriteFile(path+".ckpt", []byte(strings.Join(ls[:len(ls)-1], "")), 0o600)
}

var chainRE = regexp.MustCompile(`,"chain":"[0-9a-f]{64}"}$`)

// rechain recomputes the plain SHA-256 chain of data, as anyone can.
func rechain(t *testing.T, data []byte) []byte {
	t.Helper()
	var out, prev []byte
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		loc := chainRE.FindStringIndex(l)
		if loc == nil {
			t.Fatalf("not chained: %s", l)
		}
		p := l[:loc[0]]
		if strings.HasSuffix(p, `"seq":0`) {
			var h struct {
				Attributes map[string]any `json:"attributes"`
			}
			json.Unmarshal([]byte(l), &h)
			g := sha256.Sum256([]byte("auditkit-chain-v1:" + h.Attributes[auditchain.KeyChainSegment].(string)))
			prev = g[:]
		}
		sum := sha256.Sum256(append(prev, p...))
		prev = sum[:]
		out = fmt.Appendf(out, "%s,\"chain\":\"%s\"}\n", p, hex.EncodeToString(prev))
	}
	return out
}

// The exit codes of issue 12, each attack or false alarm run through the
// command line.
func TestRunIssue12(t *testing.T) {
	dir := t.TempDir()
	priv, pub := keys(t, dir)
	signed := auditchain.ChainOptions{SigningKey: priv, CheckpointEvery: 5}
	mk := func(name string) string {
		d := filepath.Join(dir, name)
		os.Mkdir(d, 0o700)
		return filepath.Join(d, "audit.log")
	}

	// 1a: bytes appended after a clean Close, then a restart.
	laundered := mk("1a")
	write(t, laundered, 3, signed)
	f := appendTo(t, laundered)
	f.WriteString(`{"event_type":"auth.login.success","user.id":"admin"` + "\n")
	f.Close()
	write(t, laundered, 2, signed)

	// 1b: a crash, the uncovered lines rewritten, a restart.
	crashed := mk("1b")
	write(t, crashed, 7, signed)
	dropLastCheckpoint(t, crashed)
	data, _ := os.ReadFile(crashed)
	os.WriteFile(crashed, rechain(t, bytes.Replace(data, []byte(`"i":5,`), []byte(`"i":55,`), 1)), 0o600)
	write(t, crashed, 2, signed)
	seg := crashSegment(t, crashed)

	// The same crash on an HMAC chain, key file written by echo.
	hcrashed := mk("1b-hmac")
	hmacOpts := signed
	hmacOpts.HMACKey = []byte("chain key")
	write(t, hcrashed, 7, hmacOpts)
	dropLastCheckpoint(t, hcrashed)
	write(t, hcrashed, 2, hmacOpts)
	hk := filepath.Join(dir, "hmac.key")
	os.WriteFile(hk, []byte("chain key\n"), 0o600)

	// 2: run 2 cut away at a clean boundary; both runs witnessed.
	cut := mk("2")
	witness := filepath.Join(filepath.Dir(cut), "witness.log")
	wopts := signed
	wopts.Witness = appendTo(t, witness)
	write(t, cut, 5, wopts)
	size, ckSize := fileSize(t, cut), fileSize(t, cut+".ckpt")
	wopts.Witness = appendTo(t, witness)
	write(t, cut, 35, wopts)
	os.Truncate(cut, size)
	os.Truncate(cut+".ckpt", ckSize)
	export := filepath.Join(dir, "export.jsonl")
	os.WriteFile(export, victoriaLogsExport(t, witness), 0o600)

	// A rotated series with an idle rotation (Reopen, Close, no line) at
	// its end, witnessed; and a copy whose newest file is deleted.
	series := []string{mk("series") + ".1", mk("series")}
	c, err := auditchain.OpenChain(series[1], nil, &signed)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte(`{"i":1}` + "\n"))
	c.Write([]byte(`{"i":2}` + "\n"))
	os.Rename(series[1], series[0])
	os.Rename(series[1]+".ckpt", series[0]+".ckpt")
	c.Reopen()
	c.Write([]byte(`{"i":3}` + "\n"))
	c.Write([]byte(`{"i":4}` + "\n"))
	c.Close()
	idle := mk("5")
	c, err = auditchain.OpenChain(idle, nil, &signed)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte(`{"i":1}` + "\n"))
	os.Rename(idle, idle+".1")
	os.Rename(idle+".ckpt", idle+".1.ckpt")
	c.Reopen()
	c.Close()

	// 6: upper-case hex in a signature.
	upper := mk("6")
	write(t, upper, 3, signed)
	ck, _ := os.ReadFile(upper + ".ckpt")
	i := bytes.LastIndex(ck, []byte(`"sig":"`)) + len(`"sig":"`)
	os.WriteFile(upper+".ckpt", append(ck[:i:i], bytes.ToUpper(ck[i:])...), 0o600)

	otherDir := filepath.Join(dir, "other")
	os.Mkdir(otherDir, 0o700)
	_, otherPub := keys(t, otherDir)

	for _, tt := range []struct {
		name string
		args []string
		code int
		out  []string // substrings of the output
	}{
		{"1a restart launders appended bytes", []string{"-key", pub, laundered}, exitTampered, []string{"bytes after the final checkpoint"}},
		{"1b crash range", []string{"-key", pub, crashed}, exitUnproven, []string{seg + ":6-7 (", "audit.log:7-8"}},
		{"1b crash range accepted", []string{"-key", pub, "-accept", seg + ":1-7", crashed}, exitOK, []string{"note:", "accepted crash range " + seg + ":6-7"}},
		{"1b HMAC chain, key file with a newline", []string{"-key", pub, "-hmac-key-file", hk, hcrashed}, exitOK, []string{"proven by the HMAC chain key", "ends in a newline"}},
		{"HMAC chain without a key", []string{"-key", pub, hcrashed}, exitTampered, []string{"HMAC key is required"}},
		{"2 cut, witness", []string{"-key", pub, "-witness", witness, cut}, exitTampered, []string{"a segment or file was cut"}},
		{"2 cut, VictoriaLogs export", []string{"-key", pub, "-witness", export, cut}, exitTampered, []string{"a segment or file was cut"}},
		{"2 cut, no witness", []string{"-key", pub, cut}, exitOK, []string{"last checkpoint: 20", " ago)"}},
		{"2 unreadable witness", []string{"-key", pub, "-witness", filepath.Join(dir, "nope"), cut}, exitTampered, []string{"witness"}},
		{"5 idle rotation", []string{"-key", pub, idle + ".1", idle}, exitOK, []string{"OK: 3 lines in 2 segments"}},
		{"glob with .ckpt files", []string{"-key", pub, series[0], series[0] + ".ckpt", series[1], series[1] + ".ckpt"}, exitOK, []string{"skipped", "OK: 6 lines in 2 segments"}},
		{"newest first", []string{"-key", pub, series[1], series[0]}, exitOK, []string{"chain order", "OK: 6 lines"}},
		{"6 upper-case hex", []string{"-key", pub, upper}, exitTampered, []string{"bad-checkpoint", "lower-case hex"}},
		{"wrong public key", []string{"-key", otherPub, laundered}, exitTampered, []string{"signed by key fingerprint", "you gave"}},
		{"max-age fresh", []string{"-key", pub, "-max-age", "1h", cut}, exitOK, []string{"last checkpoint:"}},
		{"max-age stale", []string{"-key", pub, "-max-age", "1h", "-now-for-test", cut}, exitStale, []string{"STALE:", "more than -max-age 1h0m0s"}},
		{"stale and unproven: 3 wins", []string{"-key", pub, "-max-age", "1h", "-now-for-test", crashed}, exitUnproven, []string{"UNPROVEN:", "STALE:"}},
		{"quiet stale", []string{"-q", "-key", pub, "-max-age", "1h", "-now-for-test", cut}, exitStale, []string{"STALE:", "last checkpoint:"}},
		{"bad -accept", []string{"-key", pub, "-accept", "x:1", crashed}, exitUsage, []string{"SEGMENT:FROM-TO"}},
		{"-witness without -key", []string{"-unsigned", "-witness", witness, cut}, exitUsage, []string{"need -key"}},
		{"-max-age negative", []string{"-key", pub, "-max-age", "-1h", cut}, exitUsage, []string{"positive"}},
		{"only .ckpt files", []string{"-key", pub, cut + ".ckpt"}, exitUsage, []string{"only FILE.ckpt"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			now = time.Now
			if i := indexOf(args, "-now-for-test"); i >= 0 {
				args = append(append([]string{}, args[:i]...), args[i+1:]...)
				now = func() time.Time { return time.Now().Add(2 * time.Hour) }
			}
			defer func() { now = time.Now }()
			var out bytes.Buffer
			code := run(args, &out, &out)
			if code != tt.code {
				t.Errorf("exit %d, want %d; output:\n%s", code, tt.code, out.String())
			}
			for _, w := range tt.out {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output does not contain %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// A file truncated under the writer (copytruncate) is not provable, whatever
// the flags.
func TestRunCopytruncate(t *testing.T) {
	dir := t.TempDir()
	priv, pub := keys(t, dir)
	path := filepath.Join(dir, "audit.log")
	quiet := slogaudit.NewEncoder(&slogaudit.Options{OnError: func(error) {}})
	c, err := auditchain.OpenChain(path, nil, &auditchain.ChainOptions{SigningKey: priv, CheckpointInterval: -1, Encoder: quiet})
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte(`{"a":1}` + "\n"))
	os.Truncate(path, 0)
	c.Write([]byte(`{"a":2}` + "\n"))
	c.Checkpoint()
	c.Close()
	for _, args := range [][]string{
		{"-key", pub, path},
		{"-key", pub, "-allow-partial-series", "-max-age", "1h", path},
	} {
		var out bytes.Buffer
		if code := run(args, &out, &out); code != exitUnproven || !strings.Contains(out.String(), "copytruncate is unsupported") {
			t.Errorf("%v: exit %d\n%s", args, code, out.String())
		}
	}
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// crashSegment returns the segment id of the first header of path.
func crashSegment(t *testing.T, path string) string {
	t.Helper()
	data, _ := os.ReadFile(path)
	var h struct {
		Attributes map[string]any `json:"attributes"`
	}
	json.Unmarshal(bytes.SplitN(data, []byte("\n"), 2)[0], &h)
	return h.Attributes[auditchain.KeyChainSegment].(string)
}

// victoriaLogsExport turns witness lines into what a LogsQL query exports:
// JSON lines with the line in "_msg".
func victoriaLogsExport(t *testing.T, witness string) []byte {
	t.Helper()
	raw, err := os.ReadFile(witness)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, l := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		rec, _ := json.Marshal(map[string]string{"_msg": l, "_stream": `{service.name="api"}`, "_time": "2026-01-02T03:04:05Z"})
		out = append(append(out, rec...), '\n')
	}
	return out
}
