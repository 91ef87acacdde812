package vmalert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secaudit/auditkit/e2e/internal/proc"
)

// EnvBin names the environment variable holding the vmalert binary
// (e2e/run.sh installs it into e2e/.bin/vmalert and sets it).
const EnvBin = "VMALERT_BIN"

// StopTimeout is how long Stop waits after SIGTERM before it sends SIGKILL.
const StopTimeout = 10 * time.Second

// Bin returns $VMALERT_BIN. When it is unset, the test is skipped with a hint
// to run make e2e, or fails when $E2E_REQUIRE is 1.
func Bin(t testing.TB) string {
	t.Helper()
	return proc.Getenv(t, EnvBin, "installs vmalert")
}

// DryRun runs `vmalert -dryRun -rule=FILE...`: vmalert parses the files
// (groups, expressions, templates) and exits. It returns vmalert's output
// and its exit code; a binary that cannot run at all fails the test.
func DryRun(t testing.TB, bin string, rules ...string) (code int, output string) {
	t.Helper()
	args := []string{"-dryRun"}
	for _, r := range rules {
		args = append(args, "-rule="+r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.Exited():
		code = exit.ExitCode()
	default:
		t.Fatalf("vmalert -dryRun: %v\n%s", err, out)
	}
	return code, string(out)
}

// Config is how Start runs vmalert.
type Config struct {
	// DatasourceURL is -datasource.url: where the rules' queries go (the
	// VictoriaLogs base URL for `type: vlogs` groups).
	DatasourceURL string
	// Rules are the -rule files.
	Rules []string
	// Flags are more command-line flags, e.g. "-rule.evalDelay=30s".
	Flags []string
	// StartTimeout bounds how long Start waits for the API; 0 means 30 s.
	StartTimeout time.Duration
}

// VMAlert is one running (or stopped) vmalert process.
type VMAlert struct {
	bin     string
	args    []string
	logPath string
	port    int
	cmd     *exec.Cmd
	done    chan struct{} // closed once cmd has been waited for
	err     error         // cmd.Wait's result, set before done is closed
}

// Start starts vmalert with -notifier.blackhole on a free 127.0.0.1 port
// and stops it in t.Cleanup. It skips the test when $VMALERT_BIN is unset
// (fails it when $E2E_REQUIRE is 1).
func Start(t testing.TB, cfg Config) *VMAlert {
	t.Helper()
	bin := Bin(t)
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	dir := t.TempDir()
	logPath := filepath.Join(dir, "vmalert.log")
	// The port is free when picked but bound by vmalert only later: if
	// something takes it in between, vmalert exits at once and another port
	// is tried.
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		port, err := proc.FreePort()
		if err != nil {
			t.Fatalf("vmalert: pick a port: %v", err)
		}
		args := []string{
			"-httpListenAddr=127.0.0.1:" + strconv.Itoa(port),
			"-datasource.url=" + cfg.DatasourceURL,
			"-notifier.blackhole",
		}
		for _, r := range cfg.Rules {
			args = append(args, "-rule="+r)
		}
		args = append(args, cfg.Flags...)
		v := &VMAlert{bin: bin, args: args, logPath: logPath, port: port}
		if lastErr = v.start(cfg.StartTimeout); lastErr == nil {
			t.Cleanup(func() {
				v.Stop()
				if t.Failed() {
					t.Logf("vmalert %s\nlog (last 100 lines):\n%s", strings.Join(v.args, " "), proc.Tail(v.Log(), 100))
				}
			})
			return v
		}
		v.Stop()
		t.Logf("vmalert: attempt %d on port %d: %v", attempt, port, lastErr)
	}
	t.Fatalf("vmalert: could not start %s: %v", bin, lastErr)
	return nil
}

