package auditsink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/secaudit/auditkit/slogaudit"
)

// OTLPEncoding is the body format of the exporter's requests.
type OTLPEncoding int

const (
	// OTLPProtobuf sends application/x-protobuf, transcoded from the
	// handler's OTLP/JSON line (the default; the only one VictoriaLogs takes).
	OTLPProtobuf OTLPEncoding = iota
	// OTLPJSON sends application/json: the handler's lines, batched.
	OTLPJSON
)

// Compression is the Content-Encoding of the exporter's requests.
type Compression int

const (
	// Gzip compresses request bodies (the default, as the Collector's own
	// otlphttp exporter does).
	Gzip Compression = iota
	// NoCompression sends bodies as they are.
	NoCompression
)

// Defaults of OTLPOptions.
const (
	DefaultOTLPTimeout    = 10 * time.Second // the OTel SDK's exporter timeout
	DefaultMaxBatchLines  = 512              // the OTel SDK's batch size
	DefaultMaxBatchBytes  = 4 << 20
	DefaultFlushInterval  = time.Second // the OTel SDK's export interval
	DefaultInitialBackoff = time.Second
	DefaultMaxBackoff     = 30 * time.Second // the OTel SDK's retry cap

	// MaxRequestBytes is the largest MaxBatchBytes: the Collector's OTLP
	// receiver refuses bodies over 20 MiB by default.
	MaxRequestBytes = 20 << 20
)

// OTLPOptions configure an OTLP exporter. Endpoint and an Encoder in
// FormatOTLPJSON are required; every other zero field means its default.
type OTLPOptions struct {
	// Endpoint is the receiver's base URL, http or https: requests go to
	// Endpoint + "/v1/logs" ("http://collector:4318"), or to Endpoint itself
	// when it already ends in /v1/logs. VictoriaLogs takes OTLP at
	// "http://host:9428/insert/opentelemetry".
	Endpoint string
	// Encoding is the body format; the zero value is OTLPProtobuf.
	Encoding OTLPEncoding
	// Compression is the body's Content-Encoding; the zero value is Gzip.
	Compression Compression
	// Headers are sent with every request (Authorization, a tenant id).
	// Their values never appear in errors: a server message that echoes
	// one is masked (values shorter than 4 bytes, which cannot be secrets,
	// are not).
	Headers map[string]string
	// TLS configures https endpoints (a private CA, client certificates);
	// nil means the system's roots. It is cloned.
	TLS *tls.Config
	// Timeout bounds each request, the answer included; zero means
	// DefaultOTLPTimeout.
	Timeout time.Duration
	// MaxBatchLines and MaxBatchBytes bound one request: lines, and the
	// bytes of the lines as the handler wrote them (a protobuf body is
	// smaller). Zero means DefaultMaxBatchLines and DefaultMaxBatchBytes;
	// MaxBatchBytes may not exceed MaxRequestBytes. A single line longer
	// than MaxBatchBytes is sent alone.
	MaxBatchLines int
	MaxBatchBytes int
	// FlushInterval is how long a partial batch may wait for more lines;
	// zero means DefaultFlushInterval. The first line after a quiet spell is
	// sent at once.
	FlushInterval time.Duration
	// InitialBackoff and MaxBackoff shape the waits between retries:
	// exponential from InitialBackoff, with jitter, capped at MaxBackoff.
	// Zero means DefaultInitialBackoff and DefaultMaxBackoff. Retries go on
	// until the request is delivered or Close gives up: the queue in front
	// (Queue) decides what happens to new lines meanwhile.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// Queue configures the queue in front of the exporter, as for Async:
	// audit events block up to a deadline by default, other records are
	// dropped when it is full. Its Encoder must be nil or Encoder.
	Queue AsyncOptions
	// Encoder is the handler's line format, which must be
	// slogaudit.FormatOTLPJSON (the OTLP/JSON line keeps value types). It
	// also writes the exporter's own events, and its OnError receives the
	// exporter's errors.
	Encoder *slogaudit.Encoder
}

