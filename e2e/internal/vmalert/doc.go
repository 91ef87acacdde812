// Package vmalert runs a real vmalert for one test: the binary that
// e2e/run.sh installs with go install (github.com/VictoriaMetrics/VictoriaMetrics/app/vmalert,
// v1.151.0) and names in $VMALERT_BIN.
//
// DryRun runs `vmalert -dryRun -rule=FILE`, which parses the rule files,
// their LogsQL or MetricsQL expressions and their annotation templates, and
// exits. Start runs vmalert against a datasource (VictoriaLogs, for `type:
// vlogs` groups) on a free 127.0.0.1 port with -notifier.blackhole (the
// alerts are evaluated, never sent), its output in a log file printed when
// the test fails, and returns once its HTTP API answers. VMAlert.Alerts and
// VMAlert.Groups read /api/v1/alerts and /api/v1/rules; VMAlert.Stop sends
// SIGTERM by PID (SIGKILL after 10 s), and a t.Cleanup stops the process,
// so no vmalert outlives its test.
//
// Without $VMALERT_BIN, Bin skips the test with a hint to run make e2e, or
// fails it when $E2E_REQUIRE is 1 (run.sh sets both). The package exists for
// the e2e tests and is not part of auditkit's API.
package vmalert
