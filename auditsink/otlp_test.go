package auditsink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secaudit/auditkit/internal/writer"
	"github.com/secaudit/auditkit/slogaudit"
)

// errLog collects what an exporter reports.
type errLog struct {
	mu   sync.Mutex
	msgs []string
}

func (e *errLog) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.msgs = append(e.msgs, err.Error())
}

func (e *errLog) all() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.msgs, "\n")
}

// startOTLP returns an exporter to url with fast retries, and a logger
// writing through it in OTLP/JSON.
func startOTLP(t *testing.T, url string, o OTLPOptions) (*OTLP, *slog.Logger, *errLog) {
	t.Helper()
	errs := &errLog{}
	if o.Encoder == nil {
		o.Encoder = slogaudit.NewEncoder(&slogaudit.Options{Format: slogaudit.FormatOTLPJSON, ServiceName: "svc", OnError: errs.add})
	}
	o.Endpoint = url
	if o.InitialBackoff == 0 {
		o.InitialBackoff, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
	}
	if o.FlushInterval == 0 {
		o.FlushInterval = 5 * time.Millisecond
	}
	x, err := NewOTLP(&o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close(context.Background()) })
	return x, slog.New(o.Encoder.NewHandler(x)), errs
}

func closeOTLP(t *testing.T, x *OTLP) OTLPStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := x.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return x.Stats()
}

func logN(l *slog.Logger, from, n int) []string {
	var want []string
	for i := from; i < from+n; i++ {
		msg := fmt.Sprintf("event %d", i)
		l.Info(msg, slog.String(slogaudit.KeyEventType, "test.event"), slog.Int("i", i))
		want = append(want, msg)
	}
	return want
}

func TestOTLPDelivers(t *testing.T) {
	for _, enc := range []OTLPEncoding{OTLPProtobuf, OTLPJSON} {
		for _, comp := range []Compression{Gzip, NoCompression} {
			t.Run(fmt.Sprintf("encoding %d compression %d", enc, comp), func(t *testing.T) {
				rc := newReceiver(t, nil)
				x, l, errs := startOTLP(t, rc.url(), OTLPOptions{Encoding: enc, Compression: comp, MaxBatchLines: 50,
					Headers: map[string]string{"Authorization": "Bearer s3cr3t-token", "X-Scope-OrgID": "tenant"}})
				want := logN(l, 0, 500)
				s := closeOTLP(t, x)
				reqs, got := rc.snapshot()
				if !slices.Equal(got, want) {
					t.Fatalf("received %d records, want %d in order (first %q)", len(got), len(want), got[:min(3, len(got))])
				}
				if s.Stats != (Stats{Written: 500}) || s.Retries != 0 || s.Requests != uint64(len(reqs)) {
					t.Errorf("Stats = %+v, %d requests", s, len(reqs))
				}
				for _, r := range reqs {
					if len(r.records) > 50 {
						t.Errorf("a request of %d records, over MaxBatchLines", len(r.records))
					}
					if r.header.Get("Authorization") != "Bearer s3cr3t-token" || r.header.Get("X-Scope-OrgID") != "tenant" {
						t.Errorf("headers not sent: %v", r.header)
					}
					if (r.header.Get("Content-Encoding") == "gzip") != (comp == Gzip) {
						t.Errorf("Content-Encoding %q", r.header.Get("Content-Encoding"))
					}
				}
				if errs.all() != "" {
					t.Errorf("errors: %s", errs.all())
				}
			})
		}
	}
}

func TestOTLPRetries(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504, -1} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			rc := newReceiver(t, func(n int, _ *http.Request, _ []string) (int, map[string]string, string) {
				if n < 2 {
					return status, nil, "try later"
				}
				return 200, nil, ""
			})
			x, l, errs := startOTLP(t, rc.url(), OTLPOptions{MaxBatchLines: 1000})
			want := logN(l, 0, 10)
			s := closeOTLP(t, x)
			reqs, got := rc.snapshot()
			if !slices.Equal(got, want) {
				t.Fatalf("received %q", got)
			}
			if s.Written != 10 || s.Retries < 2 || s.Resent < 2 || s.Requests != uint64(len(reqs)) {
				t.Errorf("Stats = %+v", s)
			}
			if !strings.Contains(errs.all(), "retrying") {
				t.Errorf("retries not reported: %s", errs.all())
			}
		})
	}
}

