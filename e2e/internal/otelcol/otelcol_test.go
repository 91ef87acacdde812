package otelcol

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/e2e/internal/proc"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// request is a hand-written OTLP/JSON ExportLogsServiceRequest with one
// record whose body is msg.
func request(msg string) string {
	return `{"resourceLogs":[{
  "resource":{"attributes":[
    {"key":"service.name","value":{"stringValue":"auditkit-e2e"}},
    {"key":"service.version","value":{"stringValue":"1.2.3"}}]},
  "schemaUrl":"https://opentelemetry.io/schemas/1.26.0",
  "scopeLogs":[{
    "scope":{"name":"github.com/secaudit/auditkit/e2e","version":"0.1.0"},
    "logRecords":[{
      "timeUnixNano":"1700000000123456789",
      "observedTimeUnixNano":"1700000000223456789",
      "severityNumber":13,"severityText":"WARN",
      "body":{"stringValue":` + fmt.Sprintf("%q", msg) + `},
      "attributes":[
        {"key":"event_type","value":{"stringValue":"auth.login.failure"}},
        {"key":"attempt","value":{"intValue":"3"}},
        {"key":"blocked","value":{"boolValue":true}},
        {"key":"score","value":{"doubleValue":0.25}}],
      "traceId":"5b8efff798038103d269b633813fc60c",
      "spanId":"eee19b7ec3c1b174"}]}]}]}`
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func assertRecord(t *testing.T, r Record, msg string) {
	t.Helper()
	assert.Equal(t, msg, r.Log.Body().AsString())
	assert.Equal(t, pcommon.ValueTypeStr, r.Log.Body().Type())
	assert.Equal(t, plog.SeverityNumberWarn, r.Log.SeverityNumber())
	assert.Equal(t, "WARN", r.Log.SeverityText())
	assert.Equal(t, pcommon.Timestamp(1700000000123456789), r.Log.Timestamp())
	assert.Equal(t, pcommon.Timestamp(1700000000223456789), r.Log.ObservedTimestamp())
	assert.Equal(t, "5b8efff798038103d269b633813fc60c", r.Log.TraceID().String())
	assert.Equal(t, "eee19b7ec3c1b174", r.Log.SpanID().String())
	assert.Equal(t, map[string]any{
		"event_type": "auth.login.failure",
		"attempt":    int64(3),
		"blocked":    true,
		"score":      0.25,
	}, r.Log.Attributes().AsRaw())
	assert.Equal(t, map[string]any{
		"service.name":    "auditkit-e2e",
		"service.version": "1.2.3",
	}, r.Resource.Attributes().AsRaw())
	assert.Equal(t, "https://opentelemetry.io/schemas/1.26.0", r.ResourceSchema)
	assert.Equal(t, "github.com/secaudit/auditkit/e2e", r.Scope.Name())
	assert.Equal(t, "0.1.0", r.Scope.Version())
}

// TestCollectorRoundTrip posts OTLP/JSON to a real Collector, reads it back
// from the file exporter's output, and does it again across a restart.
func TestCollectorRoundTrip(t *testing.T) {
	c := Start(t, Config{})
	require.NotZero(t, c.PID())
	require.True(t, strings.HasPrefix(c.Endpoint(), "http://127.0.0.1:"), c.Endpoint())
	require.Equal(t, c.Endpoint()+"/v1/logs", c.LogsURL())
	cfg, err := os.ReadFile(c.ConfigPath())
	require.NoError(t, err)
	assert.NotContains(t, string(cfg), "grpc", "the receiver must speak HTTP only")

	status, body := post(t, c.LogsURL(), request("first"))
	require.Equal(t, http.StatusOK, status, body)
	recs := c.WaitRecords(t, 1, 10*time.Second)
	require.Len(t, recs, 1)
	assertRecord(t, recs[0], "first")
	assert.Equal(t, 1, recs[0].Line)

	endpoint, pid := c.Endpoint(), c.PID()
	c.Stop()
	assert.Zero(t, c.PID())
	assert.False(t, c.Running())
	assert.NoError(t, c.ExitErr(), "SIGTERM must end the Collector cleanly")
	assert.Contains(t, c.Log(), "Shutdown complete")
	_, err = http.Post(c.LogsURL(), "application/json", strings.NewReader(request("lost")))
	require.Error(t, err, "a stopped Collector must not answer")
	c.Stop() // a second Stop does nothing

	c.Restart()
	require.Equal(t, endpoint, c.Endpoint(), "Restart keeps the port")
	require.NotZero(t, c.PID())
	require.NotEqual(t, pid, c.PID())
	status, body = post(t, c.LogsURL(), request("second"))
	require.Equal(t, http.StatusOK, status, body)
	recs = c.WaitRecords(t, 2, 10*time.Second)
	require.Len(t, recs, 2, "the output file is appended to across Restart")
	assertRecord(t, recs[0], "first")
	assertRecord(t, recs[1], "second")
	assert.Equal(t, 2, recs[1].Line)
}

// TestCollectorBodyLimit records what the real Collector answers for a body
// over max_request_body_size, and that it keeps nothing of it.
func TestCollectorBodyLimit(t *testing.T) {
	const limit = 1024
	c := Start(t, Config{MaxRequestBodySize: limit, Debug: true})

	small := request("small")
	require.Less(t, len(small), limit)
	status, body := post(t, c.LogsURL(), small)
	require.Equal(t, http.StatusOK, status, body)

	big := request(strings.Repeat("x", 4*limit))
	status, body = post(t, c.LogsURL(), big)
	t.Logf("oversized body (%d bytes, limit %d): HTTP %d %q", len(big), limit, status, body)
	// Not 413: confighttp wraps the body in http.MaxBytesReader, the OTLP
	// receiver's io.ReadAll then fails, and every read error is answered
	// 400 with an OTLP Status (code 3, InvalidArgument) in the request's
	// encoding (otlpreceiver v0.161.0, otlphttp.go readAndCloseBody).
	assert.Equal(t, http.StatusBadRequest, status, body)
	assert.JSONEq(t, `{"code":3,"message":"http: request body too large"}`, body)

	// The Collector still serves after the refusal, and only the small
	// request and the one after reach the file.
	status, body = post(t, c.LogsURL(), request("after"))
	require.Equal(t, http.StatusOK, status, body)
	c.WaitRecords(t, 2, 10*time.Second)
	time.Sleep(100 * time.Millisecond) // ten flush intervals: nothing more comes
	recs := c.Records(t)
	require.Len(t, recs, 2)
	assert.Equal(t, "small", recs[0].Log.Body().Str())
	assert.Equal(t, "after", recs[1].Log.Body().Str())
	assert.Contains(t, c.Log(), "Body: Str(small)", "the debug exporter prints records in the log")
}

// TestParseFileExport needs no Collector: the file format's edges.
func TestParseFileExport(t *testing.T) {
	one := strings.Join(strings.Fields(request("a")), "")
	two := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"b"}},{"body":{"intValue":"7"}}]}]}]}`
	data := one + "\n\n" + two + "\n" + `{"resourceLogs":[{"scopeLo` // a flush in progress
	recs, err := ParseFileExport([]byte(data))
	require.NoError(t, err)
	require.Len(t, recs, 3)
	assertRecord(t, recs[0], "a")
	assert.Equal(t, 1, recs[0].Line)
	assert.Equal(t, "b", recs[1].Log.Body().Str())
	assert.Equal(t, int64(7), recs[2].Log.Body().Int())
	assert.Equal(t, 3, recs[2].Line)
	assert.Equal(t, 0, recs[2].Resource.Attributes().Len())

	_, err = ParseFileExport([]byte(one + "\nnot json\n"))
	require.ErrorContains(t, err, "line 2")

	recs, err = ParseFileExport(nil)
	require.NoError(t, err)
	require.Empty(t, recs)
}

// TestStartWithoutBinary: without $OTELCOL_BIN the helper skips rather than
// fails (unless E2E_REQUIRE=1), so a plain go test ./... passes.
func TestStartWithoutBinary(t *testing.T) {
	if os.Getenv(proc.EnvRequire) == "1" {
		t.Setenv(proc.EnvRequire, "")
	}
	t.Setenv(EnvBin, "")
	ft := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(ft, Config{})
	}()
	<-done
	require.True(t, ft.skipped, "Start must skip")
	assert.Contains(t, ft.msg, "OTELCOL_BIN is not set")
}

// fakeT records a Skip and ends the goroutine as testing.T would.
type fakeT struct {
	testing.TB
	skipped bool
	msg     string
}

func (f *fakeT) Skip(args ...any) {
	f.skipped = true
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func (f *fakeT) Helper() {}
