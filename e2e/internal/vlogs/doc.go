// Package vlogs is a small client for a running VictoriaLogs server, written
// with net/http and encoding/json only: ingest JSON lines, run LogsQL queries,
// poll until asynchronous ingestion shows up, and read the server's counters.
// It exists for the e2e tests and is not part of auditkit's API.
package vlogs
