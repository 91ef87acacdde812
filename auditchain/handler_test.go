package auditchain_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/auditchain"
	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/slogaudit"
)

// End to end: slogaudit handler → Async → Chain → File. Every line is valid
// JSON in the envelope, fits MaxRecordBytes with the chain keys added, keeps
// seq and chain last, and the file verifies.
func TestThroughSlogauditHandler(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	pubPEM, privPEM, err := auditchain.GenerateKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := auditchain.ParsePrivateKeyPEM(privPEM)
	pub, _ := auditchain.ParsePublicKeyPEM(pubPEM)
	chain, err := auditchain.OpenChain(path, nil, &auditchain.ChainOptions{SigningKey: priv, Encoder: slogaudit.NewEncoder(&slogaudit.Options{ServiceName: "billing"})})
	if err != nil {
		t.Fatal(err)
	}
	async := auditsink.NewAsync(chain, nil)
	const limit = 1024
	logger := slog.New(slogaudit.NewHandler(async, &slogaudit.Options{
		ServiceName: "billing",
		Limits:      slogaudit.Limits{MaxRecordBytes: limit},
	}))
	ctx := context.Background()
	logger.InfoContext(ctx, "auth.login.success", slogaudit.KeyEventType, "auth.login.success", slogaudit.KeyUserID, "42")
	logger.WarnContext(ctx, "big", slogaudit.KeyEventType, "test.big", "blob", strings.Repeat("x", 5000))
	logger.Info("not an audit event", "n", 1)
	if err := async.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := chain.Close(); err != nil {
		t.Fatal(err)
	}

	f, _ := os.Open(path)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		l := sc.Bytes()
		if len(l)+1 > limit {
			t.Errorf("line %d is %d bytes, limit %d", n, len(l)+1, limit)
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("line %d: %v: %s", n, err, l)
		}
		if m["seq"] != float64(n-1) || !strings.Contains(string(l), `,"seq":`) || !strings.HasSuffix(string(l), `"}`) {
			t.Errorf("line %d: seq/chain not last: %s", n, l)
		}
		if _, ok := m[slogaudit.KeyAttributes].(map[string]any)[slogaudit.KeyEventType]; !ok && n != 4 {
			t.Errorf("line %d has no event_type: %s", n, l)
		}
	}
	if n != 4 { // header + 3 records
		t.Fatalf("%d lines, want 4", n)
	}
	rep, err := auditchain.Verify([]string{path}, &auditchain.VerifyOptions{PublicKey: pub})
	if err != nil || !rep.Complete() || rep.Lines != 4 {
		t.Fatalf("verify: %v %+v %v", err, rep, rep.Tampered)
	}
}
