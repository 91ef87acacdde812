package auditchain_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/secaudit/auditkit/auditchain"
	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/slogaudit"
)

// A tamper-evident audit file: slogaudit handler → Async → Chain → File,
// with signed checkpoints in audit.log.ckpt, then verified the way
// auditkit-verify does it.
func Example_chainedFile() {
	dir, _ := os.MkdirTemp("", "auditsink")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "audit.log")

	pubPEM, privPEM, _ := auditchain.GenerateKeyPEM() // or: auditkit-verify -genkey NAME
	priv, _ := auditchain.ParsePrivateKeyPEM(privPEM)
	// The handler's configuration, shared with the writers' own events.
	enc := slogaudit.NewEncoder(&slogaudit.Options{ServiceName: "billing"})
	chain, err := auditchain.OpenChain(path, &auditsink.FileOptions{Sync: auditsink.SyncEvery(50)},
		&auditchain.ChainOptions{SigningKey: priv, Encoder: enc})
	if err != nil {
		panic(err)
	}
	async := auditsink.NewAsync(chain, &auditsink.AsyncOptions{Encoder: enc})
	logger := slog.New(enc.NewHandler(async))

	for _, user := range []string{"41", "42", "43"} {
		logger.Info("auth.login.success", slogaudit.KeyEventType, "auth.login.success", slogaudit.KeyUserID, user)
	}
	async.Close(context.Background()) // drain the queue, then
	chain.Close()                     // write the final checkpoint

	pub, _ := auditchain.ParsePublicKeyPEM(pubPEM)
	rep, _ := auditchain.Verify([]string{path}, &auditchain.VerifyOptions{PublicKey: pub})
	fmt.Println("ok:", rep.OK(), "lines:", rep.Lines, "checkpoints:", rep.Checkpoints)

	// Cut the last line: the signed checkpoint shows it.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:bytes.LastIndexByte(data[:len(data)-1], '\n')+1], 0o600)
	rep, _ = auditchain.Verify([]string{path}, &auditchain.VerifyOptions{PublicKey: pub})
	fmt.Println("ok:", rep.OK(), "finding:", rep.Tampered.Kind, "at line", rep.Tampered.Line)
	// Output:
	// ok: true lines: 4 checkpoints: 2
	// ok: false finding: truncated at line 4
}
