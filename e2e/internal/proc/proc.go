// Package proc holds what the e2e helpers that run or reach a real server
// share: the environment variable naming it, a free loopback port, the
// kernel's kill on the test's death, and the tail of a log for failure
// messages.
package proc

import (
	"net"
	"os"
	"strings"
	"testing"
)

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Tail returns the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// EnvRequire names the environment variable that, set to 1, turns a missing
// server or binary into a test failure instead of a skip, so a CI run cannot
// pass by silently skipping everything (e2e/run.sh sets it).
const EnvRequire = "E2E_REQUIRE"

// Getenv returns $name. When it is unset the test is skipped, saying what
// make e2e provides (what), or fails when $E2E_REQUIRE is 1.
func Getenv(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		msg := name + " is not set: run `make e2e` (bash e2e/run.sh), which " + what
		if os.Getenv(EnvRequire) == "1" {
			t.Fatal(msg + " (" + EnvRequire + "=1 forbids skipping)")
		}
		t.Skip(msg)
	}
	return v
}