func TestOTLPRetryAfter(t *testing.T) {
	rc := newReceiver(t, func(n int, _ *http.Request, _ []string) (int, map[string]string, string) {
		if n == 0 {
			return 503, map[string]string{"Retry-After": "1"}, ""
		}
		return 200, nil, ""
	})
	x, l, _ := startOTLP(t, rc.url(), OTLPOptions{})
	logN(l, 0, 1)
	s := closeOTLP(t, x)
	reqs, _ := rc.snapshot()
	if len(reqs) != 2 || s.Written != 1 {
		t.Fatalf("%d requests, Stats %+v", len(reqs), s)
	}
	// The backoff alone is at most 5ms here: the second second is the
	// server's.
	if gap := reqs[1].at.Sub(reqs[0].at); gap < time.Second {
		t.Errorf("retried after %v, Retry-After said 1s", gap)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "3": 3 * time.Second, " 120 ": 2 * time.Minute, "-1": 0, "soon": 0,
		"Mon, 07 Dec 2026 10:00:30 GMT": 30 * time.Second, "Mon, 07 Dec 2026 09:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestOTLPRefusals(t *testing.T) {
	const secret = "Bearer s3cr3t-token-123"
	rc := newReceiver(t, func(n int, r *http.Request, records []string) (int, map[string]string, string) {
		switch records[0] {
		case "bad":
			// A server that echoes the request's headers in its message.
			return 400, map[string]string{"Content-Type": "text/plain"}, "invalid: Authorization=" + r.Header.Get("Authorization") + "\x1b[31m"
		case "partial":
			return 200, map[string]string{"Content-Type": "application/json"}, `{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"two too old"}}`
		}
		return 200, nil, ""
	})
	x, l, errs := startOTLP(t, rc.url(), OTLPOptions{Encoding: OTLPJSON, MaxBatchLines: 1,
		Headers: map[string]string{"Authorization": secret}})
	for _, m := range []string{"bad", "ok", "partial", "ok"} {
		l.Info(m, slog.String(slogaudit.KeyEventType, "t"))
	}
	s := closeOTLP(t, x)
	reqs, got := rc.snapshot()
	// 400: refused, not retried; partial success: the rejected count fails.
	if s.Stats != (Stats{Written: 2, Failed: 2}) || s.Retries != 0 || len(reqs) != 4 {
		t.Errorf("Stats = %+v, received %q in %d requests", s, got, len(reqs))
	}
	e := errs.all()
	for _, want := range []string{"400 Bad Request: invalid: Authorization=[REDACTED]", "not retried", "1 of 1 lines rejected: two too old"} {
		if !strings.Contains(e, want) {
			t.Errorf("errors lack %q:\n%s", want, e)
		}
	}
	if strings.Contains(e, "s3cr3t") || strings.Contains(e, "\x1b") {
		t.Errorf("secret or control character in errors:\n%s", e)
	}
}

func TestOTLPSplitsOn413(t *testing.T) {
	rc := newReceiver(t, func(n int, _ *http.Request, records []string) (int, map[string]string, string) {
		if len(records) > 4 || slices.Contains(records, "huge") {
			return 413, nil, "too large"
		}
		return 200, nil, ""
	})
	x, l, errs := startOTLP(t, rc.url(), OTLPOptions{MaxBatchLines: 100, FlushInterval: 50 * time.Millisecond})
	var want []string
	for i := range 37 {
		m := fmt.Sprint(i)
		if i == 20 {
			m = "huge"
		} else {
			want = append(want, m)
		}
		l.Info(m, slog.String(slogaudit.KeyEventType, "t"))
	}
	s := closeOTLP(t, x)
	_, got := rc.snapshot()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("received %q", got)
	}
	if s.Written != 36 || s.Failed != 1 || s.Splits == 0 || s.Retries != 0 {
		t.Errorf("Stats = %+v", s)
	}
	if !strings.Contains(errs.all(), "one line of") {
		t.Errorf("the oversized line was not reported: %s", errs.all())
	}
}

func TestOTLPRefusesOtherLines(t *testing.T) {
	rc := newReceiver(t, nil)
	x, _, errs := startOTLP(t, rc.url(), OTLPOptions{})
	if _, err := x.Write([]byte(`{"timestamp":"x","body":"a JSON lines record"}` + "\n")); err != nil {
		t.Fatal(err)
	}
	if s := closeOTLP(t, x); s.Failed != 1 || s.Written != 0 {
		t.Errorf("Stats = %+v", s)
	}
	if !strings.Contains(errs.all(), "not an OTLP/JSON logs request") {
		t.Errorf("errors: %s", errs.all())
	}
}

