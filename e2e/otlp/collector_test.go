package otlp

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/e2e/internal/otelcol"
	"github.com/secaudit/auditkit/slogaudit"
)

// The exporter against a real OpenTelemetry Collector (built by run.sh from
// the Collector's Go modules: otlpreceiver, then the contrib file exporter).

func exporter(t testing.TB, endpoint string, o auditsink.OTLPOptions) (*auditsink.OTLP, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var errs []string
	if o.Encoder == nil {
		o.Encoder = slogaudit.NewEncoder(&slogaudit.Options{Format: slogaudit.FormatOTLPJSON, ServiceName: "svc",
			OnError: func(err error) { mu.Lock(); errs = append(errs, err.Error()); mu.Unlock() }})
	}
	o.Endpoint = endpoint
	if o.InitialBackoff == 0 {
		o.InitialBackoff, o.MaxBackoff = 50*time.Millisecond, 500*time.Millisecond
	}
	x, err := auditsink.NewOTLP(&o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close(context.Background()) })
	return x, &errs
}

func drain(t testing.TB, x *auditsink.OTLP) auditsink.OTLPStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, x.Close(ctx))
	return x.Stats()
}

// hostileLines are records with long and hostile strings, written by the
// real handler.
func hostileLines(t testing.TB) [][]byte {
	var buf bytes.Buffer
	h := slogaudit.NewHandler(&buf, &slogaudit.Options{Format: slogaudit.FormatOTLPJSON, ServiceName: "svc\x00\n",
		Now: func() time.Time { return obsTime }})
	var lines [][]byte
	for _, s := range []string{
		"\x00\x01\x1b[31m\u2028\u2029\"\\</script>", "\xff\xfe invalid UTF-8 \xc3", strings.Repeat("é😀", 3000),
		`{"resourceLogs":[]}`, "\xed\xa0\x80", strings.Repeat("x", 20000),
	} {
		buf.Reset()
		r := slog.NewRecord(recTime, slog.LevelWarn, s, 0)
		r.AddAttrs(slog.String(slogaudit.KeyEventType, s), slog.String(s, s), slog.Group(s, slog.Any(s, map[string]any{s: []any{s, 1}})))
		require.NoError(t, h.Handle(spanCtx(1), r))
		lines = append(lines, bytes.Clone(buf.Bytes()))
	}
	return lines
}

// recordJSON is one record with its resource and scope in OTLP/JSON, the
// form in which what was logged and what the Collector wrote are compared.
func recordJSON(t testing.TB, r otelcol.Record) string {
	one := plog.NewLogs()
	rl := one.ResourceLogs().AppendEmpty()
	r.Resource.CopyTo(rl.Resource())
	rl.SetSchemaUrl(r.ResourceSchema)
	sl := rl.ScopeLogs().AppendEmpty()
	r.Scope.CopyTo(sl.Scope())
	sl.SetSchemaUrl(r.ScopeSchema)
	r.Log.CopyTo(sl.LogRecords().AppendEmpty())
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(one)
	require.NoError(t, err)
	return string(b)
}

// TestCollectorReceivesExport ships every case of TestCollectorDecodes and
// the hostile lines through the exporter, in both encodings with and
// without gzip, and compares every record the Collector wrote, field by
// field, with what the Collector's decoder reads from the logged line.
func TestCollectorReceivesExport(t *testing.T) {
	var lines [][]byte
	for _, tc := range cases() {
		lines = append(lines, handle(t, tc))
	}
	lines = append(lines, hostileLines(t)...)
	var want []string
	for _, l := range lines {
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(l)
		require.NoError(t, err)
		want = append(want, flatten(t, ld)...)
	}
	c := otelcol.Start(t, otelcol.Config{})
	runs := 0
	for _, enc := range []auditsink.OTLPEncoding{auditsink.OTLPProtobuf, auditsink.OTLPJSON} {
		for _, comp := range []auditsink.Compression{auditsink.Gzip, auditsink.NoCompression} {
			x, errs := exporter(t, c.Endpoint(), auditsink.OTLPOptions{Encoding: enc, Compression: comp, MaxBatchLines: 5})
			for _, l := range lines {
				require.NoError(t, x.WriteRecord(slog.LevelInfo, true, l))
			}
			s := drain(t, x)
			assert.Equal(t, auditsink.Stats{Written: uint64(len(lines))}, s.Stats, "encoding %d compression %d: %v", enc, comp, *errs)
			runs++
		}
	}
	recs := c.WaitRecords(t, runs*len(want), 30*time.Second)
	require.Len(t, recs, runs*len(want))
	for i, r := range recs {
		require.JSONEq(t, want[i%len(want)], recordJSON(t, r), "run %d record %d", i/len(want), i%len(want))
	}
}