// OTLPStats are an OTLP exporter's counters. Every line ends in exactly one
// of Written (the receiver accepted it), Dropped (the queue policy, or Close
// giving up), Failed (refused: a 4xx other than 429, a partial success's
// rejected records, a line that is not OTLP/JSON) or Queued (waiting, or in
// a request that is being sent or retried).
type OTLPStats struct {
	Stats
	// Requests is the number of HTTP requests made, retries included.
	Requests uint64
	// Retries is the number of requests repeated after a retryable answer
	// (429, 502, 503, 504) or a dropped connection.
	Retries uint64
	// Resent is the number of lines in those repeated requests: the
	// receiver may have kept some of them the first time (a connection that
	// dropped after the request arrived), so it holds between Written and
	// Written+Resent lines.
	Resent uint64
	// Splits is the number of batches split in two after a 413.
	Splits uint64
}

// OTLP is an OTLP/HTTP log exporter: a queue in front of a goroutine that
// sends the handler's lines in batches to a Collector or a log database,
// following the OTLP/HTTP specification's retry rules. It is buffered by
// nature: a nil error from WriteRecord means the line is queued, not
// delivered, so it does not declare slogaudit.Durable and httpaudit's
// FailClosed refuses it. It is safe for concurrent use.
type OTLP struct {
	q   *Async
	exp *exporter
}

var (
	_ slogaudit.RecordWriter = (*OTLP)(nil)
	_ slogaudit.Durable      = (*OTLP)(nil)
)

// NewOTLP validates opts and starts an exporter. Call Close to drain it.
func NewOTLP(opts *OTLPOptions) (*OTLP, error) {
	var o OTLPOptions
	if opts != nil {
		o = *opts
	}
	exp, err := newExporter(&o)
	if err != nil {
		return nil, err
	}
	q := o.Queue
	q.Encoder = o.Encoder
	x := &OTLP{exp: exp}
	x.q = newAsync(nil, &q, exp, o.MaxBatchLines, o.MaxBatchBytes, o.FlushInterval)
	return x, nil
}

