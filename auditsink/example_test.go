package auditsink_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/slogaudit"
)

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
		Action: auditsink.FailClosed,
		Encoder: slogaudit.NewEncoder(&slogaudit.Options{
			OnError: func(err error) { fmt.Println("operator:", err) },
		}),
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
