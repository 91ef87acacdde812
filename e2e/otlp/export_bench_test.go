package otlp

import (
	"context"
	"log/slog"
	"runtime"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/e2e/internal/otelcol"
	"github.com/secaudit/auditkit/slogaudit"
)

// BenchmarkShipToCollector measures what shipping an audit event to a real
// Collector on loopback costs the client: CPU time of the whole process
// (the logging call, the queue, encoding, compression, HTTP; the Collector
// is another process) and heap allocations, per event delivered, for
// auditkit (slogaudit handler → auditsink.OTLP) and for the OpenTelemetry
// SDK's own path (otelslog bridge → sdk/log BatchProcessor → otlploghttp).
// Both queues are large enough that nothing is dropped; the Collector's
// record count is checked at the end. Run with a fixed count so the check
// stays cheap, and interleaved rounds:
//
//	OTELCOL_BIN=$PWD/.bin/otelcol-auditkit go test -run '^$' -bench ShipToCollector -benchtime 20000x -count 6 ./otlp
func BenchmarkShipToCollector(b *testing.B) {
	c := otelcol.Start(b, otelcol.Config{FlushInterval: time.Second})
	var shipped int
	b.Cleanup(func() {
		if n := len(c.WaitRecords(b, shipped, 60*time.Second)); n != shipped {
			b.Errorf("the Collector holds %d records, %d were shipped", n, shipped)
		}
	})
	type shipper struct {
		logger *slog.Logger
		flush  func() // delivers everything, returns when done
	}
	for _, tc := range []struct {
		name string
		gzip bool
		sdk  bool
	}{
		{"auditkit/protobuf+gzip", true, false},
		{"otel-sdk/protobuf+gzip", true, true},
		{"auditkit/protobuf", false, false},
		{"otel-sdk/protobuf", false, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			var s shipper
			if tc.sdk {
				comp := otlploghttp.NoCompression
				if tc.gzip {
					comp = otlploghttp.GzipCompression
				}
				exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(c.LogsURL()), otlploghttp.WithCompression(comp))
				if err != nil {
					b.Fatal(err)
				}
				lp := sdklog.NewLoggerProvider(
					sdklog.WithResource(resource.NewSchemaless(attribute.String("service.name", "svc"))),
					sdklog.WithProcessor(sdklog.NewBatchProcessor(exp, sdklog.WithMaxQueueSize(b.N+1))))
				s = shipper{slog.New(otelslog.NewHandler("bench", otelslog.WithLoggerProvider(lp))),
					func() {
						if err := lp.Shutdown(ctx); err != nil {
							b.Fatal(err)
						}
					}}
			} else {
				comp := auditsink.NoCompression
				if tc.gzip {
					comp = auditsink.Gzip
				}
				enc := slogaudit.NewEncoder(&slogaudit.Options{ServiceName: "svc", Format: slogaudit.FormatOTLPJSON})
				x, err := auditsink.NewOTLP(&auditsink.OTLPOptions{Endpoint: c.Endpoint(), Encoder: enc, Compression: comp,
					Queue: auditsink.AsyncOptions{MaxQueueLines: b.N + 1, MaxQueueBytes: 1 << 30}})
				if err != nil {
					b.Fatal(err)
				}
				s = shipper{slog.New(enc.NewHandler(x)), func() {
					if err := x.Close(ctx); err != nil {
						b.Fatal(err)
					}
					if st := x.Stats(); st.Written != uint64(b.N) {
						b.Fatalf("Stats = %+v", st)
					}
				}}
			}
			runtime.GC()
			var m0, m1 runtime.MemStats
			var r0, r1 syscall.Rusage
			runtime.ReadMemStats(&m0)
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
			b.ResetTimer()
			for i := range b.N {
				s.logger.LogAttrs(ctx, slog.LevelWarn, "auth.login.failed",
					slog.String(slogaudit.KeyEventType, "auth.login.failed"),
					slog.String("outcome", "failure"),
					slog.String("owasp.event", "authn_login_fail:alice"),
					slog.String("user.id", "u-1842"),
					slog.String("client.address", "203.0.113.7"),
					slog.String("request_id", "01J9Z3Q5W7X8Y9ABCDEF"),
					slog.String("auth.failure_reason", "bad_password"),
					slog.Int("attempt", i),
				)
			}
			s.flush()
			b.StopTimer()
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
			runtime.ReadMemStats(&m1)
			cpu := time.Duration(syscall.TimevalToNsec(r1.Utime) - syscall.TimevalToNsec(r0.Utime) +
				syscall.TimevalToNsec(r1.Stime) - syscall.TimevalToNsec(r0.Stime))
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/event")
			b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(b.N), "allocs/event")
			b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/float64(b.N), "B/event")
			shipped += b.N
		})
	}
}
