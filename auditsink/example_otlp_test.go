package auditsink_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/slogaudit"
)

// Audit events shipped to an OpenTelemetry Collector (here a stand-in that
// only says what it received). The handler writes OTLP/JSON lines; the
// exporter batches them into protobuf requests to Endpoint/v1/logs.
func ExampleNewOTLP() {
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"))
	}))
	defer collector.Close()

	enc := slogaudit.NewEncoder(&slogaudit.Options{ServiceName: "billing", Format: slogaudit.FormatOTLPJSON})
	exp, err := auditsink.NewOTLP(&auditsink.OTLPOptions{
		Endpoint: collector.URL, // "http://otel-collector:4318"
		Headers:  map[string]string{"Authorization": "Bearer <token>"},
		Encoder:  enc,
	})
	if err != nil {
		log.Fatal(err) // a bad endpoint, header or option, named
	}
	logger := slog.New(enc.NewHandler(exp))
	logger.Warn("auth.login.failed", slog.String(slogaudit.KeyEventType, "auth.login.failed"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := exp.Close(ctx); err != nil { // sends what is queued
		fmt.Println(err)
	}
	fmt.Printf("%+v\n", exp.Stats().Stats)
	// Output:
	// POST /v1/logs application/x-protobuf gzip
	// {Written:1 Dropped:0 Failed:0 Queued:0}
}
