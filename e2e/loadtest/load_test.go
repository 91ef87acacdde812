package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secaudit/auditkit/auditchain"
	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

const (
	defaultDuration = 30 * time.Second
	defaultWorkers  = 32
	// sliceLength is the length of one alternation of the phases.
	sliceLength = 5 * time.Second
	serviceName = "auditkit-loadtest"
)

// TestAuditUnderLoad runs the same load against the server with audit on
// (every request through httpaudit → slogaudit → auditsink.Async → signed
// auditsink.Chain → file) and with audit off, one phase after the other.
func TestAuditUnderLoad(t *testing.T) {
	dur := envDuration(t, "LOADTEST_DURATION", defaultDuration)
	workers := envInt(t, "LOADTEST_WORKERS", defaultWorkers)
	if dl, ok := t.Deadline(); ok && time.Until(dl) < 2*dur+time.Minute {
		t.Fatalf("LOADTEST_DURATION %v needs a -timeout above %v", dur, 2*dur+time.Minute)
	}

	path := filepath.Join(t.TempDir(), "audit.jsonl")
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	errs := &firstError{}
	// One configuration for the handler and the writers' own events.
	enc := slogaudit.NewEncoder(&slogaudit.Options{ServiceName: serviceName, OnError: errs.set})
	chain, err := auditchain.OpenChain(path, nil, &auditchain.ChainOptions{SigningKey: priv, Encoder: enc})
	if err != nil {
		t.Fatal(err)
	}
	// Default queue and policies, as an application would start with.
	async := auditsink.NewAsync(chain, &auditsink.AsyncOptions{Encoder: enc})
	logger := slog.New(enc.NewHandler(async))

	a := newApp()
	audited, err := a.audited(logger)
	if err != nil {
		t.Fatal(err)
	}

	// The phases alternate in slices of about sliceLength (on, off, off,
	// on, ...), so that a neighbour's burst of CPU use on a shared machine
	// does not land on one phase only; each phase gets dur in total.
	on := startTarget(t, "audit on", audited, workers)
	off := startTarget(t, "audit off", a.plain(), workers)
	rounds := max(1, int(dur/sliceLength))
	for r := range rounds {
		first, second := on, off
		if r%2 == 1 {
			first, second = off, on
		}
		first.drive(dur/time.Duration(rounds), workers)
		second.drive(dur/time.Duration(rounds), workers)
	}
	on.stop(t)
	off.stop(t)

	// Drain and seal the trail before anything is counted.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := async.Close(ctx); err != nil {
		t.Errorf("Async.Close: %v", err)
	}
	if err := chain.Close(); err != nil {
		t.Errorf("Chain.Close: %v", err)
	}
	stats := async.Stats()

	for _, r := range []*phase{&on.phase, &off.phase} {
		if r.failed != 0 {
			t.Errorf("%s: %d of %d requests failed; first: %v", r.name, r.failed, r.failed+r.served(), r.firstErr)
		}
		if r.served() == 0 {
			t.Errorf("%s: no request served", r.name)
		}
	}
	if err := errs.get(); err != nil {
		t.Errorf("delivery error: %v", err)
	}

	// The chain is verified while the lines are counted.
	checkStart := time.Now()
	type verified struct {
		rep *auditchain.Report
		err error
	}
	verifyDone := make(chan verified, 1)
	go func() {
		rep, err := auditchain.Verify([]string{path}, &auditchain.VerifyOptions{PublicKey: pub})
		verifyDone <- verified{rep, err}
	}()
	trail := readTrail(t, path)
	t.Logf("audit file: %d lines (%d segment headers, %d self-audit), %.1f MB",
		trail.lines, trail.headers, trail.self, float64(trail.bytes)/1e6)
	if trail.audited != on.served() {
		t.Errorf("%d request lines in the file, %d requests served with audit on", trail.audited, on.served())
	}
	if trail.self != 0 {
		t.Errorf("%d self-audit events (drops or disk errors) in the trail", trail.self)
	}
	for status, n := range on.byStatus {
		event := httpaudit.EventSuccess
		if status >= 400 {
			event = httpaudit.EventClientError
		}
		if got := trail.byStatus[statusEvent{status, event}]; got != n {
			t.Errorf("status %d: %d %s lines, %d responses", status, got, event, n)
		}
	}
	if trail.duplicateIDs != 0 {
		t.Errorf("%d request ids appear more than once", trail.duplicateIDs)
	}

	if stats.Dropped != 0 || stats.Failed != 0 || stats.Queued != 0 || stats.Written != uint64(trail.audited) {
		t.Errorf("Async stats %+v: want 0 dropped, failed and queued and %d written", stats, trail.audited)
	}

	v := <-verifyDone
	t.Logf("file checked and verified in %v", time.Since(checkStart).Round(time.Millisecond))
	switch rep := v.rep; {
	case v.err != nil:
		t.Errorf("Verify: %v", v.err)
	case !rep.OK():
		t.Errorf("Verify: tampered: %+v", *rep.Tampered)
	default:
		t.Logf("chain verifies: %d lines, %d segments, %d signed checkpoints, notes %v",
			rep.Lines, rep.Segments, rep.Checkpoints, rep.Notes)
		if rep.Lines != trail.lines || rep.Checkpoints == 0 {
			t.Errorf("Verify covered %d lines with %d checkpoints; the file has %d lines", rep.Lines, rep.Checkpoints, trail.lines)
		}
	}

	table := report(&on.phase, &off.phase, dur, rounds, workers)
	t.Log("\n" + table)
	if p := os.Getenv("LOADTEST_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(table), 0o644); err != nil {
			t.Errorf("LOADTEST_REPORT: %v", err)
		}
	}
}

