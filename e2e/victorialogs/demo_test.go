package victorialogs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/e2e/internal/vlogs"
)

// demoService is the service.name cmd/auditkit-demo gives its handler.
const demoService = "auditkit-demo"

// runDemo builds cmd/auditkit-demo, runs its scripted scenario once and
// returns the audit lines it printed on stdout.
func runDemo(t *testing.T) []byte {
	t.Helper()
	code, stdout, stderr := runBin(t, buildCmd(t, "./cmd/auditkit-demo"))
	if code != 0 {
		t.Fatalf("auditkit-demo: exit %d\nstderr:\n%s", code, stderr)
	}
	if len(stdout) == 0 || !strings.HasSuffix(stdout, "\n") {
		t.Fatalf("auditkit-demo printed %d bytes, want newline-terminated JSON lines", len(stdout))
	}
	return []byte(stdout)
}

// TestDemoStoredAsWritten ships the demo's audit stream to VictoriaLogs the
// way the README tells users to, and checks that every stored row is the line
// the demo wrote, field by field, and that LogsQL finds the events by the
// fields a SOC queries.
func TestDemoStoredAsWritten(t *testing.T) {
	c := vlogs.FromEnv(t)
	out := runDemo(t)
	lines := splitLines(out)

	// The demo's service name is fixed, so this run's rows carry one extra
	// field, added by VictoriaLogs at ingest, that scopes every query below.
	run := newRunID(t)
	extra := map[string]string{"e2e.run": run}
	arrays := map[string]bool{}
	want := make([]vlogs.Row, len(lines))
	wantTypes := map[string]int{}
	wantStatus := map[string]int{}
	errorStatus := 0
	for i, line := range lines {
		row, err := expectedRow(line, extra, arrays)
		if err != nil {
			t.Fatal(err)
		}
		if row["resource.service.name"] != demoService {
			t.Fatalf("demo line with service.name %q, want %q: %s", row["resource.service.name"], demoService, line)
		}
		want[i] = row
		wantTypes[row["attributes.event_type"]]++
		if s, ok := row["attributes.http.response.status_code"]; ok {
			wantStatus[s]++
			if n, _ := strconv.Atoi(s); n >= 400 {
				errorStatus++
			}
		}
	}

	losses := watchLosses(t, c)
	if err := c.Insert(t.Context(), vlogs.IngestParams("e2e.run="+run), out); err != nil {
		t.Fatal(err)
	}
	scope := fmt.Sprintf(`{resource.service.name=%s} e2e.run:=%s`, quote(demoService), quote(run))
	rows, err := c.Poll(t.Context(), scope+" | stats count() n", 30*time.Second,
		func(rows []vlogs.Row) bool { return countOf(rows) >= len(lines) })
	if err != nil {
		t.Fatalf("waiting for %d rows: %v (last answer %v)", len(lines), err, rows)
	}
	if n := countOf(rows); n != len(lines) {
		t.Fatalf("VictoriaLogs holds %d rows of this run, want the %d lines shipped", n, len(lines))
	}

	t.Run("every row as written", func(t *testing.T) {
		got, err := c.Query(t.Context(), scope)
		if err != nil {
			t.Fatal(err)
		}
		compareRows(t, got, want, arrays, "_stream_id")
	})

	t.Run("timestamp is _time to the nanosecond", func(t *testing.T) {
		got, err := c.Query(t.Context(), scope+" | fields _time, observed_timestamp, attributes.request_id, attributes.event_type")
		if err != nil {
			t.Fatal(err)
		}
		wantTimes := map[int64]int{}
		for _, line := range lines {
			var l struct {
				Timestamp json.Number `json:"timestamp"`
			}
			if err := json.Unmarshal(line, &l); err != nil {
				t.Fatal(err)
			}
			ns, err := l.Timestamp.Int64()
			if err != nil {
				t.Fatalf("timestamp %q: %v", l.Timestamp, err)
			}
			wantTimes[ns]++
		}
		for _, r := range got {
			tm, err := time.Parse(time.RFC3339Nano, r["_time"])
			if err != nil {
				t.Fatalf("_time %q: %v", r["_time"], err)
			}
			ns := tm.UnixNano()
			if wantTimes[ns] == 0 {
				t.Errorf("row %v: _time %d ns is no timestamp we wrote", r, ns)
				continue
			}
			wantTimes[ns]--
			// The only other time field stays an ordinary field: it was not
			// taken for _time, and it is never earlier than the record.
			obs, err := strconv.ParseInt(r["observed_timestamp"], 10, 64)
			if err != nil || obs < ns {
				t.Errorf("row %v: observed_timestamp %q, want an integer >= _time %d", r, r["observed_timestamp"], ns)
			}
		}
		if len(got) != len(lines) {
			t.Errorf("got %d rows, want %d", len(got), len(lines))
		}
	})

	t.Run("count per event type", func(t *testing.T) {
		got, err := c.Query(t.Context(), scope+" | stats by (attributes.event_type) count() n")
		if err != nil {
			t.Fatal(err)
		}
		gotTypes := map[string]int{}
		for _, r := range got {
			n, err := strconv.Atoi(r["n"])
			if err != nil {
				t.Fatalf("row %v: %v", r, err)
			}
			gotTypes[r["attributes.event_type"]] = n
		}
		if fmt.Sprint(gotTypes) != fmt.Sprint(wantTypes) {
			t.Errorf("event types in VictoriaLogs:\n%v\nwritten:\n%v", gotTypes, wantTypes)
		}
	})

	// What the demo's scenario does, known without reading its output: one
	// invoice update, several failed logins, one handler panic, and a spoofed
	// X-Forwarded-For from an untrusted peer that must not be believed.
	facts := []struct {
		name, filter string
		check        func(n int) bool
		want         string
	}{
		{"one model.update", `attributes.event_type:="model.update"`, func(n int) bool { return n == 1 }, "1"},
		{"failed logins", `attributes.event_type:="auth.login.failed"`, func(n int) bool { return n >= 1 }, ">= 1"},
		{"failed logins carry WARN", `attributes.event_type:="auth.login.failed" -severity_text:="WARN"`, func(n int) bool { return n == 0 }, "0"},
		{"one panic, a 500", `attributes.event_type:="http.response.server_error" attributes.http.response.status_code:=500 attributes.error.type:="panic"`, func(n int) bool { return n == 1 }, "1"},
		{"spoofed address never believed", `attributes.client.address:="192.0.2.250"`, func(n int) bool { return n == 0 }, "0"},
		{"untrusted peer attributed to itself", `attributes.client.address:="127.0.0.2" attributes.network.peer.address:="127.0.0.2"`, func(n int) bool { return n >= 1 }, ">= 1"},
		{"alice's events by user.id", `attributes.user.id:="1001" attributes.client.address:="198.51.100.7"`, func(n int) bool { return n >= 1 }, ">= 1"},
		{"numeric range on status (stored as text)", `attributes.http.response.status_code:>=400`, func(n int) bool { return n == errorStatus }, strconv.Itoa(errorStatus)},
	}
	for _, f := range facts {
		t.Run(f.name, func(t *testing.T) {
			rows, err := c.Query(t.Context(), scope+" "+f.filter+" | stats count() n")
			if err != nil {
				t.Fatal(err)
			}
			if n := countOf(rows); !f.check(n) {
				t.Errorf("%s: %d rows, want %s", f.filter, n, f.want)
			}
		})
	}

	t.Run("status codes", func(t *testing.T) {
		got, err := c.Query(t.Context(), scope+" attributes.http.response.status_code:* | stats by (attributes.http.response.status_code) count() n")
		if err != nil {
			t.Fatal(err)
		}
		gotStatus := map[string]int{}
		for _, r := range got {
			n, _ := strconv.Atoi(r["n"])
			gotStatus[r["attributes.http.response.status_code"]] = n
		}
		if fmt.Sprint(gotStatus) != fmt.Sprint(wantStatus) {
			t.Errorf("status codes in VictoriaLogs %v, written %v", gotStatus, wantStatus)
		}
	})

	losses.check(t, len(lines))
}
