package victorialogs

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/e2e/internal/vlogs"
	"github.com/secaudit/auditkit/slogaudit"
)

// TestOTLPIntoVictoriaLogs ships audit events with the exporter to
// VictoriaLogs' OTLP endpoint (protobuf, the only encoding it takes) and
// counts them back with LogsQL, exactly.
func TestOTLPIntoVictoriaLogs(t *testing.T) {
	const n = 2000
	c := vlogs.FromEnv(t)
	service := "auditkit-e2e-otlp-" + newRunID(t)
	var errs []string
	enc := slogaudit.NewEncoder(&slogaudit.Options{Format: slogaudit.FormatOTLPJSON, ServiceName: service,
		OnError: func(err error) { errs = append(errs, err.Error()) }})
	x, err := auditsink.NewOTLP(&auditsink.OTLPOptions{Endpoint: c.Base + "/insert/opentelemetry", Encoder: enc, MaxBatchLines: 300})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(enc.NewHandler(x))
	for i := range n {
		level, event := slog.LevelInfo, "test.otlp.ok"
		if i%4 == 0 {
			level, event = slog.LevelWarn, "test.otlp.denied"
		}
		logger.Log(context.Background(), level, event, slog.String(slogaudit.KeyEventType, event), slog.Int("seq", i),
			slog.String("user.id", "u"+strconv.Itoa(i%7)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := x.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if s := x.Stats(); s.Stats != (auditsink.Stats{Written: n}) {
		t.Fatalf("Stats = %+v, errors %q", s, errs)
	}
	rows, err := c.Poll(t.Context(), `service.name:=`+quote(service)+` | stats count() n, count_uniq(seq) uniq, min(seq) lo, max(seq) hi`,
		60*time.Second, func(rows []vlogs.Row) bool { return countOf(rows) >= n })
	if err != nil {
		t.Fatalf("waiting for %d rows: %v (last %v)", n, err, rows)
	}
	want := vlogs.Row{"n": strconv.Itoa(n), "uniq": strconv.Itoa(n), "lo": "0", "hi": strconv.Itoa(n - 1)}
	for k, v := range want {
		if rows[0][k] != v {
			t.Errorf("%s = %q, want %q (%v)", k, rows[0][k], v, rows[0])
		}
	}
	got, err := c.Query(t.Context(), `service.name:=`+quote(service)+` | stats by (event_type, severity_text) count() n`)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]string{}
	for _, r := range got {
		counts[r["event_type"]+"/"+r["severity_text"]] = r["n"]
	}
	if counts["test.otlp.denied/WARN"] != strconv.Itoa(n/4) || counts["test.otlp.ok/INFO"] != strconv.Itoa(n-n/4) || len(counts) != 2 {
		t.Errorf("per event type and severity: %v", counts)
	}
	// Polled too: right after a large insert elsewhere (the bulk test), a
	// field filter may see the rows a moment after stats do.
	one, err := c.Poll(t.Context(), `service.name:=`+quote(service)+` seq:=5`, 30*time.Second,
		func(rows []vlogs.Row) bool { return len(rows) > 0 })
	if err != nil || len(one) != 1 {
		t.Fatalf("seq 5: %v %v", one, err)
	}
	t.Logf("row: %v", one[0])
	for k, v := range map[string]string{"_msg": "test.otlp.ok", "event_type": "test.otlp.ok", "user.id": "u5", "schema_version": "1.0"} {
		if one[0][k] != v {
			t.Errorf("%s = %q, want %q", k, one[0][k], v)
		}
	}
}
