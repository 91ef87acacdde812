package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// Every built-in rule has its fleet rule, with the detect package's own
// default threshold.
func TestFleetRulesCoverEveryBuiltinRule(t *testing.T) {
	def := detect.DefaultThresholds()
	rules := fleetRules("a")
	var names []string
	for _, r := range rules {
		names = append(names, r.Name)
		assert.Equal(t, def[r.Name], r.Threshold, r.Name)
		assert.Equal(t, r.Threshold.Window/5, r.Interval, r.Name)
		assert.Equal(t, r.Threshold.Window+r.Interval, r.Lookback, r.Name)
		assert.True(t, strings.HasPrefix(r.Expr, "_time:"+promDuration(r.Lookback)+" "), r.Expr)
		assert.True(t, strings.Contains(r.Expr, fmt.Sprintf("| filter %s:>=%d", r.Value, r.Threshold.Count)), r.Expr)
		assert.Contains(t, r.Expr, "stats by (", r.Expr)
		assert.True(t, strings.HasSuffix(r.Expr, fmt.Sprintf(":>=%d", r.Threshold.Count)) ||
			strings.HasSuffix(r.Expr, " as "+r.Key), "%s: the key ends as label %s: %s", r.Name, r.Key, r.Expr)
	}
	var want []string
	for name := range def {
		want = append(want, name)
	}
	assert.ElementsMatch(t, want, names)
	assert.Equal(t, "_time:1m {resource.service.name=\"a\"} attributes.event_type:=\"auth.login.failed\" "+
		"attributes.client.address:* | stats by (attributes.client.address) count() failures | filter failures:>=6 "+
		"| rename attributes.client.address as client_address", rules[1].Expr,
		"login_fail_address, spelled out once")
}

func TestPromDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Second: "10s", time.Minute: "1m", 100 * time.Second: "100s", 12 * time.Minute: "12m",
	} {
		assert.Equal(t, want, promDuration(d))
	}
}

// recorder keeps the detect.* events a Detector writes.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *recorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recorder) WithGroup(string) slog.Handler            { return h }
func (h *recorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r.Clone())
	h.mu.Unlock()
	return nil
}

// The fleet rules say what the in-process rules do: the same owasp.event,
// severity, key attribute and distinct attribute, read from the start events
// a real Detector writes for a scenario that trips every rule.
func TestFleetRulesMatchTheDetector(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d, err := detect.New(&detect.Options{Now: func() time.Time { return now }, SweepInterval: -1})
	require.NoError(t, err)
	rec := &recorder{}
	logger := slog.New(d.Middleware()(rec))
	auth := authaudit.New(logger)
	req := func(addr string) context.Context {
		return slogaudit.ContextWithAttrs(context.Background(), slog.String(slogaudit.KeyClientAddress, addr))
	}
	for i := range 11 {
		auth.LoginFailed(req("192.0.2.1"), fmt.Sprintf("user%d", i), authaudit.ReasonUnknownUser)
		auth.LoginFailed(req(fmt.Sprintf("198.51.100.%d", i)), "maya", authaudit.ReasonBadPassword)
		auth.AccessDenied(req("192.0.2.3"), "42", "invoice/1")
	}
	for i := range 41 { // force_browsing at 11 distinct paths, probe_volume at 41 responses
		logger.LogAttrs(req("192.0.2.2"), slog.LevelWarn, "http.response",
			slog.String(slogaudit.KeyEventType, httpaudit.EventClientError),
			slog.String(httpaudit.KeyURLPath, fmt.Sprintf("/p%d", i%20)),
			slog.Int(httpaudit.KeyHTTPStatusCode, 404))
	}
	require.NoError(t, d.Close())

	type start struct{ owasp, severity, key, distinct string }
	got := map[string]start{}
	for _, r := range rec.recs {
		a := map[string]string{}
		r.Attrs(func(at slog.Attr) bool {
			a[at.Key] = at.Value.String()
			return true
		})
		if a[detect.KeyPhase] != detect.PhaseStart {
			continue
		}
		sev := "warning"
		if r.Level >= slogaudit.LevelCritical {
			sev = "critical"
		}
		got[a[detect.KeyRule]] = start{a[authaudit.KeyOWASPEvent], sev, a[detect.KeyKeyAttribute], a[detect.KeyDistinctAttribute]}
	}
	for _, r := range fleetRules("a") {
		s, ok := got[r.Name]
		if !assert.True(t, ok, "the scenario did not trip %s", r.Name) {
			continue
		}
		assert.Equal(t, s.owasp, r.OWASP, r.Name)
		assert.Equal(t, s.severity, r.Severity, r.Name)
		assert.True(t, strings.HasPrefix(r.KeySource, s.key), "%s: key %s, fleet rule says %s", r.Name, s.key, r.KeySource)
		if s.distinct != "" {
			assert.Contains(t, r.Expr, "count_uniq(attributes."+s.distinct+")", r.Name)
		} else {
			assert.NotContains(t, r.Expr, "count_uniq", r.Name)
		}
		assert.Equal(t, s.key == slogaudit.KeyUserName || s.distinct == slogaudit.KeyUserName, r.NeedsNames,
			"%s: NeedsNames follows whether the rule reads user.name", r.Name)
	}
}

// TestFleetGolden pins the generated fleet rules and the LogsQL recipes:
// go test -run Golden -update rewrites them.
func TestFleetGolden(t *testing.T) {
	files, err := render(&config{
		appLabel: "auditkit", environment: "demo", auditLogPath: "../logs/audit.jsonl",
		grafanaUser: "admin", grafanaPassword: "pw", dashboardTitle: "Auditkit Security Audit",
	})
	require.NoError(t, err)
	for gen, golden := range map[string]string{
		fleetRulesFile:            "detect-rules.golden.yml",
		"victorialogs/queries.md": "victorialogs-queries.golden.md",
	} {
		i := slices.IndexFunc(files, func(f file) bool { return f.path == gen })
		require.GreaterOrEqual(t, i, 0, gen)
		path := filepath.Join("testdata", golden)
		if *update {
			require.NoError(t, os.WriteFile(path, files[i].data, 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run go test -run Golden -update to create it")
		assert.Equal(t, string(want), string(files[i].data), gen)
	}
}
