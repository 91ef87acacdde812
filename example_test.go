package auditkit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	slogmulti "github.com/samber/slog-multi"

	"github.com/secaudit/auditkit/auditchain"
	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/modelaudit"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// The examples print real handler output. Only the two timestamps change from
// run to run, so stripTimes removes them; real code does nothing of the kind.
var timesRE = regexp.MustCompile(`"timestamp":\d+,"observed_timestamp":\d+,`)

// stripTimes is a writer that passes each line on to w without its two
// timestamps.
type stripTimes struct{ w io.Writer }

func (s stripTimes) Write(p []byte) (int, error) {
	if _, err := s.w.Write(timesRE.ReplaceAll(p, nil)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// syncBuffer is a bytes.Buffer safe for the server goroutines of an
// httptest.Server and the example reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fields parses each JSON line of s and returns, per line, the top-level
// envelope merged with its attributes (attributes win), so an example can
// print the few fields that do not change from run to run.
func fields(s string) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			panic(fmt.Sprintf("not a JSON line: %q: %v", sc.Text(), err))
		}
		attrs, _ := line["attributes"].(map[string]any)
		for k, v := range attrs {
			line[k] = v
		}
		out = append(out, line)
	}
	return out
}

// Quick start: one line makes the slogaudit handler the default, so every
// slog call and every helper package writes audit lines, redacted by default.
func Example() {
	prev := slog.Default()
	defer slog.SetDefault(prev)

	// In an application: slog.SetDefault(slog.New(slogaudit.NewHandler(os.Stdout, nil)))
	slog.SetDefault(slog.New(slogaudit.NewHandler(stripTimes{os.Stdout}, nil)))

	slog.Info("user.signup", slogaudit.KeyEventType, "user.signup",
		"email_verified", false, "password", "hunter2")
	authaudit.LoginFailed(context.Background(), "bob", authaudit.ReasonBadPassword)
	// Output:
	// {"severity_text":"INFO","severity_number":9,"body":"user.signup","resource":{"service.name":"unknown_service"},"instrumentation_scope":{"name":"github.com/secaudit/auditkit/slogaudit"},"attributes":{"event_type":"user.signup","schema_version":"1.0","email_verified":false,"password":"[REDACTED]"},"event_name":"user.signup"}
	// {"severity_text":"WARN","severity_number":13,"body":"auth.login.failed","resource":{"service.name":"unknown_service"},"instrumentation_scope":{"name":"github.com/secaudit/auditkit/authaudit"},"attributes":{"event_type":"auth.login.failed","schema_version":"1.0","owasp.event":"authn_login_fail","outcome":"failure","audit.reason":"bad_password"},"event_name":"auth.login.failed"}
}

