package otelcol

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secaudit/auditkit/e2e/internal/proc"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.yaml.in/yaml/v3"
)

// EnvBin names the environment variable holding the Collector binary
// (e2e/run.sh builds it into e2e/.bin/otelcol-auditkit and sets it).
const EnvBin = "OTELCOL_BIN"

// StopTimeout is how long Stop waits after SIGTERM before it sends SIGKILL.
const StopTimeout = 10 * time.Second

// Config is what Start puts in the Collector's configuration.
type Config struct {
	// MaxRequestBodySize, when positive, is the OTLP HTTP receiver's
	// max_request_body_size in bytes; 0 keeps the Collector's default
	// (20 MiB in v0.161.0).
	MaxRequestBodySize int64
	// Debug adds the debug exporter (verbosity: detailed) to the logs
	// pipeline: every record received is then printed in the Collector's
	// log, which is shown when the test fails.
	Debug bool
	// FlushInterval is the file exporter's flush_interval; 0 means 10 ms.
	FlushInterval time.Duration
	// StartTimeout bounds how long Start and Restart wait for the receiver
	// to answer; 0 means 60 s.
	StartTimeout time.Duration
}

// Record is one log record of the file exporter's output with the resource
// and instrumentation scope it was sent under.
type Record struct {
	Resource       pcommon.Resource
	ResourceSchema string // the ResourceLogs' schema_url
	Scope          pcommon.InstrumentationScope
	ScopeSchema    string // the ScopeLogs' schema_url
	Log            plog.LogRecord
	// Line is the 1-based line of the output file (one OTLP/JSON
	// ExportLogsServiceRequest per line) that held the record.
	Line int
}

// Collector is one running (or stopped) Collector process.
type Collector struct {
	bin     string
	cfg     Config
	dir     string
	config  string // the YAML file given to --config
	output  string // the file exporter's path
	logPath string // the process's stdout and stderr
	port    int

	t testing.TB // for Restart's failures

	mu  sync.Mutex
	run *run // the last process started; nil before the first
}

// proc is one run of the binary.
type run struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once cmd has been waited for
	err  error         // cmd.Wait's result, set before done is closed
}

func (p *run) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Start starts a Collector for the test and stops it in t.Cleanup. It skips
// the test when $OTELCOL_BIN is unset (fails it when $E2E_REQUIRE is 1).
func Start(t testing.TB, cfg Config) *Collector {
	t.Helper()
	bin := proc.Getenv(t, EnvBin, "builds the OpenTelemetry Collector from e2e/collector")
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 10 * time.Millisecond
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	dir := t.TempDir()
	c := &Collector{
		bin:     bin,
		cfg:     cfg,
		dir:     dir,
		config:  filepath.Join(dir, "otelcol.yaml"),
		output:  filepath.Join(dir, "logs.jsonl"),
		logPath: filepath.Join(dir, "otelcol.log"),
		t:       t,
	}
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			c.dumpLog(t)
		}
	})

	// The port is free when picked but is bound by the Collector only later:
	// if something takes it in between, the Collector exits at once and
	// another port is tried.
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		if c.port, err = proc.FreePort(); err != nil {
			t.Fatalf("otelcol: pick a port: %v", err)
		}
		if err = c.writeConfig(); err != nil {
			t.Fatalf("otelcol: %v", err)
		}
		if err = c.start(); err == nil {
			return c
		}
		t.Logf("otelcol: attempt %d on port %d: %v", attempt, c.port, err)
		c.Stop()
	}
	t.Fatalf("otelcol: could not start %s: %v", bin, err)
	return nil
}

// Endpoint is the receiver's base URL, http://127.0.0.1:PORT.
func (c *Collector) Endpoint() string { return "http://127.0.0.1:" + strconv.Itoa(c.port) }

// LogsURL is Endpoint()+"/v1/logs", where OTLP/HTTP logs are posted.
func (c *Collector) LogsURL() string { return c.Endpoint() + "/v1/logs" }

// Port is the receiver's port on 127.0.0.1; it stays the same across Restart.
func (c *Collector) Port() int { return c.port }

// PID is the process ID of the running Collector, or 0 when it is stopped.
func (c *Collector) PID() int {
	c.mu.Lock()
	p := c.run
	c.mu.Unlock()
	if p == nil || p.exited() {
		return 0
	}
	return p.cmd.Process.Pid
}

// Running reports whether the Collector process is alive.
func (c *Collector) Running() bool { return c.PID() != 0 }

// OutputPath is the file the file exporter appends OTLP/JSON lines to.
func (c *Collector) OutputPath() string { return c.output }

// ConfigPath is the YAML configuration the Collector runs with.
func (c *Collector) ConfigPath() string { return c.config }

// LogPath is the file holding the Collector's stdout and stderr, across
// restarts.
func (c *Collector) LogPath() string { return c.logPath }

// Log returns the Collector's stdout and stderr so far.
func (c *Collector) Log() string {
	b, _ := os.ReadFile(c.logPath)
	return string(b)
}

