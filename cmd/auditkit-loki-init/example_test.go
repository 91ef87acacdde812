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
// local-only warning, the Grafana login and the note on fleet detection.
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
	// monitoring/victorialogs/detect-rules.yml
	// monitoring/victorialogs/docker-compose.yml
	// monitoring/victorialogs/queries.md
	// monitoring/victorialogs/vector.yaml
	//
	// ⚠️  LOCAL-ONLY monitoring stack — do not expose these ports or credentials publicly.
	// Grafana login: admin / correct horse
	//
	// Fleet detection: victorialogs/detect-rules.yml holds the detect rules as vmalert rules over every
	// instance's lines. login_fail_account and credential_stuffing need user.name in the log:
	// give every instance the same redact HMAC key (redact.Options.HMACKey as slogaudit Options.Redactor),
	// so user.name is written as the same pseudonym everywhere (see README.md, section 5).
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