// phase is the outcome of one load run.
type phase struct {
	name     string
	elapsed  time.Duration
	lat      []time.Duration // every successful request, sorted
	byStatus map[int]int
	failed   int
	firstErr error
}

func (p *phase) served() int { return len(p.lat) }

// request kinds, in the proportions the load generator cycles through.
type kind struct {
	method, path string // path gets a number appended
	body         bool
	status       int
}

var kinds = [...]kind{
	{http.MethodGet, "/invoices/inv-", false, http.StatusOK},
	{http.MethodGet, "/invoices/inv-", false, http.StatusOK},
	{http.MethodGet, "/invoices/inv-", false, http.StatusOK},
	{http.MethodGet, "/invoices/inv-", false, http.StatusOK},
	{http.MethodGet, "/invoices/inv-", false, http.StatusOK},
	{http.MethodPut, "/invoices/inv-", true, http.StatusOK},
	{http.MethodPut, "/invoices/inv-", true, http.StatusOK},
	{http.MethodGet, "/nowhere/", false, http.StatusNotFound},
	{http.MethodGet, "/healthz", false, http.StatusOK},
}

// target is a server under test on a loopback listener, with the keep-alive
// client that drives it and the results so far.
type target struct {
	phase
	srv      *http.Server
	serveErr chan error
	tr       *http.Transport
	client   *http.Client
	base     string
}

// startTarget serves h on a fresh loopback listener.
func startTarget(t *testing.T, name string, h http.Handler, workers int) *target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tg := &target{
		phase:    phase{name: name, byStatus: map[int]int{}},
		srv:      &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		serveErr: make(chan error, 1),
		tr: &http.Transport{
			MaxIdleConns:        workers,
			MaxIdleConnsPerHost: workers,
			MaxConnsPerHost:     workers,
			DisableCompression:  true,
		},
		base: "http://" + ln.Addr().String(),
	}
	tg.client = &http.Client{Transport: tg.tr, Timeout: 30 * time.Second}
	go func() { tg.serveErr <- tg.srv.Serve(ln) }()
	return tg
}

// stop shuts the server down and sorts the latencies.
func (tg *target) stop(t *testing.T) {
	t.Helper()
	tg.tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tg.srv.Shutdown(ctx); err != nil {
		t.Errorf("%s: Shutdown: %v", tg.name, err)
	}
	if err := <-tg.serveErr; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("%s: Serve: %v", tg.name, err)
	}
	slices.Sort(tg.lat)
	t.Logf("%s: %d requests in %v (%d failed)", tg.name, tg.served(), tg.elapsed.Round(time.Millisecond), tg.failed)
}