// With the default policy an audit event waits for room up to BlockTimeout
// while the receiver is down, and nothing is lost once it is back.
func TestOTLPOutageLosesNoAuditEvent(t *testing.T) {
	var down sync.RWMutex
	down.Lock()
	rc := newReceiver(t, func(int, *http.Request, []string) (int, map[string]string, string) {
		if !down.TryRLock() {
			return 503, nil, ""
		}
		down.RUnlock()
		return 200, nil, ""
	})
	x, l, _ := startOTLP(t, rc.url(), OTLPOptions{MaxBatchLines: 10,
		Queue: AsyncOptions{MaxQueueLines: 20, BlockTimeout: 10 * time.Second}})
	done := make(chan []string)
	go func() { done <- logN(l, 0, 100) }()
	time.Sleep(100 * time.Millisecond)
	if s := x.Stats(); s.Written != 0 || s.Queued == 0 || s.Dropped != 0 {
		t.Errorf("during the outage: %+v", s)
	}
	down.Unlock()
	want := <-done
	s := closeOTLP(t, x)
	_, got := rc.snapshot()
	if !slices.Equal(got, want) || s.Written != 100 || s.Dropped != 0 {
		t.Errorf("received %d, Stats %+v", len(got), s)
	}
}

// Close gives up on a receiver that never recovers: what it could not send
// is dropped and counted, and every line is in exactly one counter.
func TestOTLPCloseGivesUp(t *testing.T) {
	rc := newReceiver(t, func(int, *http.Request, []string) (int, map[string]string, string) { return 503, nil, "" })
	x, l, _ := startOTLP(t, rc.url(), OTLPOptions{MaxBatchLines: 5})
	logN(l, 0, 12)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := x.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for x.Stats().Queued > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if s := x.Stats(); s.Stats != (Stats{Dropped: 12}) {
		t.Errorf("Stats = %+v", s)
	}
	if err := x.WriteRecord(slog.LevelInfo, true, []byte("{}")); !errors.Is(err, ErrClosed) {
		t.Errorf("write after Close = %v", err)
	}
}

func TestOTLPDoesNotFollowRedirects(t *testing.T) {
	other := newReceiver(t, nil)
	rc := newReceiver(t, func(int, *http.Request, []string) (int, map[string]string, string) {
		return 307, map[string]string{"Location": other.url() + "/v1/logs"}, ""
	})
	x, l, errs := startOTLP(t, rc.url(), OTLPOptions{Headers: map[string]string{"Authorization": "Bearer abcdefgh"}})
	logN(l, 0, 1)
	if s := closeOTLP(t, x); s.Failed != 1 {
		t.Errorf("Stats = %+v", s)
	}
	if reqs, _ := other.snapshot(); len(reqs) != 0 {
		t.Errorf("the batch followed the redirect")
	}
	if !strings.Contains(errs.all(), "307") {
		t.Errorf("errors: %s", errs.all())
	}
}

func TestOTLPIsNotDurable(t *testing.T) {
	rc := newReceiver(t, nil)
	x, _, _ := startOTLP(t, rc.url(), OTLPOptions{})
	if writer.Durable(x) || writer.Durable(NewMulti(x)) || !writer.Queues(x) || !writer.Queues(NewGuard(x, nil)) {
		t.Error("an OTLP exporter must not pass for durable, and must count as queueing")
	}
}

