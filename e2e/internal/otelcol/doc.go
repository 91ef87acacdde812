// Package otelcol runs a real OpenTelemetry Collector for one test: the
// binary that e2e/run.sh builds from e2e/collector (the core OTLP receiver,
// the contrib file exporter and the debug exporter, all at the collector's
// v0.161.0 release) and names in $OTELCOL_BIN.
//
// Start writes a config into t.TempDir() with one logs pipeline: an OTLP
// receiver speaking HTTP only on a free 127.0.0.1 port (gRPC is off), with an
// optional max_request_body_size, into a file exporter that appends
// OTLP/JSON lines (format: json, no rotation, a 10 ms flush interval) to a
// file in the same directory. It starts $OTELCOL_BIN --config FILE as a child
// process, its stdout and stderr going to a log file that is printed when
// the test fails, and returns once the receiver answers HTTP on /v1/logs.
//
// The handle posts nothing itself: a test sends OTLP/HTTP to
// Collector.LogsURL (or Endpoint()+"/v1/logs") with whatever client it
// exercises, then reads what the Collector decoded with Collector.Records or
// Collector.WaitRecords: every log record of every line of the output file,
// parsed with pdata's plog.JSONUnmarshaler, together with its resource and
// instrumentation scope. Collector.Stop sends SIGTERM by PID (SIGKILL after
// 10 s); Collector.Restart starts it again on the same port with the same
// output file, appended to. A t.Cleanup stops the process, so no Collector
// outlives its test.
//
// Without $OTELCOL_BIN, Start skips the test with a hint to run make e2e, or
// fails it when $E2E_REQUIRE is 1 (run.sh sets both). The package exists for
// the e2e tests and is not part of auditkit's API.
package otelcol
