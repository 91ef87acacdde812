// Package lokiinit tests the files cmd/auditkit-loki-init generates with real
// parsers: every YAML file parses with a YAML 1.2 library (kept out of the
// library's own go.mod), values given on the command line come back exactly
// as given, even hostile ones, and the Compose files publish ports on
// 127.0.0.1 only. The tests build the command once and run it as a user would.
package lokiinit