// drive runs workers keep-alive clients against the target for dur. A
// request fails when it errors or its status is not the one its kind
// expects.
func (tg *target) drive(dur time.Duration, workers int) {
	type result struct {
		lat      []time.Duration
		byStatus map[int]int
		failed   int
		firstErr error
	}
	results := make([]result, workers)
	runtime.GC() // start every slice from a collected heap
	start := time.Now()
	stop := start.Add(dur)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[w]
			res.lat = make([]time.Duration, 0, 1<<12)
			res.byStatus = map[int]int{}
			token := "Bearer user-" + strconv.Itoa(w)
			for i := w; time.Now().Before(stop); i++ {
				k := kinds[i%len(kinds)]
				status, d, err := do(tg.client, tg.base, token, k, i)
				if err == nil && status != k.status {
					err = fmt.Errorf("%s %s: status %d, want %d", k.method, k.path, status, k.status)
				}
				if err != nil {
					res.failed++
					if res.firstErr == nil {
						res.firstErr = err
					}
					continue
				}
				res.lat = append(res.lat, d)
				res.byStatus[status]++
			}
		}()
	}
	wg.Wait()
	tg.elapsed += time.Since(start)
	for _, r := range results {
		tg.lat = append(tg.lat, r.lat...)
		for s, n := range r.byStatus {
			tg.byStatus[s] += n
		}
		tg.failed += r.failed
		if tg.firstErr == nil {
			tg.firstErr = r.firstErr
		}
	}
}

