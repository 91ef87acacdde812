package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The command writes the stack into DIR and prints each file, then the
// local-only warning and the Grafana login.
func Example() {
	dir, err := os.MkdirTemp("", "auditkit-loki-init")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	var out bytes.Buffer
	code := run([]string{
		"-app-label", "billing",
		"-environment", "staging",
		"-grafana-admin-password", "correct horse",
		filepath.Join(dir, "monitoring"),
	}, &out, os.Stderr, rand.Reader)
	fmt.Print(strings.ReplaceAll(out.String(), dir+string(filepath.Separator), ""))
	fmt.Println("exit code", code)
	// Output:
	// monitoring/README.md
	// monitoring/alloy/config.alloy
	// monitoring/alloy/config.stdout.alloy
	// monitoring/docker-compose.yml
	// monitoring/grafana/dashboards/auditkit-overview.json
	// monitoring/grafana/provisioning/dashboards/dashboards.yml
	// monitoring/grafana/provisioning/datasources/loki.yml
	// monitoring/loki/local-config.yml
	// monitoring/loki/queries.md
	// monitoring/victorialogs/docker-compose.yml
	// monitoring/victorialogs/queries.md
	// monitoring/victorialogs/vector.yaml
	//
	// ⚠️  LOCAL-ONLY monitoring stack — do not expose these ports or credentials publicly.
	// Grafana login: admin / correct horse
	// exit code 0
}

// LogQL strings are quoted so that neither Loki nor Grafana misreads a value:
// Go escapes for Loki, and \x24 for '$', which Grafana would expand.
func Example_logqlQuote() {
	fmt.Println(logqlQuote(`say "hi"`))
	fmt.Println(logqlQuote("cost: $5"))
	// Output:
	// "say \"hi\""
	// "cost: \x245"
}
