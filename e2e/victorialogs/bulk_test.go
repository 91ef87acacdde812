package victorialogs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secaudit/auditkit/e2e/internal/vlogs"
	"github.com/secaudit/auditkit/slogaudit"
)

const (
	bulkWorkers   = 16
	bulkPerWorker = 6250
	bulkTotal     = bulkWorkers * bulkPerWorker // 100 000
	// bulkChunkLines is how many lines one /insert/jsonline request carries
	// (about 4 MB), as a shipper batching a file would send them.
	bulkChunkLines = 10_000
)

// bulkLevel spreads the events over three severities, so the per-severity
// counts in VictoriaLogs are a check too.
func bulkLevel(seq int) slog.Level {
	switch {
	case seq%10 == 0:
		return slog.LevelWarn
	case seq%25 == 1:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// writeBulk logs bulkTotal events from bulkWorkers goroutines through one
// slogaudit handler into a file, each with a unique seq attribute, and
// returns the file's contents.
func writeBulk(t *testing.T, service string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	var writeErrs atomic.Int64
	logger := slog.New(slogaudit.NewHandler(f, &slogaudit.Options{
		ServiceName:    service,
		ServiceVersion: "e2e",
		OnError:        func(error) { writeErrs.Add(1) },
	}))
	var wg sync.WaitGroup
	for w := range bulkWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := logger.With(slog.Int("worker", w))
			for i := range bulkPerWorker {
				seq := w*bulkPerWorker + i
				l.LogAttrs(t.Context(), bulkLevel(seq), "bulk.event",
					slog.String(slogaudit.KeyEventType, "e2e.bulk"),
					slog.Int("seq", seq),
					slog.String("user.id", strconv.Itoa(seq%97)),
					slog.Group("http", slog.Int("response.status_code", 200+seq%5)),
				)
			}
		}()
	}
	wg.Wait()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if n := writeErrs.Load(); n != 0 {
		t.Fatalf("the handler reported %d write errors", n)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBulkConcurrent100k writes 100 000 events concurrently through one
// handler into a file, ships the file in chunks, and checks that VictoriaLogs
// stores exactly 100 000 rows, one per seq, none dropped or duplicated.
func TestBulkConcurrent100k(t *testing.T) {
	c := vlogs.FromEnv(t)
	run := newRunID(t)
	service := "auditkit-e2e-bulk-" + run

	start := time.Now()
	file := writeBulk(t, service)
	t.Logf("wrote %d bytes in %v", len(file), time.Since(start).Round(time.Millisecond))

	// The file itself: one JSON object per line, every seq exactly once.
	lines := splitLines(file)
	if len(lines) != bulkTotal || bytes.Count(file, []byte("\n")) != bulkTotal {
		t.Fatalf("file has %d lines (%d newlines), want %d", len(lines), bytes.Count(file, []byte("\n")), bulkTotal)
	}
	seen := make([]bool, bulkTotal)
	wantLevels := map[string]int{}
	for _, line := range lines {
		var l struct {
			Severity string `json:"severity_text"`
			Attrs    struct {
				Seq *int `json:"seq"`
			} `json:"attributes"`
		}
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if l.Attrs.Seq == nil || *l.Attrs.Seq < 0 || *l.Attrs.Seq >= bulkTotal || seen[*l.Attrs.Seq] {
			t.Fatalf("line with a missing, out-of-range or repeated seq: %s", line)
		}
		seen[*l.Attrs.Seq] = true
		wantLevels[l.Severity]++
	}

	losses := watchLosses(t, c)
	start = time.Now()
	params := vlogs.IngestParams()
	for i := 0; i < len(lines); i += bulkChunkLines {
		chunk := lines[i:min(i+bulkChunkLines, len(lines))]
		body := append(bytes.Join(chunk, []byte("\n")), '\n')
		if err := c.Insert(t.Context(), params, body); err != nil {
			t.Fatalf("chunk at line %d: %v", i, err)
		}
	}
	t.Logf("shipped %d lines in %d requests in %v", len(lines), (len(lines)+bulkChunkLines-1)/bulkChunkLines,
		time.Since(start).Round(time.Millisecond))

	scope := fmt.Sprintf(`{resource.service.name=%s}`, quote(service))
	start = time.Now()
	rows, err := c.Poll(t.Context(),
		scope+` | stats count() n, count_uniq(attributes.seq) uniq, min(attributes.seq) lo, max(attributes.seq) hi`,
		90*time.Second,
		func(rows []vlogs.Row) bool { return countOf(rows) >= bulkTotal })
	if err != nil {
		t.Fatalf("waiting for %d rows: %v (last answer %v)", bulkTotal, err, rows)
	}
	t.Logf("all rows searchable %v after the last insert", time.Since(start).Round(time.Millisecond))
	r := rows[0]
	want := vlogs.Row{"n": strconv.Itoa(bulkTotal), "uniq": strconv.Itoa(bulkTotal), "lo": "0", "hi": strconv.Itoa(bulkTotal - 1)}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("stats %s = %q, want %q (all: %v)", k, r[k], v, r)
		}
	}

	t.Run("per worker", func(t *testing.T) {
		got, err := c.Query(t.Context(), scope+" | stats by (attributes.worker) count() n")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != bulkWorkers {
			t.Errorf("%d workers in VictoriaLogs, want %d: %v", len(got), bulkWorkers, got)
		}
		for _, r := range got {
			if r["n"] != strconv.Itoa(bulkPerWorker) {
				t.Errorf("worker %s: %s rows, want %d", r["attributes.worker"], r["n"], bulkPerWorker)
			}
		}
	})

	t.Run("per severity", func(t *testing.T) {
		got, err := c.Query(t.Context(), scope+" | stats by (severity_text) count() n")
		if err != nil {
			t.Fatal(err)
		}
		gotLevels := map[string]int{}
		for _, r := range got {
			gotLevels[r["severity_text"]], _ = strconv.Atoi(r["n"])
		}
		if fmt.Sprint(gotLevels) != fmt.Sprint(wantLevels) {
			t.Errorf("severities in VictoriaLogs %v, written %v", gotLevels, wantLevels)
		}
	})

	// A random sample, plus the edges, compared field by field with the lines
	// that carried those seqs.
	t.Run("sampled rows as written", func(t *testing.T) {
		bySeq := make(map[int][]byte, bulkTotal)
		for _, line := range lines {
			var l struct {
				Attrs struct{ Seq int } `json:"attributes"`
			}
			_ = json.Unmarshal(line, &l) // parsed above already
			bySeq[l.Attrs.Seq] = line
		}
		pick := []int{0, bulkPerWorker - 1, bulkPerWorker, bulkTotal - 1}
		for range 60 {
			pick = append(pick, rand.IntN(bulkTotal))
		}
		arrays := map[string]bool{}
		var want []vlogs.Row
		var filter []string
		for _, seq := range pick {
			row, err := expectedRow(bySeq[seq], nil, arrays)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, row)
			filter = append(filter, strconv.Itoa(seq))
		}
		got, err := c.Query(t.Context(), scope+" attributes.seq:in("+strings.Join(filter, ",")+")")
		if err != nil {
			t.Fatal(err)
		}
		// in() matches a seq once however often it was picked.
		want = dedupRows(want, arrays)
		compareRows(t, got, want, arrays, "_stream_id")
	})

	losses.check(t, bulkTotal)
}

// dedupRows drops repeated rows (a seq picked twice at random).
func dedupRows(rows []vlogs.Row, arrays map[string]bool) []vlogs.Row {
	seen := map[string]bool{}
	var out []vlogs.Row
	for _, r := range rows {
		c := canonical(r, arrays)
		if !seen[c] {
			seen[c] = true
			out = append(out, r)
		}
	}
	return out
}
