package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secaudit/auditkit/auditchain"
)

// verifyTrail checks the chained file with the public key in pubFile and
// returns the report, failing unless the trail is complete.
func verifyTrail(t *testing.T, path string, pub ed25519.PublicKey) *auditchain.Report {
	t.Helper()
	rep, err := auditchain.Verify([]string{path}, &auditchain.VerifyOptions{PublicKey: pub})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Complete() {
		t.Fatalf("trail does not verify: tampered %v, incomplete %v", rep.Tampered, rep.Incomplete)
	}
	return rep
}

func readPub(t *testing.T, name string) ed25519.PublicKey {
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

func mode(t *testing.T, name string) os.FileMode {
	t.Helper()
	info, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

// -chain writes the same lines as stdout, chained and signed with a key the
// demo generates next to the file on the first run and reuses on the next,
// so that two runs make one trail of two segments.
func TestDemoChainGeneratedKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	_, lines := runDemo(t, "-chain", path)

	privFile := filepath.Join(dir, demoKeyName+".pem")
	pubFile := filepath.Join(dir, demoKeyName+".pub.pem")
	if m := mode(t, privFile); m != 0o600 {
		t.Errorf("%s: mode %v, want 0600", privFile, m)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("%s: mode %v, want 0600", path, m)
	}
	pub := readPub(t, pubFile)
	rep := verifyTrail(t, path, pub)
	// The segment header, then every line the handler wrote.
	if rep.Lines != len(lines)+1 || rep.Segments != 1 {
		t.Errorf("verified %d lines in %d segments, want %d in 1", rep.Lines, rep.Segments, len(lines)+1)
	}
	header := firstLine(t, path)
	if !strings.Contains(header, `"service.name":"auditkit-demo"`) ||
		!strings.Contains(header, `"audit.chain.key_fingerprint":"`+auditchain.KeyFingerprint(pub)+`"`) {
		t.Errorf("segment header without the demo's resource or key fingerprint: %s", header)
	}

	runDemo(t, "-chain", path)
	if !bytes.Equal(readPub(t, pubFile), pub) {
		t.Fatal("the second run replaced the demo's key")
	}
	if rep := verifyTrail(t, path, pub); rep.Segments != 2 {
		t.Errorf("two runs: %d segments, want 2", rep.Segments)
	}
}

func firstLine(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}

// -key signs with the given key and writes no key of its own.
func TestDemoChainKeyFlag(t *testing.T) {
	dir := t.TempDir()
	pubPEM, privPEM, err := auditchain.GenerateKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "signing.pem")
	if err := os.WriteFile(keyFile, privPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "audit.jsonl")
	runDemo(t, "-chain", path, "-key", keyFile)
	pub, err := auditchain.ParsePublicKeyPEM(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	verifyTrail(t, path, pub)
	if _, err := os.Stat(filepath.Join(dir, demoKeyName+".pem")); err == nil {
		t.Error("the demo generated a key although -key was given")
	}
}

// witnessServer is a fake VictoriaLogs /insert/jsonline that records what
// it is sent, or fails with status when it is not 200.
type witnessServer struct {
	*httptest.Server
	mu      sync.Mutex
	entries []map[string]any
	queries []string
	types   []string
}

func newWitnessServer(t *testing.T, status int) *witnessServer {
	ws := &witnessServer{}
	ws.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ws.mu.Lock()
		defer ws.mu.Unlock()
		ws.queries = append(ws.queries, r.URL.Path+"?"+r.URL.RawQuery)
		ws.types = append(ws.types, r.Header.Get("Content-Type"))
		if status != http.StatusOK {
			http.Error(w, "no space left", status)
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			var e map[string]any
			dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
			dec.UseNumber()
			if err := dec.Decode(&e); err != nil {
				t.Errorf("witness posted a line that is not JSON: %q", sc.Text())
			}
			ws.entries = append(ws.entries, e)
		}
	}))
	t.Cleanup(ws.Close)
	return ws
}

// -witness-url posts every checkpoint line, byte for byte, as the _msg of
// a VictoriaLogs JSON line with the checkpoint's time and the file name.
func TestDemoWitness(t *testing.T) {
	ws := newWitnessServer(t, http.StatusOK)
	path := filepath.Join(t.TempDir(), "trail.jsonl")
	runDemo(t, "-chain", path, "-witness-url", ws.URL+"/insert/jsonline")
	runDemo(t, "-chain", path, "-witness-url", ws.URL+"/insert/jsonline?extra_fields=env=test")

	ckpt, err := os.ReadFile(path + ".ckpt")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(ckpt), "\n"), "\n")
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if len(ws.entries) != len(want) || len(want) < 4 {
		t.Fatalf("witness got %d entries, FILE.ckpt has %d lines (want at least 4 over two runs)", len(ws.entries), len(want))
	}
	for i, e := range ws.entries {
		if e["_msg"] != want[i] {
			t.Errorf("entry %d: _msg %q, want the checkpoint line %q", i, e["_msg"], want[i])
		}
		var cp auditchain.Checkpoint
		if err := json.Unmarshal([]byte(want[i]), &cp); err != nil {
			t.Fatal(err)
		}
		if e["_time"] != json.Number(strconv.FormatInt(cp.Time, 10)) {
			t.Errorf("entry %d: _time %v, want the checkpoint's time %d", i, e["_time"], cp.Time)
		}
		if e["audit.chain.file"] != "trail.jsonl" || len(e) != 3 {
			t.Errorf("entry %d: %v, want _msg, _time and audit.chain.file=trail.jsonl", i, e)
		}
	}
	for i, q := range ws.queries {
		if ws.types[i] != witnessContentType {
			t.Errorf("post %d: Content-Type %q", i, ws.types[i])
		}
		for _, p := range []string{"_msg_field=_msg", "_time_field=_time", "_stream_fields=audit.chain.file"} {
			if !strings.HasPrefix(q, "/insert/jsonline?") || !strings.Contains(q, p) {
				t.Errorf("post %d to %s: want /insert/jsonline with %s", i, q, p)
			}
		}
	}
	if last := ws.queries[len(ws.queries)-1]; !strings.Contains(last, "extra_fields=env%3Dtest") {
		t.Errorf("query args of -witness-url were not kept: %s", last)
	}
}

// A witness that fails is reported (exit 1) but never costs a log line:
// the trail itself is complete.
func TestDemoWitnessDown(t *testing.T) {
	ws := newWitnessServer(t, http.StatusServiceUnavailable)
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"-chain", path, "-witness-url", ws.URL + "/insert/jsonline"}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "503 Service Unavailable") || !strings.Contains(stderr.String(), "audit delivery error") {
		t.Errorf("stderr does not report the witness failure:\n%s", stderr.String())
	}
	verifyTrail(t, path, readPub(t, filepath.Join(dir, demoKeyName+".pub.pem")))
}

func TestDemoChainUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-witness-url", "http://127.0.0.1:9428/insert/jsonline"},
		{"-key", "k.pem"},
		{"-chain", "x.jsonl", "-witness-url", "127.0.0.1:9428"},
		{"-chain", "x.jsonl", "-witness-url", "ftp://host/insert/jsonline"},
		{"extra"},
	} {
		var stderr bytes.Buffer
		if code := run(context.Background(), args, io.Discard, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2\n%s", args, code, stderr.String())
		}
	}
	var stderr bytes.Buffer
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	if code := run(context.Background(), []string{"-chain", path, "-key", filepath.Join(t.TempDir(), "missing.pem")}, io.Discard, &stderr); code != 1 {
		t.Errorf("missing -key file: exit %d, want 1\n%s", code, stderr.String())
	}
}
