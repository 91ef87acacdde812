package victorialogs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/e2e/internal/vlogs"
	"github.com/secaudit/auditkit/e2e/internal/vmalert"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// The fleet scenario's actors. Every request reaches an instance from
// 127.0.0.1, the trusted proxy, with the actor's address in X-Forwarded-For.
const (
	stuffer      = "203.0.113.66" // credential stuffing: one address, many usernames
	prober       = "203.0.113.77" // force browsing: many missing paths
	mallory      = "203.0.113.88" // authorization probing, logged in as malloryID
	malloryID    = "4242"
	victim       = "victim" // the account whose password is guessed from many addresses
	benign       = "192.0.2.10"
	benignProber = "192.0.2.11"
	fleetSize    = 3
)

// request is one request of the scenario, sent to instance inst.
type request struct {
	inst   int
	method string
	path   string
	from   string // X-Forwarded-For
	user   string // login username, or the acting user id for /invoices
}

// fleetTraffic is the distributed attack plus the benign control, per
// instance: each instance sees fewer than every rule's threshold, the fleet
// more.
//
//	stuffer   4 failed logins per instance, each a new username   12 failures, 12 usernames
//	victim    2 failed logins per instance, each a new address     6 failures for the account
//	prober    5 missing paths, 3 times each, per instance (404)   15 distinct paths, 45 responses
//	mallory   3 denied invoice reads per instance (403)            9 denials for user 4242
//	benign    1 failed login (alice) on instances 0 and 1          2 failures
//	benignProber 1 missing path on instances 0 and 1               2 paths
func fleetTraffic() []request {
	var rs []request
	for i := range fleetSize {
		for j := range 4 {
			rs = append(rs, request{i, "POST", "/login", stuffer, fmt.Sprintf("stuffed-%02d", 4*i+j)})
		}
		for j := range 2 {
			rs = append(rs, request{i, "POST", "/login", fmt.Sprintf("198.51.100.%d", 2*i+j+1), victim})
		}
		for j := range 15 {
			rs = append(rs, request{i, "GET", fmt.Sprintf("/files/probe-%02d", 5*i+j%5), prober, ""})
		}
		for range 3 {
			rs = append(rs, request{i, "GET", "/invoices/inv-1", mallory, malloryID})
		}
		if i < 2 {
			rs = append(rs, request{i, "POST", "/login", benign, "alice"})
			rs = append(rs, request{i, "GET", fmt.Sprintf("/files/typo-%d", i), benignProber, ""})
		}
	}
	return rs
}

// instance is one process of the fleet: an app behind httpaudit, on its own
// loopback port, whose audit handler has a detect.Detector in front of it
// with the default thresholds, writing its own lines.
type instance struct {
	srv *httptest.Server
	det *detect.Detector
	out *syncBuffer
}

func newInstance(t *testing.T, service string, red *redact.Redactor) *instance {
	t.Helper()
	out := &syncBuffer{}
	// Every instance shares the HMAC key: user.name is written as the same
	// pseudonym everywhere, and the detector keys usernames by it too.
	det, err := detect.New(&detect.Options{Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	h := slogaudit.NewHandler(out, &slogaudit.Options{ServiceName: service, Redactor: red})
	logger := slog.New(det.Middleware()(h))
	auth := authaudit.New(logger)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var creds struct{ Username string }
		if err := json.NewDecoder(r.Body).Decode(&creds); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		auth.LoginFailed(r.Context(), creds.Username, authaudit.ReasonBadPassword)
		http.Error(w, "invalid credentials", http.StatusUnauthorized)
	})
	mux.HandleFunc("GET /invoices/{id}", func(w http.ResponseWriter, r *http.Request) {
		user := r.Header.Get("X-Test-User") // the app's own session, in short
		slogaudit.SetUser(r.Context(), slogaudit.User{ID: user})
		auth.AccessDenied(r.Context(), user, "invoice/"+r.PathValue("id"))
		http.Error(w, "forbidden", http.StatusForbidden)
	})
	mw, err := httpaudit.New(logger, &httpaudit.Options{TrustedProxies: []string{"127.0.0.1/32"}})
	if err != nil {
		t.Fatal(err)
	}
	inst := &instance{srv: httptest.NewServer(mw.Wrap(mux)), det: det, out: out}
	t.Cleanup(inst.close)
	return inst
}

