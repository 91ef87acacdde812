package auditsink

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/secaudit/auditkit/internal/otlp"
	"github.com/secaudit/auditkit/internal/writer"
)

// exporter is the OTLP writer's batch sink: it turns a batch of lines into
// requests and follows the OTLP/HTTP specification's answers. Only the
// queue's worker calls it.
type exporter struct {
	url        string
	protobuf   bool
	gzip       bool
	header     http.Header
	secrets    []string // header values, masked in server messages
	client     *http.Client
	timeout    time.Duration
	initial    time.Duration
	maxBackoff time.Duration
	errs       writer.ErrorSink

	batch *otlp.Batch
	body  []byte
	zbuf  bytes.Buffer
	zw    *gzip.Writer
	counters
}

const (
	// maxRetryAfter caps a server's Retry-After, so that a broken or hostile
	// answer cannot park the exporter for days.
	maxRetryAfter = 5 * time.Minute
	// maxAnswer is how much of an answer's body is read; the rest is
	// discarded (up to maxDrain, so the connection can be reused).
	maxAnswer = 64 << 10
	maxDrain  = 1 << 20
	// maxMessage is how much of a server's message goes into an error.
	maxMessage = 512
)

func newExporter(o *OTLPOptions) (*exporter, error) {
	u, err := o.validate()
	if err != nil {
		return nil, err
	}
	e := &exporter{
		url:        u.String(),
		protobuf:   o.Encoding == OTLPProtobuf,
		gzip:       o.Compression == Gzip,
		header:     make(http.Header, len(o.Headers)+2),
		timeout:    o.Timeout,
		initial:    o.InitialBackoff,
		maxBackoff: o.MaxBackoff,
		errs:       writer.ErrorSink{Fn: o.Encoder.Options().OnError},
	}
	for name, value := range o.Headers {
		e.header.Set(name, value)
		e.secrets = append(e.secrets, secretParts(value)...)
	}
	e.header.Set("Content-Type", "application/json")
	if e.protobuf {
		e.header.Set("Content-Type", "application/x-protobuf")
	}
	if e.gzip {
		e.header.Set("Content-Encoding", "gzip")
		e.zw, _ = gzip.NewWriterLevel(&e.zbuf, gzip.BestSpeed)
	}
	if e.header.Get("User-Agent") == "" {
		e.header.Set("User-Agent", "auditkit-otlp/1")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = o.TLS.Clone()
	tr.MaxIdleConnsPerHost = 2
	e.client = &http.Client{
		Transport: tr,
		// A redirect would carry the batch, and the headers, elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	e.batch = otlp.NewBatch(e.protobuf)
	return e, nil
}

// secretParts returns what of a header value must not be shown: the value,
// and each of its words long enough to be a credential ("Bearer <token>").
func secretParts(v string) []string {
	if len(v) < 4 { // masking "a" would mask every a (documented)
		return nil
	}
	parts := []string{v}
	for _, f := range strings.Fields(v) {
		if len(f) >= 8 && f != v {
			parts = append(parts, f)
		}
	}
	return parts
}

// writeBatch sends batch, splitting it on 413 and retrying it on transient
// failures until it is delivered or ctx ends.
func (e *exporter) writeBatch(ctx context.Context, batch []entry) (r batchResult) {
	b := e.batch
	b.Reset()
	defer b.Reset() // drop the spans of lines the queue will recycle
	for i := range batch {
		if err := b.Add(*batch[i].buf); err != nil {
			r.failed++
			e.errs.Report(fmt.Errorf("auditsink: OTLP: line refused: %w", err))
		}
	}
	e.send(ctx, 0, b.Lines(), &r)
	return r
}

// send delivers lines [from, to) of the batch and counts them in r.
func (e *exporter) send(ctx context.Context, from, to int, r *batchResult) {
	n := uint64(to - from)
	if n == 0 {
		return
	}
	body, err := e.encode(from, to)
	if err != nil {
		r.failed += n
		e.errs.Report(fmt.Errorf("auditsink: OTLP: batch refused: %w", err))
		return
	}
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			r.late += n
			return
		}
		if attempt > 0 {
			e.retries.Add(1)
			e.resent.Add(n)
		}
		e.requests.Add(1)
		a := e.post(ctx, body)
		switch {
		case a.err == nil && a.status/100 == 2:
			rejected := min(uint64(max(a.rejected, 0)), n)
			r.written += n - rejected
			r.failed += rejected
			if rejected > 0 || a.message != "" {
				e.errs.Report(fmt.Errorf("auditsink: OTLP export to %s: partial success: %d of %d lines rejected: %s",
					e.url, rejected, n, e.clean(a.message)))
			}
			return
		case a.err == nil && tooLarge(a):
			if n > 1 { // halves as new requests, not retries
				e.splits.Add(1)
				mid := from + (to-from)/2
				e.send(ctx, from, mid, r)
				e.send(ctx, mid, to, r)
				return
			}
			r.failed++
			e.errs.Report(fmt.Errorf("auditsink: OTLP export to %s: %d: one line of %d bytes is over the receiver's limit: %s",
				e.url, a.status, len(body), e.clean(a.message)))
			return
		case a.err != nil && ctx.Err() != nil:
			r.late += n
			return
		case a.err != nil || retryable(a.status):
			wait := e.backoff(attempt)
			if a.retryAfter > 0 {
				wait = min(a.retryAfter, maxRetryAfter)
			}
			e.errs.Report(fmt.Errorf("auditsink: OTLP export to %s: %s (%d lines, retrying in %v)",
				e.url, e.describe(a), n, wait.Round(time.Millisecond)))
			if !sleep(ctx, wait) {
				r.late += n
				return
			}
		default:
			r.failed += n
			e.errs.Report(fmt.Errorf("auditsink: OTLP export to %s: %s (%d lines refused, not retried)",
				e.url, e.describe(a), n))
			return
		}
	}
}