// Stop sends SIGTERM to the Collector and waits for it to exit, sending
// SIGKILL after StopTimeout. The Collector flushes and closes its output
// file on SIGTERM. Stopping a stopped Collector does nothing.
func (c *Collector) Stop() {
	c.mu.Lock()
	p := c.run
	c.mu.Unlock()
	if p == nil || p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(StopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// ExitErr is the error of the last Collector process's exit (nil for a clean
// exit, or while it runs).
func (c *Collector) ExitErr() error {
	c.mu.Lock()
	p := c.run
	c.mu.Unlock()
	if p == nil || !p.exited() {
		return nil
	}
	return p.err
}

// Restart stops the Collector if it runs and starts it again with the same
// configuration: the same port and the same output file, which the file
// exporter appends to.
// A failure to start fails the test that called Start (call Restart from
// that test's goroutine).
func (c *Collector) Restart() {
	c.t.Helper()
	c.Stop()
	if err := c.start(); err != nil {
		c.t.Fatalf("otelcol: restart on port %d: %v", c.port, err)
	}
}

// Records reads the output file and returns every log record in it, in
// order. A last line not yet terminated by a newline (a flush in progress)
// is left out. A line that does not decode fails the test.
func (c *Collector) Records(t testing.TB) []Record {
	t.Helper()
	recs, err := c.readRecords()
	if err != nil {
		t.Fatalf("otelcol: %v", err)
	}
	return recs
}

// WaitRecords polls the output file until it holds at least n records (the
// file exporter writes asynchronously, every FlushInterval) and returns them
// all; the test fails if that does not happen within timeout.
func (c *Collector) WaitRecords(t testing.TB, n int, timeout time.Duration) []Record {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		recs, err := c.readRecords()
		if err != nil {
			t.Fatalf("otelcol: %v", err)
		}
		if len(recs) >= n {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("otelcol: %d log records in %s after %v, want at least %d", len(recs), c.output, timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *Collector) readRecords() ([]Record, error) {
	data, err := os.ReadFile(c.output)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseFileExport(data)
}

// ParseFileExport decodes the file exporter's JSON output: one OTLP/JSON
// ExportLogsServiceRequest per newline-terminated line (empty lines are
// skipped, an unterminated last line is ignored).
func ParseFileExport(data []byte) ([]Record, error) {
	var recs []Record
	var u plog.JSONUnmarshaler
	for n := 1; len(data) > 0; n++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := bytes.TrimSpace(data[:i])
		data = data[i+1:]
		if len(line) == 0 {
			continue
		}
		logs, err := u.UnmarshalLogs(line)
		if err != nil {
			return recs, fmt.Errorf("line %d: %w: %.200s", n, err, line)
		}
		for _, rl := range logs.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					recs = append(recs, Record{
						Resource:       rl.Resource(),
						ResourceSchema: rl.SchemaUrl(),
						Scope:          sl.Scope(),
						ScopeSchema:    sl.SchemaUrl(),
						Log:            lr,
						Line:           n,
					})
				}
			}
		}
	}
	return recs, nil
}

func (c *Collector) writeConfig() error {
	httpProto := map[string]any{"endpoint": "127.0.0.1:" + strconv.Itoa(c.port)}
	if c.cfg.MaxRequestBodySize > 0 {
		httpProto["max_request_body_size"] = c.cfg.MaxRequestBodySize
	}
	exporters := map[string]any{
		"file": map[string]any{
			"path":           c.output,
			"format":         "json",
			"append":         true, // Restart appends; append excludes rotation
			"flush_interval": c.cfg.FlushInterval.String(),
		},
	}
	pipeline := []string{"file"}
	if c.cfg.Debug {
		exporters["debug"] = map[string]any{"verbosity": "detailed"}
		pipeline = append(pipeline, "debug")
	}
	conf := map[string]any{
		"receivers": map[string]any{
			// Only the http protocol is listed, so no gRPC server starts.
			"otlp": map[string]any{"protocols": map[string]any{"http": httpProto}},
		},
		"exporters": exporters,
		"service": map[string]any{
			"telemetry": map[string]any{
				// No metrics server on :8888, which parallel Collectors
				// would fight over.
				"metrics": map[string]any{"level": "none"},
				"logs":    map[string]any{"level": "info"},
			},
			"pipelines": map[string]any{
				"logs": map[string]any{"receivers": []string{"otlp"}, "exporters": pipeline},
			},
		},
	}
	b, err := yaml.Marshal(conf)
	if err != nil {
		return err
	}
	return os.WriteFile(c.config, b, 0o600)
}

// start runs the binary and waits until the receiver answers.
func (c *Collector) start() error {
	logf, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== %s --config %s (%s)\n", c.bin, c.config, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(c.bin, "--config", c.config)
	cmd.Dir = c.dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = proc.SysProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	p := &run{cmd: cmd, done: make(chan struct{})}
	c.mu.Lock()
	c.run = p
	c.mu.Unlock()
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return c.waitReady(p)
}

// waitReady waits until the port accepts connections and the receiver
// answers a GET on /v1/logs (405: only POST is served), while the process
// stays alive, so that the answer is known to come from this Collector.
func (c *Collector) waitReady(p *run) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(c.cfg.StartTimeout)
	addr := "127.0.0.1:" + strconv.Itoa(c.port)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("exited before its receiver answered (%v); log:\n%s", p.err, proc.Tail(c.Log(), 20))
		default:
		}
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			conn.Close()
			resp, err := client.Get(c.LogsURL())
			if err == nil {
				resp.Body.Close()
				select {
				case <-p.done:
					continue // the answer came from another process
				default:
				}
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("receiver on %s did not answer within %v; log:\n%s", addr, c.cfg.StartTimeout, proc.Tail(c.Log(), 20))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (c *Collector) dumpLog(t testing.TB) {
	t.Logf("otelcol: config %s:\n%s", c.config, readOr(c.config))
	t.Logf("otelcol: log %s (last 200 lines):\n%s", c.logPath, proc.Tail(c.Log(), 200))
}

func readOr(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
