package auditchain

import (
	"flag"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/secaudit/auditkit/slogaudit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The test binary doubles as the child process of the crash and lock tests:
// helperEnv selects what the child does.
const helperEnv = "AUDITCHAIN_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "crash":
		os.Exit(childCrash())
	case "lock":
		os.Exit(childLock())
	}
	goleak.VerifyTestMain(m)
}

// encoderAt returns the default encoder with the clock now.
func encoderAt(now func() time.Time) *slogaudit.Encoder {
	return slogaudit.NewEncoder(&slogaudit.Options{Now: now})
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// encoder returns the default encoder with onError.
func encoder(onError func(error)) *slogaudit.Encoder {
	return slogaudit.NewEncoder(&slogaudit.Options{OnError: onError})
}
