package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Exit codes: 0 done (some files may have been kept), 1 the files could not be
// generated or written, 2 bad usage.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, rand.Reader))
}

// config is what the command line asks for.
type config struct {
	dir               string
	appLabel          string
	environment       string
	auditLogPath      string
	grafanaUser       string
	grafanaPassword   string
	passwordGenerated bool
	dashboardTitle    string
	overwrite         bool
}

// run is the whole command; random is the source of the generated password.
func run(args []string, stdout, stderr io.Writer, random io.Reader) int {
	var cfg config
	fs := flag.NewFlagSet("auditkit-loki-init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.appLabel, "app-label", "auditkit", "service name the queries select: the `name` the app passes as slogaudit Options.ServiceName")
	fs.StringVar(&cfg.environment, "environment", "demo", "static environment label added to every line")
	fs.StringVar(&cfg.auditLogPath, "audit-log-path", "../logs/audit.jsonl", "JSONL audit `file` to ship, absolute or relative to DIR; the stacks mount its directory")
	fs.StringVar(&cfg.grafanaUser, "grafana-admin-user", "admin", "Grafana admin `user`")
	fs.StringVar(&cfg.grafanaPassword, "grafana-admin-password", "", "Grafana admin `password` (default: 16 random bytes, URL-safe base64, printed once)")
	fs.StringVar(&cfg.dashboardTitle, "dashboard-title", "Auditkit Security Audit", "Grafana dashboard `title`")
	fs.BoolVar(&cfg.overwrite, "overwrite", false, "replace existing files (default: keep them)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: auditkit-loki-init [flags] DIR\n\n"+
			"Writes a local-only Loki + Alloy + Grafana stack (and a VictoriaLogs + Vector\n"+
			"alternative in DIR/victorialogs) for auditkit's JSONL audit log into DIR.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "auditkit-loki-init: want one DIR argument after the flags, got %d\n", fs.NArg())
		fs.Usage()
		return exitUsage
	}
	cfg.dir = fs.Arg(0)
	if err := cfg.check(); err != nil {
		fmt.Fprintf(stderr, "auditkit-loki-init: %v\n", err)
		return exitUsage
	}
	if cfg.grafanaPassword == "" {
		p, err := newPassword(random)
		if err != nil {
			fmt.Fprintf(stderr, "auditkit-loki-init: generating the Grafana password: %v\n", err)
			return exitError
		}
		cfg.grafanaPassword, cfg.passwordGenerated = p, true
	}

	files, err := render(&cfg)
	if err != nil {
		fmt.Fprintf(stderr, "auditkit-loki-init: %v\n", err)
		return exitError
	}
	res, err := writeFiles(cfg.dir, files, cfg.overwrite)
	for _, p := range res.written {
		fmt.Fprintln(stdout, p)
	}
	for _, p := range res.kept {
		fmt.Fprintf(stdout, "kept %s (exists; -overwrite replaces it)\n", p)
	}
	if err != nil {
		fmt.Fprintf(stderr, "auditkit-loki-init: %v\n", err)
		return exitError
	}

	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "⚠️  LOCAL-ONLY monitoring stack — do not expose these ports or credentials publicly.")
	if res.keptPath(composeFile) {
		fmt.Fprintf(stdout, "Grafana login: unchanged: %s was kept and its credentials apply (-overwrite applies new ones).\n", composeFile)
	} else {
		fmt.Fprintf(stdout, "Grafana login: %s / %s\n", cfg.grafanaUser, cfg.grafanaPassword)
		if cfg.passwordGenerated {
			fmt.Fprintf(stdout, "The password was generated: store it now; it is shown only this once (it is also in %s).\n", composeFile)
		}
	}
	fmt.Fprint(stdout, fleetNote)
	return exitOK
}

// fleetNote ends the output: the fleet rules that need pseudonyms say so
// where the operator looks.
const fleetNote = "\nFleet detection: " + fleetRulesFile + " holds the detect rules as vmalert rules over every\n" +
	"instance's lines. login_fail_account and credential_stuffing need user.name in the log:\n" +
	"give every instance the same redact HMAC key (redact.Options.HMACKey as slogaudit Options.Redactor),\n" +
	"so user.name is written as the same pseudonym everywhere (see README.md, section 5).\n"

// check rejects values that no generated file could carry or that would make
// a broken stack.
func (c *config) check() error {
	for _, v := range []struct{ name, val string }{
		{"app-label", c.appLabel},
		{"environment", c.environment},
		{"audit-log-path", c.auditLogPath},
		{"grafana-admin-user", c.grafanaUser},
		{"grafana-admin-password", c.grafanaPassword},
		{"dashboard-title", c.dashboardTitle},
	} {
		if err := checkValue(v.name, v.val); err != nil {
			return err
		}
		// Loki refuses a selector that matches the empty label value, Grafana
		// a user or dashboard without a name; an empty password means generate.
		if v.val == "" && v.name != "grafana-admin-password" {
			return fmt.Errorf("-%s must not be empty", v.name)
		}
	}
	if c.dir == "" {
		return errors.New("DIR must not be empty")
	}
	return checkLogPath(c.auditLogPath)
}

// newPassword returns 16 random bytes as unpadded URL-safe base64 (22
// characters): 128 bits, and nothing YAML, shells or URLs treat specially.
func newPassword(random io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// fromSubdir returns p as seen from a direct subfolder of DIR: Compose resolves
// relative bind sources against the compose file's folder. No cleaning, so the
// path the user gave survives unchanged after "../".
func fromSubdir(p string) string {
	if filepath.IsAbs(p) || path.IsAbs(p) || strings.HasPrefix(p, "~") {
		return p
	}
	if p == "." {
		return ".."
	}
	return "../" + p
}
