package auditchain

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/slogaudit"
)

// The writers' own events use the handler's encoder: its format and
// resource, configured once. A chained trail in the OTLP/JSON format
// verifies like one in JSON lines.
func TestSelfEventsUseTheEncoder(t *testing.T) {
	for _, format := range []slogaudit.Format{slogaudit.FormatJSONL, slogaudit.FormatOTLPJSON} {
		enc := slogaudit.NewEncoder(&slogaudit.Options{ServiceName: "billing", ServiceVersion: "1.4.2", Format: format})
		path := filepath.Join(t.TempDir(), "audit.log")
		chain, err := OpenChain(path, nil, &ChainOptions{Encoder: enc})
		if err != nil {
			t.Fatal(err)
		}
		logger := slog.New(enc.NewHandler(chain))
		logger.LogAttrs(context.Background(), slog.LevelInfo, "m", slog.String(slogaudit.KeyEventType, "app.event"))
		if err := chain.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(lines) != 2 {
			t.Fatalf("format %v: %d lines:\n%s", format, len(lines), b)
		}
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("format %v: %v: %s", format, err, l)
			}
			_, otlp := m["resourceLogs"]
			if otlp != (format == slogaudit.FormatOTLPJSON) || !strings.Contains(l, "1.4.2") {
				t.Errorf("format %v: header not in the handler's format and resource: %s", format, l)
			}
		}
		rep, err := Verify([]string{path}, nil)
		if err != nil {
			t.Fatalf("format %v: %v", format, err)
		}
		if !rep.OK() {
			t.Errorf("format %v: trail does not verify: %+v", format, rep)
		}
	}
}
