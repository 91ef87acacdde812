package httpaudit_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// watchedBody is a request body that counts the reads made of it.
type watchedBody struct {
	r     io.Reader
	reads atomic.Int32
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.reads.Add(1)
	return b.r.Read(p)
}

func (b *watchedBody) Close() error { return nil }

// failingWriter refuses every line, as a full disk does.
type failingWriter struct{ calls atomic.Int32 }

func (w *failingWriter) Write([]byte) (int, error) {
	w.calls.Add(1)
	return 0, syscall.ENOSPC
}

// Durable declares that Write's error tells the truth, as an audit file's
// does (slogaudit.Durable): fail-closed mode requires the declaration.
func (w *failingWriter) Durable() bool { return true }

// ran is an application handler that records whether it ran.
type ran struct{ n atomic.Int32 }

func (h *ran) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.n.Add(1)
	_, _ = io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusCreated)
}

// failClosedOpts captures bodies too, so a refusal that read the body would
// show.
func failClosedOpts() *httpaudit.Options {
	return &httpaudit.Options{
		FailClosed:     true,
		LogOKResponses: true,
		CaptureBodies:  true,
		BodyFields:     []string{"*"},
	}
}

func postJSON() (*http.Request, *watchedBody) {
	body := &watchedBody{r: strings.NewReader(`{"amount":10}`)}
	req := httptest.NewRequest(http.MethodPost, "/pay", nil)
	req.Body = body
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	return req, body
}

// assertRefused checks a fail-closed refusal: 503, the application not run,
// the body unread, and the refusal counted.
func assertRefused(t *testing.T, m *httpaudit.Middleware, wantRejections uint64) {
	t.Helper()
	app := &ran{}
	req, body := postJSON()
	w := httptest.NewRecorder()
	m.Wrap(app).ServeHTTP(w, req)
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", w.Code)
	}
	if got := strings.TrimSpace(w.Body.String()); got != "audit log unavailable" {
		t.Errorf("body %q", got)
	}
	if app.n.Load() != 0 {
		t.Error("the application handler ran")
	}
	if n := body.reads.Load(); n != 0 {
		t.Errorf("request body read %d times, want untouched", n)
	}
	if got := m.Stats().FailClosedRejections; got != wantRejections {
		t.Errorf("FailClosedRejections = %d, want %d", got, wantRejections)
	}
}

func TestFailClosedRefusesWhenHandleFails(t *testing.T) {
	for _, tc := range []struct {
		name string
		rec  *recorder
	}{
		{"Handle error", &recorder{fail: errors.New("disk full")}},
		{"Handle panics", &recorder{panik: true}},
		{"not enabled at INFO", &recorder{min: slog.LevelWarn}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := httpaudit.New(slog.New(tc.rec), failClosedOpts())
			if err != nil {
				t.Fatal(err)
			}
			assertRefused(t, m, 1)
			assertRefused(t, m, 2)
			// Nothing but the attempted http.request.received reached the
			// handler: the refusal writes no response event.
			for _, r := range tc.rec.records() {
				if r.str(slogaudit.KeyEventType) != httpaudit.EventRequestReceived {
					t.Errorf("unexpected record %+v", r)
				}
			}
		})
	}
}