// tooLarge reports whether the receiver refused the body for its size: a
// 413, or the 400 with Go's "http: request body too large" that the
// Collector's OTLP receiver (v0.161) sends instead.
func tooLarge(a answer) bool {
	return a.status == http.StatusRequestEntityTooLarge ||
		a.status == http.StatusBadRequest && strings.Contains(a.message, "request body too large")
}

// retryable reports whether the specification allows retrying an answer.
func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is the wait before retry attempt+1: exponential, capped, with
// jitter over its upper half so that exporters restarted together spread.
func (e *exporter) backoff(attempt int) time.Duration {
	d := e.initial
	for ; attempt > 0 && d < e.maxBackoff; attempt-- {
		d *= 2 // stops at the cap: no overflow however long the outage
	}
	d = min(d, e.maxBackoff)
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// encode returns the request body for lines [from, to), compressed if asked.
func (e *exporter) encode(from, to int) ([]byte, error) {
	var err error
	if e.body, err = e.batch.Append(e.body[:0], from, to); err != nil {
		return nil, err
	}
	if !e.gzip {
		return e.body, nil
	}
	e.zbuf.Reset()
	e.zw.Reset(&e.zbuf)
	if _, err := e.zw.Write(e.body); err != nil {
		return nil, err
	}
	if err := e.zw.Close(); err != nil {
		return nil, err
	}
	return e.zbuf.Bytes(), nil
}

// answer is what became of one request.
type answer struct {
	err        error // the request failed before an answer
	status     int
	retryAfter time.Duration
	rejected   int64
	message    string
}

// post makes one request and reads its answer.
func (e *exporter) post(ctx context.Context, body []byte) answer {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	req.Header = e.header
	resp, err := e.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text repeats the URL
			err = ue.Err
		}
		return answer{err: err}
	}
	defer resp.Body.Close()
	// The status decides; a body cut short only loses the server's message.
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	a := answer{status: resp.StatusCode}
	ct := resp.Header.Get("Content-Type")
	protobuf := strings.HasPrefix(ct, "application/x-protobuf")
	switch {
	case resp.StatusCode/100 == 2:
		if protobuf || strings.HasPrefix(ct, "application/json") {
			s := otlp.ParseSuccess(data, protobuf)
			a.rejected, a.message = s.Rejected, s.Message
		}
	case protobuf || strings.HasPrefix(ct, "application/json"):
		a.message = otlp.ParseStatus(data, protobuf)
	default:
		a.message = string(e.cutSecret(data))
	}
	if retryable(resp.StatusCode) {
		a.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return a
}

// parseRetryAfter reads Retry-After: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32); err == nil {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// describe says what an answer was, for an error.
func (e *exporter) describe(a answer) string {
	if a.err != nil { // transport errors quote the server's malformed lines
		return e.clean(a.err.Error())
	}
	s := strconv.Itoa(a.status) + " " + http.StatusText(a.status)
	if m := e.clean(a.message); m != "" {
		s += ": " + m
	}
	return s
}

// cutSecret removes from the end of an answer cut at maxAnswer a prefix of
// a secret that the cut split, which masking would not recognise.
func (e *exporter) cutSecret(data []byte) []byte {
	if len(data) < maxAnswer {
		return data
	}
	for _, s := range e.secrets {
		for k := min(len(s)-1, len(data)); k > 0; k-- {
			if bytes.HasSuffix(data, []byte(s[:k])) {
				return data[:len(data)-k]
			}
		}
	}
	return data
}

// clean makes a server's message safe to show: header values masked (a
// server may echo the request), control characters replaced, length cut.
func (e *exporter) clean(m string) string {
	for _, s := range e.secrets {
		if s != "" {
			m = strings.ReplaceAll(m, s, "[REDACTED]")
		}
	}
	m = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(m, "\uFFFD"))
	m = strings.TrimSpace(m)
	if len(m) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(m[cut]) {
			cut--
		}
		m = m[:cut] + "…"
	}
	return m
}