// do sends one request of kind k and reads the whole response.
func do(client *http.Client, base, token string, k kind, i int) (status int, d time.Duration, err error) {
	url := base + k.path
	if k.path != "/healthz" {
		url += strconv.Itoa(i % 1000)
	}
	var body io.Reader
	if k.body {
		body = strings.NewReader(`{"amount":` + strconv.Itoa(i) + `,"status":"paid"}`)
	}
	req, err := http.NewRequest(k.method, url, body)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", token)
	if k.body {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	return resp.StatusCode, time.Since(start), err
}

// statusEvent counts request lines by status and event type.
type statusEvent struct {
	status int
	event  string
}

// trail is what the audit file holds.
type trail struct {
	lines, headers, self, audited int
	bytes                         int64
	byStatus                      map[statusEvent]int
	duplicateIDs                  int
	bad                           []string // request lines that lack fields, the first few
}

// chunk is a run of whole lines of the audit file; first is the number of
// the line before it.
type chunk struct {
	data  []byte
	first int
}

// readTrail reads the audit file and classifies its lines by event_type:
// the chain's segment headers, the delivery writers' self-audit events
// (audit.delivery.*), and the request events, which must be this test's.
// Every line is decoded as JSON; the file is split into chunks of whole lines
// that GOMAXPROCS goroutines decode, since a 30 s run writes hundreds of
// megabytes.
func readTrail(t *testing.T, path string) trail {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	chunks := make(chan chunk, 4)
	readErr := make(chan error, 1)
	go func() {
		defer close(chunks)
		r := bufio.NewReaderSize(f, 1<<20)
		lines := 0
		for {
			data := make([]byte, 1<<20)
			n, err := io.ReadFull(r, data)
			data = data[:n]
			if err == nil { // complete the last line
				rest, rerr := r.ReadBytes('\n')
				data = append(data, rest...)
				if rerr != nil && rerr != io.EOF {
					readErr <- rerr
					return
				}
			}
			if len(data) > 0 {
				chunks <- chunk{data, lines}
				lines += bytes.Count(data, []byte{'\n'})
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				readErr <- nil
				return
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()

	parts := make([]trail, runtime.GOMAXPROCS(0))
	ids := make([][][16]byte, len(parts))
	var wg sync.WaitGroup
	for i := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			part := &parts[i]
			part.byStatus = map[statusEvent]int{}
			for c := range chunks {
				data, n := c.data, c.first
				for len(data) > 0 {
					var l []byte
					l, data, _ = bytes.Cut(data, []byte{'\n'})
					n++
					id, err := part.add(l, n)
					if err != nil {
						part.bad = append(part.bad, err.Error())
					}
					if id != nil {
						ids[i] = append(ids[i], *id)
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := <-readErr; err != nil {
		t.Fatal(err)
	}

	tr := trail{byStatus: map[statusEvent]int{}}
	n := 0
	for _, p := range ids {
		n += len(p)
	}
	seen := make(map[[16]byte]struct{}, n)
	for i, p := range parts {
		tr.lines += p.lines
		tr.headers += p.headers
		tr.self += p.self
		tr.audited += p.audited
		tr.bytes += p.bytes
		for k, v := range p.byStatus {
			tr.byStatus[k] += v
		}
		tr.bad = append(tr.bad, p.bad...)
		for _, id := range ids[i] {
			if _, dup := seen[id]; dup {
				tr.duplicateIDs++
			}
			seen[id] = struct{}{}
		}
	}
	for i, b := range tr.bad {
		if i == 3 {
			t.Errorf("... and %d more bad lines", len(tr.bad)-i)
			break
		}
		t.Error(b)
	}
	return tr
}

// add counts line number n of the file and returns its request id when it
// is a request event. Every line must be valid JSON; the few fields counted
// are then read from the bytes (json.Valid is several times faster than
// decoding, which matters for the hundreds of megabytes a 30 s run writes).
// The handler writes each key once and these values without escapes.
func (tr *trail) add(l []byte, n int) (*[16]byte, error) {
	tr.lines++
	tr.bytes += int64(len(l) + 1)
	if !json.Valid(l) {
		return nil, fmt.Errorf("line %d is not JSON: %q", n, l)
	}
	event := stringField(l, "event_type")
	switch {
	case event == auditchain.EventChainSegment:
		tr.headers++
		return nil, nil
	case strings.HasPrefix(event, "audit.delivery."):
		tr.self++
		return nil, nil
	}
	tr.audited++
	status, _ := strconv.Atoi(rawField(l, "http.response.status_code"))
	tr.byStatus[statusEvent{status, event}]++
	var id [16]byte
	rid := stringField(l, "request_id")
	if k, err := hex.Decode(id[:], []byte(rid)); err != nil || k != len(id) || len(rid) != 2*len(id) {
		return nil, fmt.Errorf("line %d: request_id %q: %q", n, rid, l)
	}
	if rawField(l, "seq") == "" || stringField(l, "body") != httpaudit.MessageResponse ||
		!strings.HasPrefix(stringField(l, "user.id"), "user-") ||
		(status == http.StatusOK && stringField(l, "http.route") == "") {
		return &id, fmt.Errorf("line %d lacks request fields: %s", n, l)
	}
	return &id, nil
}

// rawField returns the text of the number value of key in line, or "".
func rawField(line []byte, key string) string {
	_, v, ok := bytes.Cut(line, []byte(`"`+key+`":`))
	if !ok {
		return ""
	}
	end := bytes.IndexAny(v, ",}")
	if end < 0 {
		return ""
	}
	return string(v[:end])
}

// stringField returns the string value of key in line, or "".
func stringField(line []byte, key string) string {
	_, v, ok := bytes.Cut(line, []byte(`"`+key+`":"`))
	if !ok {
		return ""
	}
	v, _, ok = bytes.Cut(v, []byte(`"`))
	if !ok {
		return ""
	}
	return string(v)
}

// report renders the two phases as a Markdown table.
func report(on, off *phase, dur time.Duration, rounds, workers int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Load test: %d keep-alive clients over loopback HTTP, %v per phase in %d alternating slices, GOMAXPROCS %d, %s\n\n",
		workers, dur, rounds, runtime.GOMAXPROCS(0), runtime.Version())
	b.WriteString("| audit | requests | req/s | p50 | p99 | p99.9 | max |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|\n")
	for _, p := range []*phase{on, off} {
		fmt.Fprintf(&b, "| %s | %d | %.0f | %v | %v | %v | %v |\n", strings.TrimPrefix(p.name, "audit "),
			p.served(), p.rate(), p.pct(0.50), p.pct(0.99), p.pct(0.999), p.pct(1))
	}
	fmt.Fprintf(&b, "| cost of audit | | %+.1f%% | %s | %s | %s | |\n",
		100*(on.rate()/off.rate()-1), signed(on.pct(0.50)-off.pct(0.50)),
		signed(on.pct(0.99)-off.pct(0.99)), signed(on.pct(0.999)-off.pct(0.999)))
	return b.String()
}

func signed(d time.Duration) string {
	if d > 0 {
		return "+" + d.String()
	}
	return d.String()
}

func (p *phase) rate() float64 { return float64(p.served()) / p.elapsed.Seconds() }

// pct is the q-quantile of the latencies (nearest rank), rounded for display.
func (p *phase) pct(q float64) time.Duration {
	if len(p.lat) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(p.lat)))) - 1
	return p.lat[max(i, 0)].Round(time.Microsecond)
}

// firstError keeps the first error the delivery side reported.
type firstError struct {
	mu  sync.Mutex
	err error
}

func (e *firstError) set(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err == nil {
		e.err = err
	}
}

func (e *firstError) get() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive duration such as 30s", name, s)
	}
	return d
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return n
}