func TestFailClosedWritesReceivedFirst(t *testing.T) {
	rec := &recorder{min: slog.LevelDebug}
	m, err := httpaudit.New(slog.New(rec), &httpaudit.Options{
		FailClosed:     true,
		LogOKResponses: true,
		SessionID:      func(*http.Request) string { return "s-1" },
		SessionKey:     []byte("0123456789abcdef"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var atHandler int
	mux := http.NewServeMux()
	mux.Handle("POST /acct/{id}", m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atHandler = len(rec.records())
		w.WriteHeader(http.StatusAccepted)
	})))
	req := httptest.NewRequest(http.MethodPost, "/acct/7", nil)
	req.RemoteAddr = "192.0.2.1:1234"
	req.Header.Set("User-Agent", "ua/1")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)

	if w.Code != http.StatusAccepted {
		t.Fatalf("status %d", w.Code)
	}
	if atHandler != 1 {
		t.Errorf("%d records before the handler ran, want 1 (http.request.received)", atHandler)
	}
	recs := rec.records()
	if len(recs) != 2 {
		t.Fatalf("got %d records, want received and response: %+v", len(recs), recs)
	}
	got, resp := recs[0], recs[1]
	if got.Msg != httpaudit.MessageRequest || got.Level != slog.LevelInfo {
		t.Errorf("received: msg %q level %v", got.Msg, got.Level)
	}
	for key, want := range map[string]string{
		slogaudit.KeyEventType:     httpaudit.EventRequestReceived,
		slogaudit.KeyScopeName:     httpaudit.ScopeName,
		slogaudit.KeyClientAddress: "192.0.2.1",
		httpaudit.KeyHTTPMethod:    http.MethodPost,
		httpaudit.KeyURLPath:       "/acct/7",
		httpaudit.KeyHTTPRoute:     "/acct/{id}", // known: the mux matched before Wrap
		slogaudit.KeySessionID:     hashOf([]byte("0123456789abcdef"), "s-1"),
		httpaudit.KeyUserAgent:     "ua/1",
	} {
		if v := got.str(key); v != want {
			t.Errorf("received %s = %q, want %q", key, v, want)
		}
	}
	if id := got.str(slogaudit.KeyRequestID); len(id) != 32 || id != resp.str(slogaudit.KeyRequestID) {
		t.Errorf("request ids %q and %q: want one 32-hex id for both events", id, resp.str(slogaudit.KeyRequestID))
	}
	for _, key := range []string{httpaudit.KeyHTTPStatusCode, slogaudit.KeyOutcome, httpaudit.KeyDurationNS} {
		if got.has(key) {
			t.Errorf("received has %s, which only the response knows", key)
		}
	}
	if e := resp.str(slogaudit.KeyEventType); e != httpaudit.EventSuccess {
		t.Errorf("response event %q", e)
	}
	if n := m.Stats().FailClosedRejections; n != 0 {
		t.Errorf("FailClosedRejections = %d", n)
	}
}

// The route is omitted, not empty, when the mux has not matched yet.
func TestFailClosedRouteUnknown(t *testing.T) {
	m, rec := newMW(t, &httpaudit.Options{FailClosed: true})
	serve(m, status(http.StatusNotFound), httptest.NewRequest(http.MethodGet, "/x", nil))
	recs := rec.records()
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	if recs[0].has(httpaudit.KeyHTTPRoute) {
		t.Errorf("http.route %q before any mux ran", recs[0].str(httpaudit.KeyHTTPRoute))
	}
}

