package lokiinit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// TestLogsQLRecipesInVictoriaLogs runs every recipe of the generated
// victorialogs/queries.md against a real VictoriaLogs holding real auditkit
// events (httpaudit and authaudit through the slogaudit handler, shipped the
// way queries.md documents), and checks each answer. The service name is
// hostile, so the LogsQL quoting is proved against VictoriaLogs' own parser.
//
// It needs the victoria-logs binary (make e2e installs it: go install
// github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@v1.52.1), found on
// PATH or through $VICTORIA_LOGS.
func TestLogsQLRecipesInVictoriaLogs(t *testing.T) {
	vlBin := os.Getenv("VICTORIA_LOGS")
	if vlBin == "" {
		var err error
		if vlBin, err = exec.LookPath("victoria-logs"); err != nil {
			t.Skip("victoria-logs is not installed (make e2e installs it)")
		}
	}
	const service = `bill "ing" $x {a} #1`
	lines := auditLines(t, service)
	recipes := logsQLRecipes(t, service)

	base := startVictoriaLogs(t, vlBin)
	ingest := base + "/insert/jsonline?_time_field=timestamp&_msg_field=body&_stream_fields=resource.service.name"
	resp, err := http.Post(ingest, "application/json", bytes.NewReader(lines))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ingest: %s", resp.Status)
	}

	// Ingestion is asynchronous: poll the first recipe until every line is in.
	wantTotal := fmt.Sprint(bytes.Count(lines, []byte("\n")))
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows := query(t, base, recipes["Audit events"])
		if len(rows) == 1 && rows[0]["events"] == wantTotal {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("VictoriaLogs holds %v, want %s events", rows, wantTotal)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// What the scripted traffic in auditLines produced.
	want := map[string][]map[string]string{
		"Audit events":          {{"events": wantTotal}},
		"Auth failures":         {{"failures": "3"}},
		"Lock-outs":             {{"lockouts": "1"}},
		"Authorization denials": {{"denials": "2"}},
		"HTTP status codes": {
			{"attributes.http.response.status_code": "401", "responses": "3"},
			{"attributes.http.response.status_code": "403", "responses": "3"},
			{"attributes.http.response.status_code": "404", "responses": "1"},
			{"attributes.http.response.status_code": "500", "responses": "1"},
		},
		"Top client addresses":              {{"attributes.client.address": "127.0.0.1", "hits": wantTotal}},
		"Auth failures by client address":   {{"attributes.client.address": "127.0.0.1", "hits": "3"}},
		"Authorization denials by user":     {{"attributes.user.id": "42", "hits": "2"}},
		"Authorization denials by resource": {{"attributes.audit.resource": "/admin", "hits": "2"}},
	}
	sumBy := func(rows []map[string]string, key, count string) map[string]int {
		m := map[string]int{}
		for _, r := range rows {
			var n int
			fmt.Sscan(r[count], &n)
			m[r[key]] += n
		}
		return m
	}
	for title, q := range recipes {
		t.Run(title, func(t *testing.T) {
			rows := query(t, base, q)
			switch title {
			case "Events by type":
				assertCounts(t, sumBy(rows, "attributes.event_type", "events"), map[string]int{
					authaudit.EventLoginFailed: 3, authaudit.EventLoginLocked: 1, authaudit.EventAccessDenied: 2,
					httpaudit.EventClientError: 7, httpaudit.EventServerError: 1,
				})
			case "HTTP 4xx / 5xx":
				assertCounts(t, sumBy(rows, "attributes.event_type", "responses"), map[string]int{
					httpaudit.EventClientError: 7, httpaudit.EventServerError: 1,
				})
			case "Security events":
				types := map[string]int{}
				for _, r := range rows {
					types[r["attributes.event_type"]]++
				}
				assertCounts(t, types, map[string]int{
					authaudit.EventLoginFailed: 3, authaudit.EventLoginLocked: 1,
					authaudit.EventAccessDenied: 2, httpaudit.EventServerError: 1,
				})
			case detect.RuleLoginFailAccount, detect.RuleLoginFailAddress, detect.RuleCredentialStuffing,
				detect.RuleForceBrowsing, detect.RuleProbeVolume, detect.RuleAuthzProbing:
				// The fleet detection queries: this scenario stays under
				// every threshold (e2e/victorialogs proves them over one).
				if len(rows) != 0 {
					t.Errorf("%s\n got %v, want no key over the threshold", q, rows)
				}
			case "Errors and critical events":
				sev := map[string]int{}
				for _, r := range rows {
					sev[r["severity_text"]]++
				}
				assertCounts(t, sev, map[string]int{"ERROR": 1, "CRITICAL": 2})
			default:
				w, ok := want[title]
				if !ok {
					t.Fatalf("no expectation for recipe %q: %s", title, q)
				}
				got := make([]map[string]string, len(rows))
				for i, r := range rows {
					got[i] = map[string]string{}
					for k := range w[0] {
						got[i][k] = r[k]
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(w) {
					t.Errorf("%s\n got %v\nwant %v", q, got, w)
				}
			}
		})
	}
}

func assertCounts(t *testing.T, got, want map[string]int) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// auditLines drives a real httpaudit-wrapped server through a short scenario
// and returns the JSONL the slogaudit handler wrote: 3 failed logins (401),
// a lock-out (403), 2 authorization denials (403), a 404 and a 500.
func auditLines(t *testing.T, service string) []byte {
	t.Helper()
	var buf syncBuffer
	logger := slog.New(slogaudit.NewHandler(&buf, &slogaudit.Options{ServiceName: service}))
	auth := authaudit.New(logger)
	mw, err := httpaudit.New(logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		auth.LoginFailed(r.Context(), "bob", "bad_password")
		w.WriteHeader(http.StatusUnauthorized)
	})
	mux.HandleFunc("POST /lock", func(w http.ResponseWriter, r *http.Request) {
		auth.AccountLocked(r.Context(), "42", "maxretries")
		w.WriteHeader(http.StatusForbidden)
	})
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
		auth.AccessDenied(r.Context(), "42", "/admin")
		w.WriteHeader(http.StatusForbidden)
	})
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	srv := httptest.NewServer(mw.Wrap(mux))
	defer srv.Close()

	for _, req := range []struct{ method, path string }{
		{"POST", "/login"}, {"POST", "/login"}, {"POST", "/login"}, {"POST", "/lock"},
		{"GET", "/admin"}, {"GET", "/admin"}, {"GET", "/missing"}, {"GET", "/boom"},
	} {
		r, err := http.NewRequest(req.method, srv.URL+req.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	srv.Close() // every response event is written before Close returns
	return buf.Bytes()
}

// logsQLRecipes generates the stack for service and returns the recipes of
// victorialogs/queries.md by section title.
func logsQLRecipes(t *testing.T, service string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	v := defaults
	v.app = service
	if out, err := exec.Command(bin, v.args(dir)...).CombinedOutput(); err != nil {
		t.Fatalf("auditkit-loki-init: %v\n%s", err, out)
	}
	md, err := os.ReadFile(filepath.Join(dir, "victorialogs", "queries.md"))
	if err != nil {
		t.Fatal(err)
	}
	recipes := map[string]string{}
	for _, m := range regexp.MustCompile("(?s)## ([^\n]+)\n\n```logsql\n(.*?)\n```").FindAllSubmatch(md, -1) {
		recipes[string(m[1])] = string(m[2])
	}
	if len(recipes) < 10 {
		t.Fatalf("found %d LogsQL recipes in queries.md:\n%s", len(recipes), md)
	}
	return recipes
}

// startVictoriaLogs starts victoria-logs on a free loopback port with a
// temporary data directory and returns its base URL; it is killed when the
// test ends.
func startVictoriaLogs(t *testing.T, vlBin string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(vlBin, "-httpListenAddr="+addr, "-storageDataPath="+t.TempDir(),
		"-retentionPeriod=100y", "-memory.allowedBytes=256MiB")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("victoria-logs output:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("victoria-logs did not become healthy: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// query runs a LogsQL query and returns its rows; a query VictoriaLogs
// cannot parse fails the test.
func query(t *testing.T, base, q string) []map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/select/logsql/query",
		strings.NewReader(url.Values{"query": {q}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("query %s: %s: %s", q, resp.Status, body)
	}
	var rows []map[string]string
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var row map[string]string
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("query %s: row %s: %v", q, sc.Bytes(), err)
		}
		rows = append(rows, row)
	}
	return rows
}