// TestCollectorRestartLosesNothing stops the Collector (SIGTERM: it flushes
// what it acknowledged) in the middle of a run and starts it again: with
// the default audit policy every event arrives, some perhaps twice.
func TestCollectorRestartLosesNothing(t *testing.T) {
	const n = 3000
	c := otelcol.Start(t, otelcol.Config{})
	enc := slogaudit.NewEncoder(&slogaudit.Options{Format: slogaudit.FormatOTLPJSON, ServiceName: "svc", OnError: func(error) {}})
	// The default queue and policy: audit events block up to 1 s when the
	// queue (10 000 lines) is full, which the outage does not fill.
	x, _ := exporter(t, c.Endpoint(), auditsink.OTLPOptions{Encoder: enc, MaxBatchLines: 100})
	logger := slog.New(enc.NewHandler(x))
	var logged atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			logger.Info("event", slog.String(slogaudit.KeyEventType, "test.restart"), slog.Int("i", i))
			logged.Add(1)
			if i%50 == 0 {
				time.Sleep(5 * time.Millisecond) // about 1.5 s in all
			}
		}
	}()
	for logged.Load() < n/3 {
		time.Sleep(time.Millisecond)
	}
	c.Stop()
	stoppedAt := logged.Load()
	time.Sleep(500 * time.Millisecond)
	c.Restart()
	<-done
	s := drain(t, x)
	recs := c.WaitRecords(t, n, 30*time.Second)
	seen := make(map[int64]int)
	for _, r := range recs {
		v, ok := r.Log.Attributes().Get("i")
		require.True(t, ok)
		seen[v.Int()]++
	}
	for i := range int64(n) {
		assert.NotZero(t, seen[i], "event %d lost", i)
	}
	assert.Equal(t, auditsink.Stats{Written: n}, s.Stats)
	assert.LessOrEqual(t, len(recs), n+int(s.Resent))
	assert.NotZero(t, s.Retries, "the outage went unnoticed (stopped after %d events)", stoppedAt)
	t.Logf("logged %d, received %d (%d twice), resent %d in %d retries, %d requests",
		n, len(recs), len(recs)-len(seen), s.Resent, s.Retries, s.Requests)
}

