package auditsink_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

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

	pubPEM, privPEM, _ := auditsink.GenerateKeyPEM() // or: auditkit-verify -genkey NAME
	priv, _ := auditsink.ParsePrivateKeyPEM(privPEM)
	// The handler's configuration, shared with the writers' own events.
	enc := slogaudit.NewEncoder(&slogaudit.Options{ServiceName: "billing"})
	chain, err := auditsink.OpenChain(path, &auditsink.FileOptions{Sync: auditsink.SyncEvery(50)},
		&auditsink.ChainOptions{SigningKey: priv, Encoder: enc})
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

	pub, _ := auditsink.ParsePublicKeyPEM(pubPEM)
	rep, _ := auditsink.Verify([]string{path}, &auditsink.VerifyOptions{PublicKey: pub})
	fmt.Println("ok:", rep.OK(), "lines:", rep.Lines, "checkpoints:", rep.Checkpoints)

	// Cut the last line: the signed checkpoint shows it.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:bytes.LastIndexByte(data[:len(data)-1], '\n')+1], 0o600)
	rep, _ = auditsink.Verify([]string{path}, &auditsink.VerifyOptions{PublicKey: pub})
	fmt.Println("ok:", rep.OK(), "finding:", rep.Tampered.Kind, "at line", rep.Tampered.Line)
	// Output:
	// ok: true lines: 4 checkpoints: 2
	// ok: false finding: truncated at line 4
}

// The default policy: audit events wait for room (up to BlockTimeout), other
// records are dropped when the queue is full. Stats counts every line.
func ExampleNewAsync() {
	a := auditsink.NewAsync(os.Stdout, &auditsink.AsyncOptions{MaxQueueLines: 1000})
	a.WriteRecord(slog.LevelWarn, true, []byte(`{"event_type":"auth.login.failed"}`+"\n"))
	a.WriteRecord(slog.LevelDebug, false, []byte(`{"body":"cache miss"}`+"\n"))
	if err := a.Close(context.Background()); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%+v\n", a.Stats())
	// Output:
	// {"event_type":"auth.login.failed"}
	// {"body":"cache miss"}
	// {Written:2 Dropped:0 Failed:0 Queued:0}
}

type brokenSink struct{}

func (brokenSink) Write([]byte) (int, error) { return 0, errors.New("network down") }

// Vault's rule: a line succeeds when at least one sink took it.
func ExampleMulti() {
	m := auditsink.NewMulti(brokenSink{}, os.Stdout)
	err := m.WriteRecord(slog.LevelInfo, true, []byte(`{"event_type":"user.create"}`+"\n"))
	fmt.Println("error:", err, "failures of sink 0:", m.Failed(0))

	err = auditsink.NewMulti(brokenSink{}, brokenSink{}).WriteRecord(slog.LevelInfo, true, []byte("{}\n"))
	fmt.Println("error:", err != nil)
	// Output:
	// {"event_type":"user.create"}
	// error: <nil> failures of sink 0: 1
	// error: true
}

type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// FailClosed hands disk errors to the caller, once the operator has been
// told (once per outage).
func ExampleGuard() {
	g := auditsink.NewGuard(fullDisk{}, &auditsink.GuardOptions{
		Action:  auditsink.FailClosed,
		OnError: func(err error) { fmt.Println("operator:", err) },
	})
	for range 3 {
		err := g.WriteRecord(slog.LevelInfo, true, []byte("{}\n"))
		fmt.Println("caller:", errors.Is(err, syscall.ENOSPC))
	}
	fmt.Printf("%+v\n", g.Stats())
	// Output:
	// operator: auditsink: fail_closed after disk error: no space left on device
	// caller: true
	// caller: true
	// caller: true
	// {Written:0 Dropped:0 Failed:3 Queued:0}
}
