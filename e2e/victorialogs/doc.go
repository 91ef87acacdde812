// Package victorialogs proves that auditkit's JSON lines survive a real log
// database: VictoriaLogs v1.52.1 (Apache-2.0), started by e2e/run.sh and
// reached through $VLOGS_URL.
//
// The tests ship the demo's audit stream and a 100 000-event concurrent bulk
// run through /insert/jsonline exactly as a user would
// (_time_field=timestamp, _msg_field=body, _stream_fields=resource.service.name),
// then query /select/logsql/query and check that every stored row equals the
// line written, field by field, that the Unix-nanosecond timestamp became the
// row's _time, that counts per event type and in total are exact with no
// duplicates, and that the server's loss counters did not move.
//
// The witness round trip: cmd/auditkit-demo -chain -witness-url posts every
// checkpoint of a chained trail to VictoriaLogs; the checkpoints are exported
// with a LogsQL query into a file, and auditchain.Verify and auditkit-verify
// -witness prove the trail against it, then see a cut at a clean boundary
// (a second run truncated away) that the trail alone cannot show.
//
// Fleet detection: three in-process instances, each with its own
// detect.Detector at the default thresholds and the same HMAC key, receive a
// distributed attack (failed logins with many usernames from one address,
// guesses at one account from many addresses, missing paths, authorization
// denials) that stays under every threshold on each instance. No instance
// writes a detect.* event; the fleet rules auditkit-loki-init generates
// (victorialogs/detect-rules.yml) run against VictoriaLogs, as LogsQL queries
// and through /select/logsql/stats_query as vmalert runs them, and report
// every attacker at its fleet-wide count and no benign address; a fourth
// instance that sees the whole attack alone detects the same keys in process.
// Then a real vmalert ($VMALERT_BIN) accepts the file with -dryRun and, run
// against VictoriaLogs, fires exactly one alert per rule for those keys and
// none for the benign addresses.
//
// Without $VLOGS_URL the tests skip (run `make e2e`); with E2E_REQUIRE=1, as
// run.sh sets it, they fail instead.
package victorialogs
