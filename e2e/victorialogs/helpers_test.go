package victorialogs

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/e2e/internal/vlogs"
)

// newRunID returns a fresh id that scopes a test's rows (service name or an
// extra field), so tests never see each other's rows or an earlier run's.
func newRunID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// splitLines returns the non-empty lines of b, without their "\n".
func splitLines(b []byte) [][]byte {
	var lines [][]byte
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if len(line) > 0 {
			lines = append(lines, line)
		}
	}
	return lines
}

// expectedRow returns the row VictoriaLogs v1.52 must store for one of our
// JSON lines, in the shape /select/logsql/query answers: nested objects
// flattened with ".", numbers and booleans as their JSON text, arrays as
// their JSON text, nulls and empty strings absent (VictoriaLogs treats an
// empty value as a missing field); "timestamp" becomes _time (RFC 3339 with
// nanoseconds, UTC) and "body" becomes _msg. extra are fields the ingest
// request added with extra_fields. arrays collects the keys holding arrays,
// which are compared as JSON rather than as text.
func expectedRow(line []byte, extra map[string]string, arrays map[string]bool) (vlogs.Row, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("line %s: %w", line, err)
	}
	row := vlogs.Row{}
	if err := flatten("", obj, row, arrays); err != nil {
		return nil, err
	}
	ts, ok := row["timestamp"]
	if !ok {
		return nil, fmt.Errorf("line without timestamp: %s", line)
	}
	ns, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("timestamp %q is not Unix nanoseconds: %w", ts, err)
	}
	delete(row, "timestamp")
	row["_time"] = time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
	row["_msg"] = row["body"]
	delete(row, "body")
	row["_stream"] = fmt.Sprintf(`{resource.service.name=%q}`, row["resource.service.name"])
	maps.Copy(row, extra)
	return row, nil
}

func flatten(prefix string, obj map[string]any, row vlogs.Row, arrays map[string]bool) error {
	for k, v := range obj {
		key := prefix + k
		switch v := v.(type) {
		case nil:
		case map[string]any:
			if err := flatten(key+".", v, row, arrays); err != nil {
				return err
			}
		case []any:
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			row[key] = string(b)
			arrays[key] = true
		case string:
			if v != "" {
				row[key] = v
			}
		case json.Number:
			row[key] = v.String()
		case bool:
			row[key] = strconv.FormatBool(v)
		default:
			return fmt.Errorf("key %q: unexpected JSON value %T", key, v)
		}
	}
	return nil
}

// canonical renders a row as one comparable string: keys sorted, array values
// re-encoded so that equal JSON compares equal whatever its spelling.
func canonical(row vlogs.Row, arrays map[string]bool) string {
	keys := slices.Sorted(maps.Keys(row))
	var b strings.Builder
	for _, k := range keys {
		v := row[k]
		if arrays[k] {
			v = normalizeJSON(v)
		}
		fmt.Fprintf(&b, "%q=%q\n", k, v)
	}
	return b.String()
}

func normalizeJSON(s string) string {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return s // not JSON: compared as text, and so reported if it differs
	}
	b, err := json.Marshal(v)
	if err != nil {
		return s
	}
	return string(b)
}

// compareRows checks that got (stored rows, internal fields in drop removed)
// and want are the same multiset of rows, and reports what is missing and
// what is unexpected.
func compareRows(t *testing.T, got, want []vlogs.Row, arrays map[string]bool, drop ...string) {
	t.Helper()
	count := make(map[string]int)
	for _, r := range want {
		count[canonical(r, arrays)]++
	}
	var unexpected []string
	for _, r := range got {
		r = maps.Clone(r)
		for _, k := range drop {
			delete(r, k)
		}
		c := canonical(r, arrays)
		if count[c] > 0 {
			count[c]--
			continue
		}
		unexpected = append(unexpected, c)
	}
	var missing []string
	for c, n := range count {
		for range n {
			missing = append(missing, c)
		}
	}
	if len(got) != len(want) {
		t.Errorf("VictoriaLogs returned %d rows, want %d", len(got), len(want))
	}
	const show = 3
	for i, c := range missing {
		if i == show {
			t.Errorf("... and %d more missing rows", len(missing)-show)
			break
		}
		t.Errorf("written but not stored as written:\n%s", c)
	}
	for i, c := range unexpected {
		if i == show {
			t.Errorf("... and %d more unexpected rows", len(unexpected)-show)
			break
		}
		t.Errorf("stored but never written:\n%s", c)
	}
}

// lossWatch remembers VictoriaLogs' loss counters before a test ships data.
type lossWatch struct {
	c      *vlogs.Client
	before map[string]float64
}

func watchLosses(t *testing.T, c *vlogs.Client) *lossWatch {
	t.Helper()
	m, err := c.Metrics(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// A renamed counter would make the zero-increase check vacuous.
	for _, name := range vlogs.LossCounters {
		found := false
		for k := range m {
			if k == name || strings.HasPrefix(k, name+"{") {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("/metrics has no series %s: VictoriaLogs renamed its loss counters?", name)
		}
	}
	return &lossWatch{c: c, before: m}
}

// check asserts that no loss counter moved and that at least shipped more
// jsonline rows were ingested.
func (w *lossWatch) check(t *testing.T, shipped int) {
	t.Helper()
	after, err := w.c.Metrics(context.WithoutCancel(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range vlogs.LossCounters {
		if d := vlogs.Sum(after, name) - vlogs.Sum(w.before, name); d != 0 {
			t.Errorf("%s rose by %v while we shipped %d lines", name, d, shipped)
		}
	}
	const ingested = `vl_rows_ingested_total{type="jsonline"}`
	if d := after[ingested] - w.before[ingested]; d < float64(shipped) {
		t.Errorf("%s rose by %v, want at least the %d lines shipped", ingested, d, shipped)
	}
}

// countOf reads the single-row answer of a `| stats count() n` query.
func countOf(rows []vlogs.Row) int {
	if len(rows) != 1 {
		return -1
	}
	n, err := strconv.Atoi(rows[0]["n"])
	if err != nil {
		return -1
	}
	return n
}

// quote renders s as a LogsQL quoted string.
func quote(s string) string { return strconv.Quote(s) }