// faultProxy forwards to the Collector, except for the answers fault
// chooses by request number.
func faultProxy(t *testing.T, target string, fault func(n int64, w http.ResponseWriter) bool) (*httptest.Server, *atomic.Int64) {
	u, err := url.Parse(target)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	var count atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fault(count.Add(1), w) {
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &count
}

func TestCollectorFaults(t *testing.T) {
	c := otelcol.Start(t, otelcol.Config{MaxRequestBodySize: 8 << 10})
	t.Run("503 with Retry-After is honoured", func(t *testing.T) {
		var first time.Time
		var retryAt time.Time
		proxy, count := faultProxy(t, c.Endpoint(), func(n int64, w http.ResponseWriter) bool {
			if n == 1 {
				first = time.Now()
				w.Header().Set("Retry-After", "2")
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			}
			if n == 2 {
				retryAt = time.Now()
			}
			return false
		})
		before := len(c.Records(t))
		x, _ := exporter(t, proxy.URL, auditsink.OTLPOptions{})
		require.NoError(t, x.WriteRecord(slog.LevelInfo, true, handle(t, cases()[0])))
		s := drain(t, x)
		assert.Equal(t, int64(2), count.Load())
		assert.GreaterOrEqual(t, retryAt.Sub(first), 2*time.Second)
		assert.Equal(t, uint64(1), s.Written)
		c.WaitRecords(t, before+1, 10*time.Second)
	})
	t.Run("400 is not retried", func(t *testing.T) {
		proxy, count := faultProxy(t, c.Endpoint(), func(n int64, w http.ResponseWriter) bool {
			if n == 1 {
				http.Error(w, "bad batch", http.StatusBadRequest)
				return true
			}
			return false
		})
		x, errs := exporter(t, proxy.URL, auditsink.OTLPOptions{MaxBatchLines: 1})
		line := handle(t, cases()[0])
		before := len(c.Records(t))
		require.NoError(t, x.WriteRecord(slog.LevelInfo, true, line))
		time.Sleep(200 * time.Millisecond) // its own request
		require.NoError(t, x.WriteRecord(slog.LevelInfo, true, line))
		s := drain(t, x)
		assert.Equal(t, int64(2), count.Load(), "requests")
		assert.Equal(t, auditsink.Stats{Written: 1, Failed: 1}, s.Stats)
		assert.Contains(t, strings.Join(*errs, "\n"), "400 Bad Request: bad batch")
		c.WaitRecords(t, before+1, 10*time.Second)
	})
	// The receiver takes 8 KiB: a batch of 40 lines of ~1 KiB is split until
	// the halves fit; one line of 20 KiB never fits. The Collector itself
	// answers 400 "request body too large"; a proxy answers a true 413.
	tooLarge, _ := faultProxy(t, c.Endpoint(), func(n int64, w http.ResponseWriter) bool { return false })
	tooLarge.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > 8<<10 {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		u, _ := url.Parse(c.Endpoint())
		httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
	})
	for name, endpoint := range map[string]string{"Collector's 400 too large is split": c.Endpoint(), "413 is split": tooLarge.URL} {
		t.Run(name, func(t *testing.T) { splitRun(t, c, endpoint) })
	}
}

func splitRun(t *testing.T, c *otelcol.Collector, endpoint string) {
	{
		before := len(c.Records(t))
		x, errs := exporter(t, endpoint, auditsink.OTLPOptions{Compression: auditsink.NoCompression, MaxBatchLines: 40,
			FlushInterval: 200 * time.Millisecond})
		enc := slogaudit.NewEncoder(&slogaudit.Options{Format: slogaudit.FormatOTLPJSON, ServiceName: "svc",
			Limits: slogaudit.Limits{MaxStringLen: 30000, MaxRecordBytes: 64 << 10}})
		logger := slog.New(enc.NewHandler(x))
		for i := range 40 {
			size := 1000
			if i == 17 {
				size = 20000
			}
			logger.Info("split", slog.String(slogaudit.KeyEventType, "t"), slog.Int("i", i), slog.String("pad", strings.Repeat("p", size)))
		}
		s := drain(t, x)
		assert.Equal(t, auditsink.Stats{Written: 39, Failed: 1}, s.Stats, "%v", *errs)
		assert.NotZero(t, s.Splits)
		assert.Zero(t, s.Retries)
		assert.Contains(t, strings.Join(*errs, "\n"), "over the receiver's limit")
		recs := c.WaitRecords(t, before+39, 10*time.Second)
		got := map[int64]bool{}
		for _, r := range recs[before:] {
			v, _ := r.Log.Attributes().Get("i")
			got[v.Int()] = true
		}
		for i := range int64(40) {
			assert.Equal(t, i != 17, got[i], fmt.Sprint("record ", i))
		}
	}
}