// validate applies the defaults and returns every problem of o, each
// naming its field.
func (o *OTLPOptions) validate() (*url.URL, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("auditsink: OTLPOptions.%s: "+format, append([]any{field}, args...)...))
	}
	u, err := url.Parse(o.Endpoint)
	switch {
	case o.Endpoint == "":
		bad("Endpoint", "required")
	case err != nil:
		bad("Endpoint", "%v", errors.Unwrap(err))
	case u.Scheme != "http" && u.Scheme != "https":
		bad("Endpoint", "scheme %q: want http or https", u.Scheme)
	case u.Host == "":
		bad("Endpoint", "no host")
	case u.User != nil:
		bad("Endpoint", "credentials in the URL: use Headers")
	case u.RawQuery != "" || u.Fragment != "":
		bad("Endpoint", "query or fragment not allowed")
	}
	if o.Encoder == nil {
		bad("Encoder", "required (the handler's, in FormatOTLPJSON)")
	} else if o.Encoder.Format() != slogaudit.FormatOTLPJSON {
		bad("Encoder", "format %v: the exporter needs slogaudit.FormatOTLPJSON", o.Encoder.Format())
	}
	if o.Queue.Encoder != nil && o.Queue.Encoder != o.Encoder {
		bad("Queue.Encoder", "must be nil or the same as Encoder")
	}
	if o.Encoding != OTLPProtobuf && o.Encoding != OTLPJSON {
		bad("Encoding", "unknown encoding %d", o.Encoding)
	}
	if o.Compression != Gzip && o.Compression != NoCompression {
		bad("Compression", "unknown compression %d", o.Compression)
	}
	for name, value := range o.Headers {
		if !validHeaderName(name) {
			bad("Headers", "invalid header name %q", name)
		}
		if !validHeaderValue(value) {
			bad("Headers", "value of %q holds a control character", name) // never the value
		}
		switch http.CanonicalHeaderKey(name) {
		case "Content-Type", "Content-Encoding", "Content-Length", "Host":
			bad("Headers", "%s is set by the exporter", http.CanonicalHeaderKey(name))
		}
	}
	for _, d := range []struct {
		field string
		v     *time.Duration
		def   time.Duration
	}{
		{"Timeout", &o.Timeout, DefaultOTLPTimeout},
		{"FlushInterval", &o.FlushInterval, DefaultFlushInterval},
		{"InitialBackoff", &o.InitialBackoff, DefaultInitialBackoff},
		{"MaxBackoff", &o.MaxBackoff, DefaultMaxBackoff},
	} {
		switch {
		case *d.v < 0:
			bad(d.field, "negative duration %v", *d.v)
		case *d.v == 0:
			*d.v = d.def
		}
	}
	if o.MaxBackoff < o.InitialBackoff {
		bad("MaxBackoff", "%v is below InitialBackoff %v", o.MaxBackoff, o.InitialBackoff)
	}
	switch {
	case o.MaxBatchLines < 0:
		bad("MaxBatchLines", "negative")
	case o.MaxBatchLines == 0:
		o.MaxBatchLines = DefaultMaxBatchLines
	}
	switch {
	case o.MaxBatchBytes < 0:
		bad("MaxBatchBytes", "negative")
	case o.MaxBatchBytes > MaxRequestBytes:
		bad("MaxBatchBytes", "%d is over MaxRequestBytes (%d)", o.MaxBatchBytes, MaxRequestBytes)
	case o.MaxBatchBytes == 0:
		o.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(u.Path, "/v1/logs") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/logs"
	}
	return u, nil
}

// validHeaderValue reports whether v is a valid HTTP field value: no
// control characters but tab (RFC 9110, section 5.5).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// validHeaderName reports whether name is an HTTP token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// WriteRecord queues line, one record in the handler's OTLP/JSON format. It
// returns ErrDropped when the queue policy discarded it and ErrClosed after
// Close; delivery errors go to the Encoder's OnError and to Stats.
func (x *OTLP) WriteRecord(level slog.Level, audit bool, line []byte) error {
	return x.q.WriteRecord(level, audit, line)
}

// Write queues p as an audit event at level Info.
func (x *OTLP) Write(p []byte) (int, error) { return x.q.Write(p) }

// Durable reports false: a nil error means the line is queued, not
// delivered.
func (x *OTLP) Durable() bool { return false }

// Stats returns the counters.
func (x *OTLP) Stats() OTLPStats {
	return OTLPStats{
		Stats:    x.q.Stats(),
		Requests: x.exp.requests.Load(),
		Retries:  x.exp.retries.Load(),
		Resent:   x.exp.resent.Load(),
		Splits:   x.exp.splits.Load(),
	}
}

// Close stops accepting lines and sends what is queued, retrying as usual,
// until the queue is empty or ctx is done; then what is left (including a
// request being retried) is dropped, counted, and ctx.Err() returned. Close
// is idempotent.
func (x *OTLP) Close(ctx context.Context) error {
	err := x.q.Close(ctx)
	if err != nil {
		// Giving up cancelled the request or the wait in progress: the
		// worker counts its lines Dropped and exits at once, so Stats is
		// final when Close returns.
		select {
		case <-x.q.exited:
		case <-time.After(closeGrace):
		}
	}
	x.exp.client.CloseIdleConnections()
	return err
}

// closeGrace bounds how long Close waits for the worker after giving up; a
// cancelled request returns well within it.
const closeGrace = 5 * time.Second

// counters of the exporter, read by Stats while the worker sends.
type counters struct {
	requests, retries, resent, splits atomic.Uint64
}