func TestNewOTLPValidates(t *testing.T) {
	jsonl := slogaudit.NewEncoder(nil)
	otlpEnc := slogaudit.NewEncoder(&slogaudit.Options{Format: slogaudit.FormatOTLPJSON})
	for _, tc := range []struct {
		name string
		o    OTLPOptions
		want []string
	}{
		{"empty", OTLPOptions{}, []string{"Endpoint: required", "Encoder: required"}},
		{"JSONL encoder", OTLPOptions{Endpoint: "http://h:4318", Encoder: jsonl}, []string{"Encoder: format"}},
		{"scheme", OTLPOptions{Endpoint: "ftp://h", Encoder: otlpEnc}, []string{"Endpoint: scheme"}},
		{"credentials", OTLPOptions{Endpoint: "http://u:pw@h", Encoder: otlpEnc}, []string{"credentials in the URL"}},
		{"no host", OTLPOptions{Endpoint: "http:///v1/logs", Encoder: otlpEnc}, []string{"no host"}},
		{"headers", OTLPOptions{Endpoint: "http://h", Encoder: otlpEnc, Headers: map[string]string{"Bad Name": "x", "X-Ok": "a\r\nInjected: yes-secret", "content-type": "text/plain", "X-Ctl": "abc\x01defgh"}},
			[]string{`invalid header name "Bad Name"`, `value of "X-Ok" holds a control character`, `value of "X-Ctl" holds a control character`, "Content-Type is set by the exporter"}},
		{"numbers", OTLPOptions{Endpoint: "http://h", Encoder: otlpEnc, MaxBatchBytes: MaxRequestBytes + 1, MaxBatchLines: -1, Timeout: -1, InitialBackoff: time.Minute},
			[]string{"MaxBatchBytes: 20971521 is over", "MaxBatchLines: negative", "Timeout: negative", "MaxBackoff: 30s is below InitialBackoff 1m0s"}},
		{"queue encoder", OTLPOptions{Endpoint: "http://h", Encoder: otlpEnc, Queue: AsyncOptions{Encoder: jsonl}}, []string{"Queue.Encoder"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, err := NewOTLP(&tc.o)
			if err == nil {
				_ = x.Close(context.Background())
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("a header value leaked into the error: %v", err)
			}
		})
	}
	for endpoint, want := range map[string]string{
		"http://h:4318": "http://h:4318/v1/logs", "http://h:4318/": "http://h:4318/v1/logs",
		"https://vl:9428/insert/opentelemetry": "https://vl:9428/insert/opentelemetry/v1/logs",
		"http://h/custom/v1/logs":              "http://h/custom/v1/logs",
	} {
		e, err := newExporter(&OTLPOptions{Endpoint: endpoint, Encoder: otlpEnc})
		if err != nil || e.url != want {
			t.Errorf("%s: %v, url %q, want %q", endpoint, err, e.url, want)
		}
	}
}

// A receiver that accepts the connection and never answers is cut by
// Timeout, and the batch is retried.
func TestOTLPTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	x, l, errs := startOTLP(t, "http://"+ln.Addr().String(), OTLPOptions{Timeout: 50 * time.Millisecond})
	logN(l, 0, 1)
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_ = x.Close(ctx)
	if s := x.Stats(); s.Retries == 0 || s.Written != 0 {
		t.Errorf("Stats = %+v", s)
	}
	if !strings.Contains(errs.all(), "deadline exceeded") {
		t.Errorf("errors: %s", errs.all())
	}
}

func TestTooLarge(t *testing.T) {
	for _, tc := range []struct {
		a    answer
		want bool
	}{
		{answer{status: 413}, true},
		{answer{status: 400, message: "http: request body too large"}, true}, // the Collector's v0.161 answer
		{answer{status: 400, message: "invalid protobuf"}, false},
		{answer{status: 500, message: "request body too large"}, false},
	} {
		if got := tooLarge(tc.a); got != tc.want {
			t.Errorf("tooLarge(%+v) = %v", tc.a, got)
		}
	}
}

// https endpoints: the TLS config's roots are used; without them the
// server's certificate is refused (and retried: it may be fixed).
func TestOTLPTLS(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/logs" {
			got.Add(1)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	x, l, _ := startOTLP(t, srv.URL, OTLPOptions{TLS: srv.Client().Transport.(*http.Transport).TLSClientConfig})
	logN(l, 0, 3)
	if s := closeOTLP(t, x); s.Written != 3 || got.Load() == 0 {
		t.Errorf("with the server's roots: Stats %+v, %d requests", s, got.Load())
	}
	x, l, errs := startOTLP(t, srv.URL, OTLPOptions{})
	logN(l, 0, 1)
	for deadline := time.Now().Add(10 * time.Second); errs.all() == "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // a loaded machine may take a while to refuse the handshake
	}
	if s := giveUp(t, x); s.Written != 0 || s.Dropped != 1 {
		t.Errorf("with the system roots: Stats %+v", s)
	}
	if !strings.Contains(errs.all(), "certificate") {
		t.Errorf("errors: %s", errs.all())
	}
}