func TestFailClosedIgnoredPathsPassThrough(t *testing.T) {
	rec := &recorder{fail: errors.New("down")}
	m, err := httpaudit.New(slog.New(rec), &httpaudit.Options{FailClosed: true, IgnorePaths: []string{`^/healthz$`}})
	if err != nil {
		t.Fatal(err)
	}
	app := &ran{}
	w := serve(m, app, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if w.Code != http.StatusCreated || app.n.Load() != 1 {
		t.Errorf("ignored path: status %d, ran %d", w.Code, app.n.Load())
	}
	if n := len(rec.records()); n != 0 {
		t.Errorf("%d records for an ignored path", n)
	}
	if n := m.Stats().FailClosedRejections; n != 0 {
		t.Errorf("FailClosedRejections = %d", n)
	}
}

// Without FailClosed the same failing handler changes nothing.
func TestFailOpenByDefault(t *testing.T) {
	fw := &failingWriter{}
	m, err := httpaudit.New(slog.New(slogaudit.NewHandler(fw, &slogaudit.Options{OnError: func(error) {}})),
		&httpaudit.Options{LogOKResponses: true})
	if err != nil {
		t.Fatal(err)
	}
	app := &ran{}
	req, _ := postJSON()
	w := serve(m, app, req)
	if w.Code != http.StatusCreated || app.n.Load() != 1 {
		t.Errorf("status %d, ran %d: fail-open must serve", w.Code, app.n.Load())
	}
	if fw.calls.Load() != 1 {
		t.Errorf("%d writes, want the response event only", fw.calls.Load())
	}
	if n := m.Stats().FailClosedRejections; n != 0 {
		t.Errorf("FailClosedRejections = %d", n)
	}
}

// Through the real handler and delivery writers: a failing disk refuses
// requests, and auditsink.Multi serves them while one sink works.
func TestFailClosedThroughSinks(t *testing.T) {
	quiet := &slogaudit.Options{OnError: func(error) {}}
	t.Run("failing writer", func(t *testing.T) {
		fw := &failingWriter{}
		logger := slog.New(slogaudit.NewHandler(fw, quiet))
		m, err := httpaudit.New(logger, failClosedOpts())
		if err != nil {
			t.Fatal(err)
		}
		assertRefused(t, m, 1)
		if fw.calls.Load() != 1 {
			t.Errorf("%d writes, want only the attempted http.request.received", fw.calls.Load())
		}
	})
	t.Run("guard fail-closed over a full disk", func(t *testing.T) {
		g := auditsink.NewGuard(&failingWriter{}, &auditsink.GuardOptions{Action: auditsink.FailClosed, Encoder: slogaudit.NewEncoder(quiet)})
		logger := slog.New(slogaudit.NewHandler(g, quiet))
		m, err := httpaudit.New(logger, failClosedOpts())
		if err != nil {
			t.Fatal(err)
		}
		assertRefused(t, m, 1)
	})
	t.Run("multi, both failing", func(t *testing.T) {
		logger := slog.New(slogaudit.NewHandler(auditsink.NewMulti(&failingWriter{}, &failingWriter{}), quiet))
		m, err := httpaudit.New(logger, failClosedOpts())
		if err != nil {
			t.Fatal(err)
		}
		assertRefused(t, m, 1)
	})
	t.Run("multi, one working", func(t *testing.T) {
		var good syncBuffer
		bad := &failingWriter{}
		multi := auditsink.NewMulti(bad, &good)
		m, err := httpaudit.New(slog.New(slogaudit.NewHandler(multi, quiet)), failClosedOpts())
		if err != nil {
			t.Fatal(err)
		}
		app := &ran{}
		req, body := postJSON()
		w := serve(m, app, req)
		if w.Code != http.StatusCreated || app.n.Load() != 1 {
			t.Fatalf("status %d, ran %d: one working sink must serve", w.Code, app.n.Load())
		}
		if body.reads.Load() == 0 {
			t.Error("the application did not get the body")
		}
		lines := good.lines(t)
		if len(lines) != 2 {
			t.Fatalf("%d lines in the working sink, want 2", len(lines))
		}
		for i, want := range []struct{ event, body string }{
			{httpaudit.EventRequestReceived, httpaudit.MessageRequest},
			{httpaudit.EventSuccess, httpaudit.MessageResponse},
		} {
			attrs, _ := lines[i]["attributes"].(map[string]any)
			if lines[i]["body"] != want.body || attrs["event_type"] != want.event || lines[i]["severity_text"] != "INFO" {
				t.Errorf("line %d: %v", i, lines[i])
			}
		}
		if bad.calls.Load() != 2 || multi.Failed(0) != 2 || multi.Failed(1) != 0 {
			t.Errorf("failing sink: %d calls, Failed %d/%d", bad.calls.Load(), multi.Failed(0), multi.Failed(1))
		}
		if n := m.Stats().FailClosedRejections; n != 0 {
			t.Errorf("FailClosedRejections = %d", n)
		}
	})
}

// Fail-closed needs a positive declaration (slogaudit.Durable): whatever
// does not make it is refused, including wrappers that hide a durable
// writer.
func TestFailClosedRequiresDurableLogger(t *testing.T) {
	async := auditsink.NewAsync(io.Discard, nil)
	defer func() { _ = async.Close(context.Background()) }()
	asyncLogger := slog.New(slogaudit.NewHandler(async, nil))
	const want = "does not declare durable writes"
	durable := auditsink.NewGuard(&failingWriter{}, &auditsink.GuardOptions{Action: auditsink.FailClosed})

	if _, err := httpaudit.New(asyncLogger, &httpaudit.Options{FailClosed: true}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("async logger: New error %v, want %q", err, want)
	}
	// Behind a multi-writer, the queue is still seen.
	multi := auditsink.NewMulti(io.Discard, async)
	if _, err := httpaudit.New(slog.New(slogaudit.NewHandler(multi, nil)), &httpaudit.Options{FailClosed: true}); err == nil {
		t.Error("multi with an async sink: New succeeded")
	}
	// Fail-open does not care.
	if _, err := httpaudit.New(asyncLogger, nil); err != nil {
		t.Errorf("fail-open with async: %v", err)
	}
	// A durable writer is fine; anything that does not say so is refused,
	// even when it wraps a durable one.
	if _, err := httpaudit.New(slog.New(slogaudit.NewHandler(durable, nil)), &httpaudit.Options{FailClosed: true}); err != nil {
		t.Errorf("durable writer: %v", err)
	}
	for name, w := range map[string]io.Writer{
		"plain writer":                  io.Discard,
		"io.MultiWriter over a durable": io.MultiWriter(durable),
		"guard fail-open":               auditsink.NewGuard(&failingWriter{}, nil),
	} {
		if _, err := httpaudit.New(slog.New(slogaudit.NewHandler(w, nil)), &httpaudit.Options{FailClosed: true}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: New error %v, want %q", name, err, want)
		}
	}
	// A slog-multi style fan-out handler hides its handlers: refused too.
	fan := fanout{slogaudit.NewHandler(durable, nil)}
	if _, err := httpaudit.New(slog.New(fan), &httpaudit.Options{FailClosed: true}); err == nil {
		t.Error("fan-out handler: New succeeded")
	}
	// A nil logger means slog.Default(), as it is when New runs.
	old := slog.Default()
	defer slog.SetDefault(old)
	slog.SetDefault(asyncLogger)
	if _, err := httpaudit.New(nil, &httpaudit.Options{FailClosed: true}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("nil logger with an async default: New error %v", err)
	}
}

// fanout is a handler that passes records on, as slog-multi's do, without
// vouching for what it wraps.
type fanout struct{ slog.Handler }

// The OTLP exporter queues: refused bare and under every wrapper.
func TestFailClosedRefusesOTLP(t *testing.T) {
	enc := slogaudit.NewEncoder(&slogaudit.Options{Format: slogaudit.FormatOTLPJSON})
	x, err := auditsink.NewOTLP(&auditsink.OTLPOptions{Endpoint: "http://127.0.0.1:1", Encoder: enc})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = x.Close(context.Background()) }()
	guard := func(w io.Writer) io.Writer {
		return auditsink.NewGuard(w, &auditsink.GuardOptions{Action: auditsink.FailClosed})
	}
	for name, w := range map[string]io.Writer{
		"bare": x, "multi": auditsink.NewMulti(x), "guard": guard(x),
		"guard(multi)": guard(auditsink.NewMulti(x)), "multi(guard)": auditsink.NewMulti(guard(x)),
	} {
		if _, err := httpaudit.New(slog.New(enc.NewHandler(w)), &httpaudit.Options{FailClosed: true}); err == nil {
			t.Errorf("%s: FailClosed accepted the OTLP exporter", name)
		}
	}
}
