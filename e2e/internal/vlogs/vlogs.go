package vlogs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/e2e/internal/proc"
)

// EnvURL names the environment variable holding the server's base URL
// (e2e/run.sh sets it to the VictoriaLogs it started).
const EnvURL = "VLOGS_URL"

// ContentType is what Insert sends. VictoriaLogs v1.52 reads the body of
// /insert/jsonline whatever its Content-Type, except
// application/x-www-form-urlencoded (curl -d's default): Go's form parsing
// then consumes the body while reading the query args, the request still
// gets 200, and nothing is stored.
const ContentType = "application/stream+json"

// Client talks to one VictoriaLogs server.
type Client struct {
	// Base is the server's base URL, e.g. http://127.0.0.1:9428.
	Base string
	// HTTP is the client used for every request; nil means one with a
	// 60-second timeout.
	HTTP *http.Client
}

// FromEnv returns a Client for $VLOGS_URL. When it is unset, the test is
// skipped with a hint to run make e2e, or fails when $E2E_REQUIRE is 1.
func FromEnv(t testing.TB) *Client {
	t.Helper()
	return &Client{Base: strings.TrimRight(proc.Getenv(t, EnvURL, "installs and starts VictoriaLogs"), "/")}
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 60 * time.Second}
}

// IngestParams are the /insert/jsonline query args for auditkit's default
// JSONL envelope: the record time is the Unix-nanosecond "timestamp", the
// message is "body", and the stream is the service. extra, if any, are
// name=value fields VictoriaLogs adds to every stored row.
func IngestParams(extra ...string) url.Values {
	v := url.Values{
		"_time_field":    {"timestamp"},
		"_msg_field":     {"body"},
		"_stream_fields": {"resource.service.name"},
	}
	if len(extra) > 0 {
		v.Set("extra_fields", strings.Join(extra, ","))
	}
	return v
}

// Insert posts JSON lines to /insert/jsonline with params as query args.
// A non-200 answer is an error carrying the server's message.
func (c *Client) Insert(ctx context.Context, params url.Values, lines []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		c.Base+"/insert/jsonline?"+params.Encode(), bytes.NewReader(lines))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ContentType)
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("insert: %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// Row is one result row of a LogsQL query: VictoriaLogs returns every field
// value as a string.
type Row map[string]string

// Query runs a LogsQL query through /select/logsql/query and returns every
// row it answers.
func (c *Client) Query(ctx context.Context, logsql string) ([]Row, error) {
	body, err := c.Export(ctx, logsql)
	if err != nil {
		return nil, err
	}
	return decodeRows(bytes.NewReader(body))
}

// Export runs a LogsQL query through /select/logsql/query and returns the
// answer as the server sent it: one JSON object a row, one row a line, every
// field a string (what `curl .../select/logsql/query -d query=...` saves).
func (c *Client) Export(ctx context.Context, logsql string) ([]byte, error) {
	form := url.Values{"query": {logsql}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/select/logsql/query",
		strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("query %q: %s: %s", logsql, resp.Status, bytes.TrimSpace(msg))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", logsql, err)
	}
	return body, nil
}

// Sample is one series of a /select/logsql/stats_query answer: the labels
// (the stats result's name under __name__, the by fields under their names)
// and the value.
type Sample struct {
	Labels map[string]string
	Value  string
}

// StatsQuery runs a LogsQL stats query through /select/logsql/stats_query at
// time at, the API vmalert calls for a `type: vlogs` rule (with the rule's
// expr and the evaluation time), and returns the instant vector it answers.
func (c *Client) StatsQuery(ctx context.Context, logsql string, at time.Time) ([]Sample, error) {
	form := url.Values{"query": {logsql}, "time": {at.UTC().Format(time.RFC3339)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/select/logsql/stats_query",
		strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("stats query %q: %w", logsql, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("stats query %q: %s: %s", logsql, resp.Status, bytes.TrimSpace(body))
	}
	return decodeVector(body)
}

// decodeVector reads a Prometheus instant-query answer.
func decodeVector(body []byte) ([]Sample, error) {
	var ans struct {
		Status string `json:"status"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  []any             `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("stats answer %s: %w", body, err)
	}
	if ans.Status != "success" || ans.Data.ResultType != "vector" {
		return nil, fmt.Errorf("stats answer: status %q, result type %q, want success and vector", ans.Status, ans.Data.ResultType)
	}
	out := make([]Sample, 0, len(ans.Data.Result))
	for _, r := range ans.Data.Result {
		if len(r.Value) != 2 {
			return nil, fmt.Errorf("stats answer: value %v, want [time, value]", r.Value)
		}
		v, ok := r.Value[1].(string)
		if !ok {
			return nil, fmt.Errorf("stats answer: value %v is not a string", r.Value[1])
		}
		out = append(out, Sample{Labels: r.Metric, Value: v})
	}
	return out, nil
}

// decodeRows reads the JSON-lines answer of /select/logsql/query.
func decodeRows(r io.Reader) ([]Row, error) {
	var rows []Row
	dec := json.NewDecoder(r)
	for {
		var row Row
		err := dec.Decode(&row)
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, fmt.Errorf("query answer: %w", err)
		}
		rows = append(rows, row)
	}
}

// Poll runs logsql every interval until done accepts its rows or timeout
// passes, and returns the last rows it saw. Ingestion is asynchronous: rows
// become searchable about a second after Insert returns.
func (c *Client) Poll(ctx context.Context, logsql string, timeout time.Duration, done func([]Row) bool) ([]Row, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	const interval = 250 * time.Millisecond
	for {
		rows, err := c.Query(ctx, logsql)
		if err == nil && done(rows) {
			return rows, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("query %q: not done after %v", logsql, timeout)
			}
			return rows, err
		case <-time.After(interval):
		}
	}
}

// Metrics reads /metrics and returns each sample keyed by its full series
// name, e.g. `vl_rows_dropped_total{reason="too_big_timestamp"}`.
func (c *Client) Metrics(ctx context.Context) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %s", resp.Status)
	}
	return ParseMetrics(resp.Body)
}

// ParseMetrics parses the Prometheus text exposition format: one
// "series value" sample a line; comments and blank lines are skipped.
func ParseMetrics(r io.Reader) (map[string]float64, error) {
	m := make(map[string]float64)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		// Label values may hold spaces; the value is the last field.
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			return nil, fmt.Errorf("metrics: malformed line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics: line %q: %w", line, err)
		}
		m[line[:i]] = v
	}
	return m, sc.Err()
}

// LossCounters are the VictoriaLogs v1.52 series that count ingested lines
// that were not stored: rows dropped for any reason (timestamps outside the
// retention, too many fields, debug mode), lines longer than
// -insert.maxLineSizeBytes, and /insert/jsonline lines that failed to parse.
// Sum adds every series whose name starts with one of them.
var LossCounters = []string{
	"vl_rows_dropped_total",
	"vl_too_long_lines_skipped_total",
	`vl_http_errors_total{path="/insert/jsonline"}`,
}

// Sum adds the samples of m whose series name is name or starts with name
// followed by a label set.
func Sum(m map[string]float64, name string) float64 {
	var s float64
	for k, v := range m {
		if k == name || strings.HasPrefix(k, name+"{") {
			s += v
		}
	}
	return s
}
