// Package loadtest holds the delivery load test of issue 7: a server built
// like cmd/auditkit-demo (http.ServeMux, httpaudit auditing every request,
// slogaudit writing through auditsink.Async into a signed auditsink.Chain
// file) under sustained concurrent load over real loopback HTTP, and then the
// same server and load without the audit middleware.
//
// It asserts that no request failed, that the file holds exactly one line per
// request served (besides the chain's segment headers), that the chain and its
// signed checkpoints verify, and that the Async writer dropped and failed
// nothing; it reports p50, p99 and p99.9 latency and throughput with audit on
// and off.
//
//	go test ./loadtest/                          # 30 s per phase, the default
//	LOADTEST_DURATION=5s go test ./loadtest/     # a quick run
//	LOADTEST_REPORT=/tmp/load.md go test ./loadtest/
//
// LOADTEST_DURATION is the length of each phase (time.ParseDuration syntax);
// CI uses at least the default 30s. LOADTEST_WORKERS (default 32) is the
// number of concurrent keep-alive clients. LOADTEST_REPORT names a file that
// receives the results as a Markdown table. The test never skips: it needs
// nothing but the loopback interface.
package loadtest
