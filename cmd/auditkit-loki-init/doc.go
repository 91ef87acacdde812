// Command auditkit-loki-init writes a local-only monitoring stack for
// auditkit's JSONL audit log: Grafana Loki, Grafana Alloy and Grafana with a
// provisioned security dashboard, and, in DIR/victorialogs, the same for
// VictoriaLogs with Vector.
//
// Usage:
//
//	go run github.com/secaudit/auditkit/cmd/auditkit-loki-init [flags] DIR
//
// Flags (they come before DIR):
//
//	-app-label NAME                service name the queries select; the app's
//	                               slogaudit Options.ServiceName (default auditkit)
//	-environment NAME              static environment label (default demo)
//	-audit-log-path FILE           JSONL file to ship, absolute or relative to DIR,
//	                               in a directory of its own: the stacks mount
//	                               that directory (default ../logs/audit.jsonl)
//	-grafana-admin-user USER       Grafana admin user (default admin)
//	-grafana-admin-password PASS   Grafana admin password (default: 16 random
//	                               bytes, URL-safe base64, printed once)
//	-dashboard-title TITLE         dashboard title (default "Auditkit Security Audit")
//	-overwrite                     replace existing files (default: keep them)
//
// For example:
//
//	$ go run ./cmd/auditkit-loki-init -app-label billing -environment staging monitoring
//	monitoring/README.md
//	monitoring/alloy/config.alloy
//	...
//	⚠️  LOCAL-ONLY monitoring stack — do not expose these ports or credentials publicly.
//	Grafana login: admin / 3Vb0Jm1k9xT2cQ8sLr4ZpA
//	$ cd monitoring && docker compose up -d
//
// It writes, under DIR:
//
//	docker-compose.yml                          loki, alloy, grafana (and alloy-docker in profile "docker");
//	                                            every port bound to 127.0.0.1, images pinned
//	alloy/config.alloy                          tails the audit file in the mounted log directory, pushes to Loki
//	alloy/config.stdout.alloy                   ships container stdout instead (needs the Docker socket)
//	loki/local-config.yml                       single-process Loki, TSDB schema v13
//	loki/queries.md                             LogQL recipes
//	grafana/provisioning/datasources/loki.yml   the Loki data source (uid loki)
//	grafana/provisioning/dashboards/dashboards.yml
//	grafana/dashboards/auditkit-overview.json   events by type, auth failures, lock-outs,
//	                                            authorization denials, HTTP 4xx/5xx, status
//	                                            codes, top client addresses, security events
//	victorialogs/docker-compose.yml             VictoriaLogs and Vector, on 127.0.0.1
//	victorialogs/vector.yaml                    tails the audit file into /insert/jsonline
//	victorialogs/queries.md                     LogsQL for the same panels, and the fleet detection queries
//	victorialogs/detect-rules.yml               vmalert alerting rules (type: vlogs): the detect rules
//	                                            over every instance's lines
//	README.md                                   set-up, verification, rotation (rename + SIGHUP)
//
// Both stacks mount the audit log's directory read-only at /var/log/auditkit,
// not the file, and read the file in it by its exact name (its glob
// metacharacters escaped for Alloy's and Vector's pattern syntaxes), never a
// wider glob that would also ship a chained file's FILE.ckpt and FILE.lock.
// So rotation by rename works: the application renames the file (logrotate)
// and reopens it on SIGHUP (auditsink File.ReopenOnSignal, auditchain
// Chain.ReopenOnSignal), and the agents see the new file; a mount of the file
// would keep showing the renamed one. The generated README gives a logrotate
// configuration that also renames a chained file's FILE.ckpt, and says that
// copytruncate is unsupported for chained files: the writer notices the
// truncation, and the trail then verifies as not provable (auditkit-verify
// exit 3). A log path whose directory would be DIR itself is refused (DIR
// holds docker-compose.yml with the Grafana password).
//
// Alloy promotes only four low-cardinality labels: service_name (from
// resource["service.name"]), environment (static), severity (severity_text)
// and event_type (attributes["event_type"]). Client addresses, user ids and
// request ids stay in the line and are read at query time with
// `| json client_address="attributes[\"client.address\"]"`.
//
// # Fleet detection
//
// A detect.Detector sees one process. victorialogs/detect-rules.yml and the
// "Fleet detection" section of victorialogs/queries.md run the same built-in
// rules (login_fail_account, login_fail_address, credential_stuffing,
// force_browsing, authz_probing) over the combined log of every instance, as
// LogsQL stats queries that return each key at or over its threshold. The
// thresholds are detect.DefaultThresholds and the statuses
// detect.DefaultProbeStatusCodes, read from the detect package, never copied.
// vmalert evaluates a rule every Window/5 over the last Window+Window/5 (an
// explicit _time filter; eval_alignment: false, so that vmalert does not round
// the query time down to the interval), so every burst that fits in the window
// lies whole in one evaluation. login_fail_account and credential_stuffing count by or over
// user.name, which auditkit drops by default: they need every instance to
// share one redact HMAC key, so that user.name is written as the same
// pseudonym everywhere; the command says so when it finishes. No Loki ruler
// rules are generated (no Loki runs in the tests that prove the queries).
//
// Every value given on the command line is escaped for the file it lands in:
// double-quoted YAML scalars (with '$' doubled in Compose files, which
// interpolate it), encoding/json for the dashboard, Alloy and LogQL string
// literals, POSIX shell words. Quotes, colons, '#', newlines, backslashes or
// "{{" in a title or password cannot break a file. Values must be valid UTF-8
// without NUL bytes, and all but the password non-empty.
//
// Existing files are kept, and listed, unless -overwrite is given. If
// docker-compose.yml is kept, its Grafana credentials stay in force and no
// new ones are printed. The exit code is 0 on success, 1 when files could not
// be written, 2 for bad usage.
package main