func (v *VMAlert) start(timeout time.Duration) error {
	logf, err := os.OpenFile(v.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== %s %s (%s)\n", v.bin, strings.Join(v.args, " "), time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(v.bin, v.args...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = proc.SysProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	v.cmd = cmd
	v.done = make(chan struct{})
	go func() {
		v.err = cmd.Wait()
		logf.Close()
		close(v.done)
	}()
	// Ready when /api/v1/rules answers while the process is alive, so that
	// the answer is known to come from this vmalert.
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-v.done:
			return fmt.Errorf("exited before its API answered (%v); log:\n%s", v.err, proc.Tail(v.Log(), 20))
		default:
		}
		if resp, err := client.Get(v.URL() + "/api/v1/rules"); err == nil {
			resp.Body.Close()
			select {
			case <-v.done:
				continue
			default:
			}
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("API on port %d did not answer within %v; log:\n%s", v.port, timeout, proc.Tail(v.Log(), 20))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// URL is vmalert's base URL, http://127.0.0.1:PORT.
func (v *VMAlert) URL() string { return "http://127.0.0.1:" + strconv.Itoa(v.port) }

// PID is the process ID of the running vmalert, or 0 once it has exited.
func (v *VMAlert) PID() int {
	if v.cmd == nil || v.exited() {
		return 0
	}
	return v.cmd.Process.Pid
}

func (v *VMAlert) exited() bool {
	select {
	case <-v.done:
		return true
	default:
		return false
	}
}

// Log returns vmalert's stdout and stderr so far.
func (v *VMAlert) Log() string {
	b, _ := os.ReadFile(v.logPath)
	return string(b)
}

// Stop sends SIGTERM to vmalert and waits for it to exit, sending SIGKILL
// after StopTimeout. Stopping a stopped vmalert does nothing.
func (v *VMAlert) Stop() {
	if v.cmd == nil || v.exited() {
		return
	}
	_ = v.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-v.done:
	case <-time.After(StopTimeout):
		_ = v.cmd.Process.Kill()
		<-v.done
	}
}

// Alert is an active (pending or firing) alert of /api/v1/alerts.
type Alert struct {
	Name        string            `json:"name"`
	State       string            `json:"state"` // pending or firing
	Value       string            `json:"value"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	ActiveAt    time.Time         `json:"activeAt"`
	Expression  string            `json:"expression"`
}

// Alerts returns every active alert.
func (v *VMAlert) Alerts(ctx context.Context) ([]Alert, error) {
	var ans struct {
		Status string `json:"status"`
		Data   struct {
			Alerts []Alert `json:"alerts"`
		} `json:"data"`
	}
	if err := v.get(ctx, "/api/v1/alerts", &ans); err != nil {
		return nil, err
	}
	if ans.Status != "success" {
		return nil, fmt.Errorf("/api/v1/alerts: status %q", ans.Status)
	}
	return ans.Data.Alerts, nil
}

// Rule is a rule of /api/v1/rules.
type Rule struct {
	Name           string    `json:"name"`
	Type           string    `json:"type"`           // alerting or recording
	DatasourceType string    `json:"datasourceType"` // prometheus, graphite or vlogs
	State          string    `json:"state"`
	Health         string    `json:"health"` // ok, err or unknown
	LastError      string    `json:"lastError"`
	LastEvaluation time.Time `json:"lastEvaluation"`
	LastSamples    int       `json:"lastSamples"`
	Query          string    `json:"query"`
	Alerts         []Alert   `json:"alerts"`
}

// Group is a group of /api/v1/rules.
type Group struct {
	Name           string    `json:"name"`
	Type           string    `json:"type"`
	Interval       float64   `json:"interval"` // seconds
	LastEvaluation time.Time `json:"lastEvaluation"`
	Rules          []Rule    `json:"rules"`
}

// Groups returns every group with its rules.
func (v *VMAlert) Groups(ctx context.Context) ([]Group, error) {
	var ans struct {
		Status string `json:"status"`
		Data   struct {
			Groups []Group `json:"groups"`
		} `json:"data"`
	}
	if err := v.get(ctx, "/api/v1/rules", &ans); err != nil {
		return nil, err
	}
	if ans.Status != "success" {
		return nil, fmt.Errorf("/api/v1/rules: status %q", ans.Status)
	}
	return ans.Data.Groups, nil
}

func (v *VMAlert) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.URL()+path, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %.500s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("%s: %w: %.500s", path, err, body)
	}
	return nil
}
