package vlogs

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/e2e/internal/proc"
)

func TestParseMetricsAndSum(t *testing.T) {
	const text = `# HELP ignored
vl_rows_dropped_total{reason="debug"} 0
vl_rows_dropped_total{reason="too_big_timestamp"} 3
vl_rows_dropped_total_other 100
vl_too_long_lines_skipped_total 2
vl_http_errors_total{path="/insert/jsonline"} 1
vl_http_errors_total{path="/select/logsql/query"} 7
vl_label_with_space{a="x y"} 1.5e3

`
	m, err := ParseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if got := m[`vl_label_with_space{a="x y"}`]; got != 1500 {
		t.Errorf("label with a space: %v, want 1500", got)
	}
	for _, tc := range []struct {
		name string
		want float64
	}{
		{"vl_rows_dropped_total", 3}, // not vl_rows_dropped_total_other
		{"vl_too_long_lines_skipped_total", 2},
		{`vl_http_errors_total{path="/insert/jsonline"}`, 1},
		{"vl_http_errors_total", 8},
		{"absent", 0},
	} {
		if got := Sum(m, tc.name); got != tc.want {
			t.Errorf("Sum(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := ParseMetrics(strings.NewReader("novalue\n")); err == nil {
		t.Error("a line without a value parsed")
	}
}

// A fake server stands in for VictoriaLogs here: what is checked is what the
// client sends and how it reads answers, not VictoriaLogs.
func TestInsertQueryPoll(t *testing.T) {
	var inserted string
	queries := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/insert/jsonline":
			if ct := r.Header.Get("Content-Type"); ct != ContentType {
				http.Error(w, "content type "+ct, http.StatusBadRequest)
				return
			}
			q := r.URL.Query()
			if q.Get("_time_field") != "timestamp" || q.Get("_msg_field") != "body" ||
				q.Get("_stream_fields") != "resource.service.name" || q.Get("extra_fields") != "a=1,b=2" {
				http.Error(w, "params "+r.URL.RawQuery, http.StatusBadRequest)
				return
			}
			b, _ := io.ReadAll(r.Body)
			inserted = string(b)
		case "/select/logsql/query":
			if err := r.ParseForm(); err != nil || r.PostForm.Get("query") != "* | stats count() n" {
				http.Error(w, "bad query", http.StatusBadRequest)
				return
			}
			queries++
			if queries < 3 {
				return // nothing searchable yet
			}
			io.WriteString(w, `{"n":"2"}`+"\n")
		default:
			http.Error(w, "no such path", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	c := &Client{Base: srv.URL}

	if err := c.Insert(t.Context(), IngestParams("a=1", "b=2"), []byte("{}\n{}\n")); err != nil {
		t.Fatal(err)
	}
	if inserted != "{}\n{}\n" {
		t.Errorf("server got body %q", inserted)
	}
	if err := c.Insert(t.Context(), IngestParams(), nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("insert with wrong params: err %v, want the server's 400", err)
	}

	rows, err := c.Poll(t.Context(), "* | stats count() n", 10*time.Second,
		func(rows []Row) bool { return len(rows) == 1 && rows[0]["n"] == "2" })
	if err != nil || queries != 3 {
		t.Fatalf("Poll: rows %v, err %v after %d queries, want success on the 3rd", rows, err, queries)
	}
	if _, err := c.Poll(t.Context(), "* | stats count() n", 300*time.Millisecond,
		func([]Row) bool { return false }); err == nil {
		t.Error("Poll that is never done returned no error")
	}
	if _, err := c.Query(t.Context(), "bad"); err == nil {
		t.Error("Query answered 400 returned no error")
	}
}

func TestFromEnvSkipsWithoutURL(t *testing.T) {
	t.Setenv(EnvURL, "")
	t.Setenv(proc.EnvRequire, "")
	ran := false
	t.Run("inner", func(t *testing.T) {
		FromEnv(t)
		ran = true
	})
	if ran {
		t.Error("FromEnv returned without VLOGS_URL")
	}
	t.Setenv(EnvURL, "http://127.0.0.1:1/")
	if c := FromEnv(t); c.Base != "http://127.0.0.1:1" {
		t.Errorf("Base %q, want the URL without its trailing slash", c.Base)
	}
}

func TestDecodeVector(t *testing.T) {
	got, err := decodeVector([]byte(`{"status":"success","data":{"resultType":"vector","result":[` +
		`{"metric":{"__name__":"failures","client_address":"203.0.113.9"},"value":[1796613783,"8"]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Value != "8" || got[0].Labels["client_address"] != "203.0.113.9" || got[0].Labels["__name__"] != "failures" {
		t.Errorf("got %+v", got)
	}
	for _, bad := range []string{`{"status":"error"}`, `{"status":"success","data":{"resultType":"matrix"}}`, `[`,
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}}`} {
		if _, err := decodeVector([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