// The whole kit behind a real HTTP server: httpaudit wraps the mux, the
// application's own authentication middleware names the user with
// slogaudit.SetUser, and the handlers call authaudit and modelaudit. Every
// record logged inside a request carries the request's scope (request_id,
// client.address, http.route, user.id), and the request ends with one
// http.response.* event.
func Example_httpaudit() {
	prev := slog.Default()
	defer slog.SetDefault(prev)
	var out syncBuffer
	slog.SetDefault(slog.New(slogaudit.NewHandler(&out, &slogaudit.Options{ServiceName: "billing"})))

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		authaudit.LoginFailed(r.Context(), "bob", authaudit.ReasonBadPassword)
		http.Error(w, "invalid credentials", http.StatusUnauthorized)
	})
	mux.HandleFunc("PUT /invoices/{id}", func(w http.ResponseWriter, r *http.Request) {
		before := map[string]any{"amount": 100, "status": "draft"}
		after := map[string]any{"amount": 120, "status": "draft"}
		modelaudit.Updated(r.Context(), "invoice", r.PathValue("id"), modelaudit.Diff(before, after))
	})
	mux.HandleFunc("GET /admin/", func(w http.ResponseWriter, r *http.Request) {
		authaudit.AccessDenied(r.Context(), "42", "/admin/")
		http.Error(w, "forbidden", http.StatusForbidden)
	})
	mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})

	// authenticate stands for the application's session middleware.
	authenticate := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "Bearer token-of-42" {
				slogaudit.SetUser(r.Context(), slogaudit.User{ID: "42"})
			}
			next.ServeHTTP(w, r)
		})
	}

	audit, err := httpaudit.New(nil, &httpaudit.Options{ // nil: log through slog.Default()
		LogOKResponses: true,
		TrustedProxies: []string{"127.0.0.1/32"}, // the proxy in front; here the test client
		IgnorePaths:    []string{`^/healthz$`},
		CaptureBodies:  true,
		BodyFields:     []string{"password", "remember"}, // only these top-level keys are kept
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(audit.Wrap(authenticate(mux)))

	send := func(method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", "198.51.100.7") // appended by the trusted proxy
		if path != "/login" {
			req.Header.Set("Authorization", "Bearer token-of-42")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}
	send("POST", "/login", `{"username":"bob","password":"hunter2","remember":true}`)
	send("PUT", "/invoices/inv-7", `{"amount":120}`)
	send("GET", "/admin/users", "")
	send("GET", "/healthz", "") // ignored: no audit work at all
	srv.Close()                 // waits for the handlers, and so for their events

	lines := fields(out.String())
	for _, l := range lines {
		fmt.Printf("%-8s %-27s client=%v peer=%v route=%v user=%v",
			l["severity_text"], l["event_type"], l["client.address"], l["network.peer.address"],
			l["http.route"], l["user.id"])
		for _, k := range []string{"http.response.status_code", "audit.reason", "changed_fields", "request.body"} {
			if v, ok := l[k]; ok {
				fmt.Printf(" %s=%v", k, v)
			}
		}
		fmt.Println()
	}
	fmt.Println("one request_id per request:",
		lines[0]["request_id"] == lines[1]["request_id"] && lines[1]["request_id"] != lines[2]["request_id"])
	// Output:
	// WARN     auth.login.failed           client=198.51.100.7 peer=127.0.0.1 route=/login user=<nil> audit.reason=bad_password
	// WARN     http.response.client_error  client=198.51.100.7 peer=127.0.0.1 route=/login user=<nil> http.response.status_code=401 request.body=map[password:[REDACTED] remember:true]
	// INFO     model.update                client=198.51.100.7 peer=127.0.0.1 route=/invoices/{id} user=42 changed_fields=[amount]
	// INFO     http.response.success       client=198.51.100.7 peer=127.0.0.1 route=/invoices/{id} user=42 http.response.status_code=200
	// CRITICAL authz.access.denied         client=198.51.100.7 peer=127.0.0.1 route=/admin/ user=42
	// WARN     http.response.client_error  client=198.51.100.7 peer=127.0.0.1 route=/admin/ user=42 http.response.status_code=403
	// one request_id per request: true
}

// Router: audit events (records with event_type) go to the audit handler,
// application logs to an ordinary text log. The application log has no
// slogaudit handler to redact it, so redact's Middleware goes in front.
func Example_router() {
	var auditLog, appLog bytes.Buffer
	noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	isApp := func(ctx context.Context, r slog.Record) bool { return !slogaudit.IsAudit(ctx, r) }

	logger := slog.New(slogmulti.Router().
		Add(slogaudit.NewHandler(stripTimes{&auditLog}, &slogaudit.Options{ServiceName: "billing"}), slogaudit.IsAudit).
		Add(slogmulti.Pipe(redact.Default().Middleware()).Handler(slog.NewTextHandler(&appLog, noTime)), isApp).
		Handler())

	logger.Info("cache warmed", "entries", 120)
	logger.Warn("db reconnect", "dsn_password", "s3cret")
	authaudit.New(logger).AccountLocked(context.Background(), "42", authaudit.ReasonMaxRetries)

	fmt.Print("audit: ", auditLog.String())
	fmt.Print("app:\n", appLog.String())
	// Output:
	// audit: {"severity_text":"WARN","severity_number":13,"body":"auth.login.locked","resource":{"service.name":"billing"},"instrumentation_scope":{"name":"github.com/secaudit/auditkit/authaudit"},"attributes":{"event_type":"auth.login.locked","schema_version":"1.0","owasp.event":"authn_login_lock","outcome":"failure","user.id":"42","audit.reason":"max_retries"},"event_name":"auth.login.locked"}
	// app:
	// level=INFO msg="cache warmed" entries=120
	// level=WARN msg="db reconnect" dsn_password=[REDACTED]
}

// Fanout: every record to standard output (for the container's log shipper)
// and to an append-only file (auditsink.File: mode 0600, one write(2) per
// line).
func Example_fanout() {
	dir, err := os.MkdirTemp("", "auditkit")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	file, err := auditsink.OpenFile(filepath.Join(dir, "audit.jsonl"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := &slogaudit.Options{ServiceName: "billing"}
	logger := slog.New(slogmulti.Fanout(
		slogaudit.NewHandler(stripTimes{os.Stdout}, opts),
		slogaudit.NewHandler(file, opts),
	))

	modelaudit.New(logger).Deleted(context.Background(), "invoice", 7)
	if err := file.Close(); err != nil {
		fmt.Println(err)
		return
	}

	data, _ := os.ReadFile(file.Name())
	info, _ := os.Stat(file.Name())
	for _, l := range fields(string(data)) {
		fmt.Println("file:", l["event_type"], l["object_id"], info.Mode().Perm())
	}
	// Output:
	// {"severity_text":"INFO","severity_number":9,"body":"model.event","resource":{"service.name":"billing"},"instrumentation_scope":{"name":"github.com/secaudit/auditkit/modelaudit"},"attributes":{"event_type":"model.delete","schema_version":"1.0","model":"invoice","object_id":"7","crud_action":"delete"},"event_name":"model.delete"}
	// file: model.delete 7 -rw-------
}

// Pipe: the Go form of a filter and enricher pipeline. Middlewares run in
// order before the audit handler; an enricher adds attributes (here a tenant
// from the context), a filter drops records by returning nil without calling
// next.
func Example_pipe() {
	type tenantKey struct{}

	enrich := slogmulti.NewHandleInlineMiddleware(
		func(ctx context.Context, r slog.Record, next func(context.Context, slog.Record) error) error {
			if t, ok := ctx.Value(tenantKey{}).(string); ok {
				r = r.Clone() // never modify the caller's record
				r.AddAttrs(slog.String("tenant.id", t))
			}
			return next(ctx, r)
		})
	dropSynthetic := slogmulti.NewHandleInlineMiddleware(
		func(ctx context.Context, r slog.Record, next func(context.Context, slog.Record) error) error {
			synthetic := false
			r.Attrs(func(a slog.Attr) bool {
				synthetic = a.Key == "synthetic" && a.Value.Equal(slog.BoolValue(true))
				return !synthetic
			})
			if synthetic {
				return nil // dropped: nothing is written
			}
			return next(ctx, r)
		})

	logger := slog.New(slogmulti.Pipe(enrich, dropSynthetic).
		Handler(slogaudit.NewHandler(stripTimes{os.Stdout}, &slogaudit.Options{ServiceName: "billing"})))

	ctx := context.WithValue(context.Background(), tenantKey{}, "acme")
	modelaudit.New(logger).Accessed(ctx, "patient_record", 7)
	modelaudit.New(logger).Accessed(ctx, "patient_record", 8, slog.Bool("synthetic", true)) // uptime probe
	// Output:
	// {"severity_text":"INFO","severity_number":9,"body":"model.event","resource":{"service.name":"billing"},"instrumentation_scope":{"name":"github.com/secaudit/auditkit/modelaudit"},"attributes":{"event_type":"model.access","schema_version":"1.0","model":"patient_record","object_id":"7","crud_action":"access","tenant.id":"acme"},"event_name":"model.access"}
}

// Delivery you can prove: the handler writes through a bounded asynchronous
// queue into a hash-chained file with signed checkpoints, which
// auditchain.Verify (and go run ./cmd/auditkit-verify) checks afterwards.
func Example_delivery() {
	dir, err := os.MkdirTemp("", "auditkit")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "audit.jsonl")

	pubPEM, privPEM, _ := auditchain.GenerateKeyPEM() // auditkit-verify -genkey NAME does the same
	priv, _ := auditchain.ParsePrivateKeyPEM(privPEM)
	// One encoder configuration: the handler and the writers' own events
	// (the chain's segment header, drop reports) share format and resource.
	enc := slogaudit.NewEncoder(&slogaudit.Options{ServiceName: "billing"})
	chain, err := auditchain.OpenChain(path, nil, &auditchain.ChainOptions{SigningKey: priv, Encoder: enc})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Audit events block up to 1s when the queue is full, others are dropped.
	async := auditsink.NewAsync(chain, &auditsink.AsyncOptions{Encoder: enc})
	logger := slog.New(enc.NewHandler(async))

	authaudit.New(logger).LoginSucceeded(context.Background(), "42")
	authaudit.New(logger).LoggedOut(context.Background(), "42")

	if err := async.Close(context.Background()); err != nil { // drain the queue
		fmt.Println(err)
	}
	if err := chain.Close(); err != nil { // final signed checkpoint
		fmt.Println(err)
	}
	fmt.Printf("%+v\n", async.Stats())

	pub, _ := auditchain.ParsePublicKeyPEM(pubPEM)
	rep, err := auditchain.Verify([]string{path}, &auditchain.VerifyOptions{PublicKey: pub})
	if err != nil {
		fmt.Println(err)
		return
	}
	// OK: nothing was tampered with. Complete: the trail ends at a signed final
	// checkpoint, so nothing was cut off either (auditkit-verify exits 0).
	fmt.Println("ok:", rep.OK(), "complete:", rep.Complete(), "lines:", rep.Lines)
	// Output:
	// {Written:2 Dropped:0 Failed:0 Queued:0}
	// ok: true complete: true lines: 3
}

// disk is a sink that can run out of space, standing for a real file.
type disk struct {
	full atomic.Bool
	out  io.Writer
}

func (d *disk) Write(p []byte) (int, error) {
	if d.full.Load() {
		return 0, syscall.ENOSPC
	}
	return d.out.Write(p)
}

// Durable declares that Write's error tells the truth, as an auditsink.File
// does: fail-closed mode accepts only writers that say so (slogaudit.Durable).
func (d *disk) Durable() bool { return true }

// Fail-closed: a request that cannot be audited is not served. The handler
// writes synchronously through a Guard with FailClosed, so Handle's error is
// true; httpaudit writes http.request.received before the application handler
// and answers 503 when it cannot.
func Example_failClosed() {
	var events syncBuffer
	sink := &disk{out: &events}
	// The Guard tells the operator once per outage; the handler, which hears
	// of every lost line, stays quiet.
	guard := auditsink.NewGuard(sink, &auditsink.GuardOptions{
		Action:  auditsink.FailClosed,
		Encoder: slogaudit.NewEncoder(&slogaudit.Options{OnError: func(err error) { fmt.Println("operator:", err) }}),
	})
	logger := slog.New(slogaudit.NewHandler(guard, &slogaudit.Options{OnError: func(error) {}}))
	audit, err := httpaudit.New(logger, &httpaudit.Options{FailClosed: true, LogOKResponses: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	served := 0
	h := audit.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served++ }))

	pay := func() int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "/payments", nil))
		return w.Code
	}
	fmt.Println("disk ok:  ", pay())
	sink.full.Store(true)
	fmt.Println("disk full:", pay())
	fmt.Println("served:", served, "refused:", audit.Stats().FailClosedRejections)
	for _, l := range fields(events.String()) {
		fmt.Println("written:", l["event_type"])
	}
	// Output:
	// disk ok:   200
	// operator: auditsink: fail_closed after disk error: no space left on device
	// disk full: 503
	// served: 1 refused: 1
	// written: http.request.received
	// written: http.response.success
}