// close stops the server (every response event is written by then) and the
// detector (the summaries of open episodes, if any).
func (in *instance) close() {
	in.srv.Close()
	_ = in.det.Close()
}

// do sends r; it runs on the scenario's goroutines, so it reports with
// t.Errorf, never t.Fatal.
func (in *instance) do(t *testing.T, r request) {
	t.Helper()
	var body io.Reader
	if r.method == "POST" {
		b, _ := json.Marshal(map[string]string{"username": r.user, "password": "guess"})
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(r.method, in.srv.URL+r.path, body)
	if err != nil {
		t.Errorf("%s %s: %v", r.method, r.path, err)
		return
	}
	req.Header.Set("X-Forwarded-For", r.from)
	if r.method == "GET" && r.user != "" {
		req.Header.Set("X-Test-User", r.user)
	}
	resp, err := in.srv.Client().Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", r.method, r.path, err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// auditLine is what the test reads of a line.
type auditLine struct {
	Attributes map[string]any `json:"attributes"`
}

func parseLines(t *testing.T, b []byte) []auditLine {
	t.Helper()
	var out []auditLine
	for _, l := range splitLines(b) {
		var a auditLine
		if err := json.Unmarshal(l, &a); err != nil {
			t.Fatalf("line %s: %v", l, err)
		}
		out = append(out, a)
	}
	return out
}

func (a auditLine) str(key string) string {
	switch v := a.Attributes[key].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// detections returns "rule key" for every detect.* start event in lines.
func detections(lines []auditLine) map[string]bool {
	out := map[string]bool{}
	for _, l := range lines {
		if strings.HasPrefix(l.str(slogaudit.KeyEventType), detect.EventPrefix) && l.str(detect.KeyPhase) == detect.PhaseStart {
			out[l.str(detect.KeyRule)+" "+l.str(detect.KeyKey)] = true
		}
	}
	return out
}

// vmalertRules is the part of a vmalert rule file the test reads.
type vmalertRules struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Type     string `yaml:"type"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Alert  string            `yaml:"alert"`
			Expr   string            `yaml:"expr"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// TestFleetDetection: three instances, each with its own detect.Detector at
// the default thresholds, ship their lines to one VictoriaLogs and receive
// a distributed attack that no single instance sees over a threshold. No
// instance's detector raises a detect.* event; the fleet rules that
// auditkit-loki-init generates (victorialogs/detect-rules.yml, read from its
// output) find every attacker against the real VictoriaLogs, through the
// query API and through the stats API vmalert calls, and no benign
// address. A fourth instance that receives the whole attack alone detects it
// in process: the attack is real, and the rules are the same.
func TestFleetDetection(t *testing.T) {
	c := vlogs.FromEnv(t)
	service := "auditkit-fleet-" + newRunID(t)
	red, err := redact.New(redact.Options{HMACKey: []byte("the HMAC key every instance shares")})
	if err != nil {
		t.Fatal(err)
	}
	pseudonym := red.Hash(victim)
	traffic := fleetTraffic()

	// The scenario straddles the default thresholds: under each on every
	// instance, at or over each across the fleet.
	def := detect.DefaultThresholds()
	type fact struct {
		key        string
		perInst    int
		fleetCount int
	}
	want := map[string]fact{
		detect.RuleLoginFailAddress:   {stuffer, 4, 12},
		detect.RuleCredentialStuffing: {stuffer, 4, 12},
		detect.RuleLoginFailAccount:   {pseudonym, 2, 6},
		detect.RuleForceBrowsing:      {prober, 5, 15},
		detect.RuleProbeVolume:        {prober, 15, 45},
		detect.RuleAuthzProbing:       {malloryID, 3, 9},
	}
	for rule, f := range want {
		if n := def[rule].Count; f.perInst >= n || f.fleetCount < n {
			t.Fatalf("%s: default threshold %d no longer lies between %d per instance and %d across the fleet", rule, n, f.perInst, f.fleetCount)
		}
	}

	// The fleet rules, from the generator's own output for this service,
	// first: the queries look back one minute from when they run.
	dir := t.TempDir()
	if code, _, stderr := runBin(t, buildCmd(t, "./cmd/auditkit-loki-init"),
		"-app-label", service, "-grafana-admin-password", "unused", dir); code != 0 {
		t.Fatalf("auditkit-loki-init: exit %d\n%s", code, stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "victorialogs", "detect-rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	recipes, err := os.ReadFile(filepath.Join(dir, "victorialogs", "queries.md"))
	if err != nil {
		t.Fatal(err)
	}
	var file vmalertRules
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatalf("detect-rules.yml: %v", err)
	}
	exprs := map[string]string{}
	for _, g := range file.Groups {
		if g.Type != "vlogs" || len(g.Rules) != 1 || g.Interval == "" {
			t.Errorf("group %s: type %q, interval %q, %d rules; want vlogs, an interval, one rule", g.Name, g.Type, g.Interval, len(g.Rules))
			continue
		}
		r := g.Rules[0]
		exprs[r.Labels["detect_rule"]] = r.Expr
		if !bytes.Contains(recipes, []byte("```logsql\n"+r.Expr+"\n```")) {
			t.Errorf("%s: queries.md does not show the rule's expr", r.Alert)
		}
	}
	if len(exprs) != len(want) {
		t.Fatalf("detect-rules.yml has rules for %v, want %d", slices.Sorted(maps.Keys(exprs)), len(want))
	}

	// The fleet, and the lone instance that sees everything.
	var fleet [fleetSize]*instance
	for i := range fleet {
		fleet[i] = newInstance(t, service, red)
	}
	lone := newInstance(t, service+"-lone", red)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range fleet {
		wg.Go(func() {
			for _, r := range traffic {
				if r.inst == i {
					fleet[i].do(t, r)
				}
			}
		})
	}
	wg.Go(func() {
		for _, r := range traffic {
			lone.do(t, r)
		}
	})
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var shipped []byte
	var lines [fleetSize][]auditLine
	for i, in := range fleet {
		in.close()
		b := in.out.Bytes()
		shipped = append(shipped, b...)
		lines[i] = parseLines(t, b)
	}
	lone.close()
	attackEnd := time.Now() // no line of the fleet is later

	t.Run("no instance detects the attack", func(t *testing.T) {
		for i := range fleet {
			failed := 0
			for _, l := range lines[i] {
				if l.str(slogaudit.KeyEventType) == authaudit.EventLoginFailed && l.str(slogaudit.KeyClientAddress) == stuffer {
					failed++
					if !strings.HasPrefix(l.str(slogaudit.KeyUserName), redact.HashPrefix) {
						t.Errorf("instance %d: user.name %q, want a pseudonym", i, l.str(slogaudit.KeyUserName))
					}
				}
			}
			if failed != 4 {
				t.Errorf("instance %d wrote %d failed logins from %s, want 4", i, failed, stuffer)
			}
			if d := detections(lines[i]); len(d) != 0 {
				t.Errorf("instance %d detected %v in process", i, d)
			}
		}
	})

	t.Run("one instance with the whole attack detects it", func(t *testing.T) {
		got := detections(parseLines(t, lone.out.Bytes()))
		wantSet := map[string]bool{}
		for rule, f := range want {
			wantSet[rule+" "+f.key] = true
		}
		if fmt.Sprint(got) != fmt.Sprint(wantSet) {
			t.Errorf("the lone instance detected\n%v\nwant\n%v", got, wantSet)
		}
	})

	// Ship the three instances' lines, as the README tells users to.
	losses := watchLosses(t, c)
	if err := c.Insert(t.Context(), vlogs.IngestParams(), shipped); err != nil {
		t.Fatal(err)
	}
	total := len(splitLines(shipped))
	scope := fmt.Sprintf("{resource.service.name=%s}", quote(service))
	if rows, err := c.Poll(t.Context(), scope+" | stats count() n", 30*time.Second,
		func(rows []vlogs.Row) bool { return countOf(rows) >= total }); err != nil || countOf(rows) != total {
		t.Fatalf("waiting for %d rows: %v (last answer %v)", total, err, rows)
	}
	losses.check(t, total)
	// The control: the benign actors are in the fleet's log, under every
	// threshold: 2 failed logins, 2 missing paths.
	for addr, ev := range map[string]string{benign: authaudit.EventLoginFailed, benignProber: httpaudit.EventClientError} {
		rows, err := c.Query(t.Context(), fmt.Sprintf("%s attributes.client.address:=%s attributes.event_type:=%s | stats count() n",
			scope, quote(addr), quote(ev)))
		if err != nil {
			t.Fatal(err)
		}
		if countOf(rows) != 2 {
			t.Errorf("%s: %v %s rows in the fleet's log, want 2", addr, rows, ev)
		}
	}

	queriedAt := time.Now()
	if queriedAt.Sub(start) > 40*time.Second {
		t.Fatalf("the scenario took %v: too close to the shortest window to query it", queriedAt.Sub(start))
	}

	keyLabel := map[string]string{
		detect.RuleLoginFailAccount: "account", detect.RuleLoginFailAddress: "client_address",
		detect.RuleCredentialStuffing: "client_address", detect.RuleForceBrowsing: "client_address",
		detect.RuleProbeVolume:  "client_address",
		detect.RuleAuthzProbing: "actor",
	}
	for rule, f := range want {
		t.Run("fleet "+rule, func(t *testing.T) {
			expr, ok := exprs[rule]
			if !ok {
				t.Fatalf("no fleet rule %s", rule)
			}
			wantKeys := map[string]string{f.key: strconv.Itoa(f.fleetCount)}

			// As a LogsQL query (queries.md, the VictoriaLogs UI).
			rows, err := c.Query(t.Context(), expr)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range rows {
				for k, v := range r {
					if k != keyLabel[rule] {
						got[r[keyLabel[rule]]] = v
					}
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(wantKeys) {
				t.Errorf("%s\n returned %v (rows %v), want %v", expr, got, rows, wantKeys)
			}
			t.Logf("%s: %v over the fleet (threshold %d; %d per instance)", rule, rows, def[rule].Count, f.perInst)

			// As vmalert evaluates it: /select/logsql/stats_query at the
			// evaluation time (whole seconds; the next one).
			at := time.Now().Truncate(time.Second).Add(time.Second)
			samples, err := c.StatsQuery(t.Context(), expr, at)
			if err != nil {
				t.Fatal(err)
			}
			got = map[string]string{}
			for _, s := range samples {
				got[s.Labels[keyLabel[rule]]] = s.Value
			}
			if fmt.Sprint(got) != fmt.Sprint(wantKeys) {
				t.Errorf("stats_query %s\n returned %v (%v), want %v", expr, got, samples, wantKeys)
			}
			if f.key == stuffer || f.key == prober {
				for _, addr := range []string{benign, benignProber} {
					if _, ok := got[addr]; ok {
						t.Errorf("benign %s reported", addr)
					}
				}
			}
		})
	}

	t.Run("vmalert fires for exactly the attackers", func(t *testing.T) {
		wantAlerts := map[string]string{}
		for rule, f := range want {
			wantAlerts[rule] = fmt.Sprintf("%s=%s value %d", keyLabel[rule], f.key, f.fleetCount)
		}
		checkVMAlert(t, c, filepath.Join(dir, "victorialogs", "detect-rules.yml"), start, attackEnd, wantAlerts)
	})
}

// vmalertEvalDelay is vmalert's -rule.evalDelay, its default, passed
// explicitly: every evaluation queries as of that long ago.
const vmalertEvalDelay = 30 * time.Second

// checkVMAlert loads the generated rules file into a real vmalert: `vmalert
// -dryRun` must accept it, and vmalert run against VictoriaLogs (with its
// default evaluation delay and -notifier.blackhole) must report, once every
// rule has been evaluated, exactly the firing alerts of want ("key=value
// value N" per detect_rule label) and no other: none for the benign actors.
// The fleet's lines lie between start and end; vmalert is started once end
// is vmalertEvalDelay in the past, so that the first evaluation of every
// group (every 2m for login_fail_account) covers them.
func checkVMAlert(t *testing.T, c *vlogs.Client, rules string, start, end time.Time, want map[string]string) {
	bin := vmalert.Bin(t)
	if code, out := vmalert.DryRun(t, bin, rules); code != 0 {
		t.Fatalf("vmalert -dryRun -rule=%s: exit %d\n%s", rules, code, out)
	}

	ready := end.Add(vmalertEvalDelay + 2*time.Second) // +1s: vmalert sends whole seconds
	if lag := ready.Sub(start) - vmalertEvalDelay; lag > 50*time.Second {
		t.Fatalf("the scenario took %v before vmalert could start: too close to the shortest window", lag)
	}
	t.Logf("waiting %v for the attack to lie %v in the past", time.Until(ready).Round(time.Second), vmalertEvalDelay)
	select {
	case <-time.After(time.Until(ready)):
	case <-t.Context().Done():
		t.Fatal(t.Context().Err())
	}
	va := vmalert.Start(t, vmalert.Config{
		DatasourceURL: c.Base,
		Rules:         []string{rules},
		Flags: []string{
			"-rule.evalDelay=" + vmalertEvalDelay.String(),
			// Each group starts after a random delay up to its interval
			// (at most this flag, 5m by default) to spread the load; a
			// second here, so that every group evaluates at once.
			"-group.maxStartDelay=1s",
			// Every generated group sets its own interval; this is for
			// any group that does not.
			"-evaluationInterval=10s",
		},
	})
	started := time.Now()

	// Wait until every rule has been evaluated since vmalert started.
	var groups []vmalert.Group
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		if groups, err = va.Groups(t.Context()); err != nil {
			t.Fatal(err)
		}
		n, evaluated := 0, 0
		for _, g := range groups {
			for _, r := range g.Rules {
				n++
				if r.LastEvaluation.After(started.Add(-time.Second)) {
					evaluated++
				}
			}
		}
		if n == len(want) && evaluated == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s vmalert has evaluated %d of %d rules (want %d rules): %+v", evaluated, n, len(want), groups)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, g := range groups {
		for _, r := range g.Rules {
			if g.Type != "vlogs" || r.DatasourceType != "vlogs" || r.Health != "ok" || r.LastError != "" {
				t.Errorf("group %s rule %s: type %s/%s, health %s, last error %q; want vlogs, ok, none",
					g.Name, r.Name, g.Type, r.DatasourceType, r.Health, r.LastError)
			}
		}
	}

	alerts, err := va.Alerts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range alerts {
		rule := a.Labels["detect_rule"]
		t.Logf("vmalert: %s %s value %s labels %v", a.State, a.Name, a.Value, a.Labels)
		if _, dup := got[rule]; dup {
			t.Errorf("a second alert for %s: %s %v", rule, a.Name, a.Labels)
		}
		for _, addr := range []string{benign, benignProber} {
			for k, v := range a.Labels {
				if v == addr {
					t.Errorf("alert %s for the benign %s (label %s)", a.Name, addr, k)
				}
			}
		}
		if a.State != "firing" {
			t.Errorf("alert %s %v is %s, want firing (the rules have no for:)", a.Name, a.Labels, a.State)
		}
		var key string
		for k, v := range a.Labels {
			if k == "account" || k == "client_address" || k == "actor" {
				key = k + "=" + v
			}
		}
		got[rule] = key + " value " + a.Value
		// vmalert expanded the annotation's $labels and $value.
		if d := a.Annotations["description"]; !strings.HasPrefix(d, strings.Replace(key, "=", " ", 1)+": "+a.Value+" ") {
			t.Errorf("alert %s: description %q, want it to start with the key and value", a.Name, d)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("vmalert's active alerts\n%v\nwant\n%v", got, want)
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutines that log.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
