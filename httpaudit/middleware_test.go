package httpaudit_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNewValidation(t *testing.T) {
	key := []byte("0123456789abcdef")
	for _, tc := range []struct {
		name string
		opts httpaudit.Options
		want string // substring of the error; "" means valid
	}{
		{"zero", httpaudit.Options{}, ""},
		{"full", httpaudit.Options{
			LogOKResponses: true, SampleRate: 0.25, IgnorePaths: []string{`^/healthz$`},
			IgnoreStatusCodes: []int{100, 404, 599}, TrustedProxies: []string{"10.0.0.0/8", "192.0.2.7", "::ffff:10.1.0.0/112", "2001:db8::/32"},
			TrustedProxyCount: 2, ForwardedHeader: "forwarded", CaptureBodies: true, BodyFields: []string{"*"},
			BodyMethods: []string{"post", "M-SEARCH"}, BodyPaths: []string{`^/api/`}, MaxBodyBytes: 1,
			SessionCookie: "sid", SessionKey: key, LogQuery: true,
		}, ""},
		{"sample rate NaN", httpaudit.Options{SampleRate: math.NaN()}, "httpaudit: SampleRate NaN"},
		{"sample rate high", httpaudit.Options{SampleRate: 1.5}, "httpaudit: SampleRate 1.5"},
		{"sample rate negative", httpaudit.Options{SampleRate: -0.1}, "SampleRate -0.1"},
		{"bad ignore regexp", httpaudit.Options{IgnorePaths: []string{`^/ok$`, `(`}}, `httpaudit: IgnorePaths[1] "("`},
		{"bad body regexp", httpaudit.Options{BodyPaths: []string{`[z-a]`}}, `httpaudit: BodyPaths[0] "[z-a]"`},
		{"status too low", httpaudit.Options{IgnoreStatusCodes: []int{99}}, `httpaudit: IgnoreStatusCodes[0] "99"`},
		{"status too high", httpaudit.Options{IgnoreStatusCodes: []int{404, 600}}, `IgnoreStatusCodes[1] "600"`},
		{"bad CIDR", httpaudit.Options{TrustedProxies: []string{"10.0.0.1", "10.0.0.0/33"}}, `httpaudit: TrustedProxies[1] "10.0.0.0/33"`},
		{"bad IP", httpaudit.Options{TrustedProxies: []string{"10.0.0.256"}}, `TrustedProxies[0] "10.0.0.256"`},
		{"zone", httpaudit.Options{TrustedProxies: []string{"fe80::1%eth0"}}, `TrustedProxies[0] "fe80::1%eth0": zones`},
		{"negative count", httpaudit.Options{TrustedProxyCount: -1}, "TrustedProxyCount -1"},
		{"header without proxies", httpaudit.Options{ClientIPHeader: "X-Real-IP"}, `ClientIPHeader "X-Real-IP": needs TrustedProxies`},
		{"header is a list", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "x-forwarded-for"}, `set ForwardedHeader`},
		{"header with count", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, TrustedProxyCount: 1, ClientIPHeader: "X-Real-IP"}, "TrustedProxyCount"},
		{"header not a token", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "X Real"}, "not a header name"},
		{"bad forwarded header", httpaudit.Options{TrustedProxyCount: 1, ForwardedHeader: "X-Real-IP"}, `ForwardedHeader "X-Real-IP"`},
		{"forwarded header alone", httpaudit.Options{ForwardedHeader: "Forwarded"}, "needs TrustedProxies"},
		{"negative body size", httpaudit.Options{MaxBodyBytes: -1}, "MaxBodyBytes -1"},
		{"capture without fields", httpaudit.Options{CaptureBodies: true}, "BodyFields is empty"},
		{"bad method", httpaudit.Options{BodyMethods: []string{"POST", "GE T"}}, `BodyMethods[1] "GE T"`},
		{"empty method", httpaudit.Options{BodyMethods: []string{""}}, `BodyMethods[0] ""`},
		{"cookie without key", httpaudit.Options{SessionCookie: "sid"}, "SessionKey: 0 bytes, need at least 16"},
		{"short key", httpaudit.Options{SessionCookie: "sid", SessionKey: key[:15]}, "15 bytes"},
		{"short key without cookie (SetSession)", httpaudit.Options{SessionKey: key[:8]}, "SessionKey: 8 bytes, need at least 16"},
		{"key alone (SetSession)", httpaudit.Options{SessionKey: key}, ""},
		{"bad cookie name", httpaudit.Options{SessionCookie: "s id", SessionKey: key}, `SessionCookie "s id"`},
		{"cookie and hook", httpaudit.Options{SessionCookie: "sid", SessionKey: key, SessionID: func(*http.Request) string { return "" }}, "SessionID"},
		// Red team 2 (B3): trust-everything in parts, too wide a public
		// prefix, and headers clients send for another purpose.
		{"halves v4", httpaudit.Options{TrustedProxies: []string{"0.0.0.0/1", "128.0.0.0/1"}}, `httpaudit: TrustedProxies[0] "0.0.0.0/1": prefix 0.0.0.0/1 is wider than /8`},
		{"halves mapped", httpaudit.Options{TrustedProxies: []string{"::ffff:0:0/97", "::ffff:128.0.0.0/97"}}, `TrustedProxies[1] "::ffff:128.0.0.0/97": prefix 128.0.0.0/1`},
		{"halves v6", httpaudit.Options{TrustedProxies: []string{"::/1", "8000::/1"}}, `TrustedProxies[1] "8000::/1": prefix 8000::/1 is wider than /16`},
		{"one half", httpaudit.Options{TrustedProxies: []string{"0.0.0.0/1"}}, `"0.0.0.0/1"`},
		{"global unicast", httpaudit.Options{TrustedProxies: []string{"2000::/3"}}, `"2000::/3"`},
		{"many /8s", httpaudit.Options{TrustedProxies: []string{"8.0.0.0/8", "9.0.0.0/8"}}, "together trust"},
		{"private ranges", httpaudit.Options{TrustedProxies: []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10"}}, ""},
		{"header Proxy-Authorization", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "Proxy-Authorization"}, "another purpose"},
		{"header Origin", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "Origin"}, "another purpose"},
		{"header Via", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "Via"}, "another purpose"},
		{"header Traceparent", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "Traceparent"}, "another purpose"},
		{"header X-Api-Key", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "X-Api-Key"}, "another purpose"},
		{"header X-Csrf-Token", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "X-Csrf-Token"}, "another purpose"},
		{"header Cookie", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "Cookie"}, "another purpose"},
		{"header Sec-Websocket-Key", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "Sec-Websocket-Key"}, "another purpose"},
		{"header X-Real-IP", httpaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "X-Real-IP"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := httpaudit.New(nil, &tc.opts)
			if tc.want == "" {
				if err != nil || m == nil {
					t.Fatalf("New = %v, %v; want success", m, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New error = %v; want it to contain %q", err, tc.want)
			}
			if m != nil {
				t.Fatal("New returned a middleware with an error")
			}
		})
	}
}

func TestNewReportsEveryError(t *testing.T) {
	_, err := httpaudit.New(nil, &httpaudit.Options{SampleRate: 2, IgnorePaths: []string{"("}, MaxBodyBytes: -5})
	for _, want := range []string{"SampleRate", "IgnorePaths[0]", "MaxBodyBytes"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func TestEventPerStatusClass(t *testing.T) {
	for _, tc := range []struct {
		code    int
		logOK   bool
		event   string // "" = no event
		level   slog.Level
		outcome string
	}{
		{200, false, "", 0, ""},
		{302, false, "", 0, ""},
		{200, true, httpaudit.EventSuccess, slog.LevelInfo, "success"},
		{101, true, httpaudit.EventSuccess, slog.LevelInfo, "success"},
		{204, true, httpaudit.EventSuccess, slog.LevelInfo, "success"},
		{302, true, httpaudit.EventRedirect, slog.LevelInfo, ""},
		{400, false, httpaudit.EventClientError, slog.LevelWarn, "failure"},
		{404, false, httpaudit.EventClientError, slog.LevelWarn, "failure"},
		{500, false, httpaudit.EventServerError, slog.LevelError, "failure"},
		{503, true, httpaudit.EventServerError, slog.LevelError, "failure"},
	} {
		m, rec := newMW(t, &httpaudit.Options{LogOKResponses: tc.logOK})
		serve(m, status(tc.code), httptest.NewRequest("GET", "/x", nil))
		if tc.event == "" {
			rec.none(t)
			continue
		}
		r := rec.only(t)
		if r.str(slogaudit.KeyEventType) != tc.event || r.Level != tc.level || r.Msg != "http.response" {
			t.Errorf("%d: event %q level %v msg %q; want %q %v", tc.code, r.str(slogaudit.KeyEventType), r.Level, r.Msg, tc.event, tc.level)
		}
		if got := r.Attrs[httpaudit.KeyHTTPStatusCode].Int64(); got != int64(tc.code) {
			t.Errorf("%d: status attr %d", tc.code, got)
		}
		if r.str(slogaudit.KeyOutcome) != tc.outcome || r.has(slogaudit.KeyOutcome) != (tc.outcome != "") {
			t.Errorf("%d: outcome %q, want %q", tc.code, r.str(slogaudit.KeyOutcome), tc.outcome)
		}
	}
}

func TestSampling(t *testing.T) {
	for _, tc := range []struct {
		rate, draw float64
		logged     bool
	}{
		{0, 0.999, true}, // 0 means 1.0
		{1, 0.999, true},
		{0.5, 0.49, true},
		{0.5, 0.5, false}, // strictly below
		{0.5, 0.9, false},
	} {
		m, rec := newMW(t, &httpaudit.Options{LogOKResponses: true, SampleRate: tc.rate, Rand: func() float64 { return tc.draw }})
		serve(m, status(200), httptest.NewRequest("GET", "/", nil))
		serve(m, status(302), httptest.NewRequest("GET", "/", nil))
		serve(m, status(404), httptest.NewRequest("GET", "/", nil)) // never sampled
		want := 1
		if tc.logged {
			want = 3
		}
		if got := len(rec.records()); got != want {
			t.Errorf("rate %v draw %v: %d records, want %d", tc.rate, tc.draw, got, want)
		}
	}
}

func TestIgnorePathsSkipsAllWork(t *testing.T) {
	m, rec := newMW(t, &httpaudit.Options{IgnorePaths: []string{`^/healthz$`}, LogOKResponses: true})
	// Only the canonical path is ignored: /healthz/, /a/../healthz and
	// //healthz are other paths to a router (see TestIgnorePathsCanonicalOnly).
	for _, p := range []string{"/healthz"} {
		var scoped bool
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			scoped = httpaudit.RequestID(r.Context()) != "" || slogaudit.SetUser(r.Context(), slogaudit.User{ID: "1"})
			if _, wrapped := w.(interface{ Unwrap() http.ResponseWriter }); wrapped {
				t.Errorf("%s: writer wrapped", p)
			}
			w.WriteHeader(500)
		})
		serve(m, h, httptest.NewRequest("GET", p, nil))
		if scoped {
			t.Errorf("%s: ignored request got a scope", p)
		}
	}
	rec.none(t)
	serve(m, status(500), httptest.NewRequest("GET", "/healthzz", nil))
	rec.only(t)
}

func TestIgnoreStatusCodes(t *testing.T) {
	m, rec := newMW(t, &httpaudit.Options{IgnoreStatusCodes: []int{404, 503}, LogOKResponses: true})
	serve(m, status(404), httptest.NewRequest("GET", "/", nil))
	serve(m, status(503), httptest.NewRequest("GET", "/", nil))
	rec.none(t)
	serve(m, status(401), httptest.NewRequest("GET", "/", nil))
	rec.only(t)
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestResponseAttributes(t *testing.T) {
	m, rec := newMW(t, nil)
	var idInside string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		idInside = httpaudit.RequestID(r.Context())
		if !slogaudit.SetUser(r.Context(), slogaudit.User{ID: "42", Name: "maya"}) {
			t.Error("SetUser found no scope")
		}
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "nope")
	})
	req := httptest.NewRequest("POST", "https://shop.example:8443/api/acct-9/transfer?token=s3cr3t&x=1", strings.NewReader("{}"))
	req.RemoteAddr = "203.0.113.10:52100"
	req.Header.Set("User-Agent", "curl/8.0")
	req.Header.Set("Authorization", "Bearer s3cr3t-auth")
	req.Header.Set("Cookie", "sid=s3cr3t-cookie")
	req.Header.Set("X-Request-Id", "client-chosen")
	serve(m, h, req)

	r := rec.only(t)
	want := map[string]any{
		slogaudit.KeyEventType:            httpaudit.EventClientError,
		slogaudit.KeyScopeName:            httpaudit.ScopeName,
		slogaudit.KeyClientAddress:        "203.0.113.10",
		slogaudit.KeyPeerAddress:          "203.0.113.10",
		httpaudit.KeyHTTPMethod:           "POST",
		httpaudit.KeyURLScheme:            "https",
		httpaudit.KeyServerAddress:        "shop.example",
		httpaudit.KeyURLPath:              "/api/acct-9/transfer",
		httpaudit.KeyHTTPStatusCode:       int64(403),
		httpaudit.KeyHTTPResponseBodySize: int64(4),
		httpaudit.KeyUserAgent:            "curl/8.0",
		slogaudit.KeyUserID:               "42",
		slogaudit.KeyUserName:             "maya",
		slogaudit.KeyOutcome:              "failure",
	}
	for k, v := range want {
		if got := r.Attrs[k].Any(); got != v {
			t.Errorf("%s = %v (%T), want %v", k, got, got, v)
		}
	}
	id := r.str(slogaudit.KeyRequestID)
	if !hex32.MatchString(id) || id != idInside {
		t.Errorf("request_id %q (inside the handler %q)", id, idInside)
	}
	if d := r.Attrs[httpaudit.KeyDurationNS].Int64(); d <= 0 {
		t.Errorf("duration_ns = %d", d)
	}
	for _, absent := range []string{httpaudit.KeyURLQuery, httpaudit.KeyHTTPRoute, slogaudit.KeySessionID, httpaudit.KeyErrorType, httpaudit.KeyRequestBody} {
		if r.has(absent) {
			t.Errorf("%s present: %v", absent, r.Attrs[absent])
		}
	}
	for k, v := range r.Attrs {
		if strings.Contains(v.String(), "s3cr3t") || strings.Contains(v.String(), "client-chosen") {
			t.Errorf("%s leaks a client secret or id: %v", k, v)
		}
	}
	if r.Keys[0] != slogaudit.KeyEventType {
		t.Errorf("first key %q", r.Keys[0])
	}
}

func TestRequestIDsAreFreshAndNestedShareThem(t *testing.T) {
	m, rec := newMW(t, nil)
	inner, _ := newMW(t, nil)
	var outerID, innerID string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		outerID = httpaudit.RequestID(r.Context())
		inner.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			innerID = httpaudit.RequestID(r.Context())
		})).ServeHTTP(w, r)
		w.WriteHeader(400)
	})
	serve(m, h, httptest.NewRequest("GET", "/", nil))
	first := rec.only(t).str(slogaudit.KeyRequestID)
	if outerID != first || innerID != first {
		t.Errorf("ids: outer %q inner %q event %q", outerID, innerID, first)
	}
	serve(m, h, httptest.NewRequest("GET", "/", nil))
	if second := rec.records()[1].str(slogaudit.KeyRequestID); second == first || !hex32.MatchString(second) {
		t.Errorf("second request id %q (first %q)", second, first)
	}
	if httpaudit.RequestID(t.Context()) != "" {
		t.Error("RequestID outside a request is not empty")
	}
}

func TestNilLoggerUsesDefaultAtRequestTime(t *testing.T) {
	m, err := httpaudit.New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	old := slog.Default()
	slog.SetDefault(slog.New(rec))
	defer slog.SetDefault(old)
	serve(m, status(404), httptest.NewRequest("GET", "/", nil))
	rec.only(t)
}

func TestLevelDisabledWritesNothing(t *testing.T) {
	rec := &recorder{min: slog.LevelError}
	m, _ := httpaudit.New(slog.New(rec), nil)
	serve(m, status(404), httptest.NewRequest("GET", "/", nil))
	rec.none(t)
	serve(m, status(500), httptest.NewRequest("GET", "/", nil))
	rec.only(t)
}

func TestQueryValuesAreMasked(t *testing.T) {
	req := func() *http.Request {
		return httptest.NewRequest("GET", "/search?q=secret+words&page=2&&eyJhbGciOiJIUzI1NiJ9&empty=", nil)
	}
	m, rec := newMW(t, nil)
	serve(m, status(400), req())
	if rec.only(t).has(httpaudit.KeyURLQuery) {
		t.Fatal("url.query logged without LogQuery")
	}
	m, rec = newMW(t, &httpaudit.Options{LogQuery: true})
	serve(m, status(400), req())
	got := rec.only(t).str(httpaudit.KeyURLQuery)
	if want := "q=[REDACTED]&page=[REDACTED]&[REDACTED]&empty=[REDACTED]"; got != want {
		t.Errorf("url.query = %q, want %q", got, want)
	}
	red, err := redact.New(redact.Options{HMACKey: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	m, rec = newMW(t, &httpaudit.Options{LogQuery: true, Redactor: red})
	serve(m, status(400), httptest.NewRequest("GET", "/?q=a+b", nil))
	if got, want := rec.only(t).str(httpaudit.KeyURLQuery), "q="+red.Mask("a b"); got != want {
		t.Errorf("url.query with HMAC = %q, want %q", got, want)
	}
}

func TestSessionID(t *testing.T) {
	key := []byte("0123456789abcdef0123")
	m, rec := newMW(t, &httpaudit.Options{SessionCookie: "sid", SessionKey: key})
	want := func(v string) string {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(v))
		return hex.EncodeToString(mac.Sum(nil)[:16])
	}
	for i, cookie := range []string{"abc", "abc", "rotated", ""} {
		req := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "sid", Value: cookie})
		}
		serve(m, status(401), req)
		r := rec.records()[i]
		if cookie == "" {
			if r.has(slogaudit.KeySessionID) {
				t.Errorf("session.id without a cookie: %v", r.Attrs[slogaudit.KeySessionID])
			}
			continue
		}
		if got := r.str(slogaudit.KeySessionID); got != want(cookie) || !hex32.MatchString(got) {
			t.Errorf("cookie %q: session.id %q, want %q", cookie, got, want(cookie))
		}
	}

	// The hook's id is hashed too: with SessionKey, as the cookie is.
	m, rec = newMW(t, &httpaudit.Options{SessionID: func(r *http.Request) string { return "srv-" + r.URL.Path }, SessionKey: key})
	serve(m, status(401), httptest.NewRequest("GET", "/p", nil))
	if got := rec.only(t).str(slogaudit.KeySessionID); got != want("srv-/p") {
		t.Errorf("SessionID hook with SessionKey: %q, want %q", got, want("srv-/p"))
	}
}

func TestPanicIsAuditedAndReraised(t *testing.T) {
	type secretPanic struct{ msg string }
	for _, tc := range []struct {
		name       string
		value      any
		before     func(http.ResponseWriter)
		wantStatus int64
		errType    string
		level      slog.Level
	}{
		{"panic", &secretPanic{"card 4111 1111 1111 1111"}, nil, 500, "panic", slog.LevelError},
		{"panic after header", errors.New("boom s3cr3t"), func(w http.ResponseWriter) { w.WriteHeader(404) }, 404, "panic", slog.LevelError},
		{"abort", http.ErrAbortHandler, func(w http.ResponseWriter) { w.Write([]byte("partial")) }, 200, "abort", slog.LevelWarn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// IgnoreStatusCodes must not hide a panic.
			m, rec := newMW(t, &httpaudit.Options{IgnoreStatusCodes: []int{500, 404}})
			h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.before != nil {
					tc.before(w)
				}
				panic(tc.value)
			}))
			var got any
			func() {
				defer func() { got = recover() }()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			}()
			if got != tc.value {
				t.Fatalf("re-raised %v, want the same value %v", got, tc.value)
			}
			r := rec.only(t)
			if r.str(slogaudit.KeyEventType) != httpaudit.EventServerError || r.Level != tc.level ||
				r.str(httpaudit.KeyErrorType) != tc.errType || r.Attrs[httpaudit.KeyHTTPStatusCode].Int64() != tc.wantStatus ||
				r.str(slogaudit.KeyOutcome) != "failure" {
				t.Errorf("event %+v", r.Attrs)
			}
			for k, v := range r.Attrs {
				if s := v.String(); strings.Contains(s, "4111") || strings.Contains(s, "s3cr3t") {
					t.Errorf("%s carries panic text: %q", k, s)
				}
			}
		})
	}
}

// A real server must still run its own recovery after the audit: the client
// sees the connection dropped and the server survives.
func TestPanicOnRealServer(t *testing.T) {
	m, rec := newMW(t, nil)
	srv := httptest.NewUnstartedServer(m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		w.WriteHeader(418)
	})))
	srv.Config.ErrorLog = newDiscardLogger()
	srv.Start()
	defer srv.Close()
	if resp, err := srv.Client().Get(srv.URL + "/panic"); err == nil {
		resp.Body.Close()
		t.Fatalf("panicking handler answered %d", resp.StatusCode)
	}
	resp, err := srv.Client().Get(srv.URL + "/after")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	recs := rec.records()
	if len(recs) != 2 || recs[0].str(httpaudit.KeyErrorType) != "panic" || recs[1].Attrs[httpaudit.KeyHTTPStatusCode].Int64() != 418 {
		t.Fatalf("records %+v", recs)
	}
	if recs[0].str(slogaudit.KeyPeerAddress) != "127.0.0.1" {
		t.Errorf("peer %q", recs[0].str(slogaudit.KeyPeerAddress))
	}
}

// A failing or panicking audit handler changes nothing for the client.
func TestAuditFailureNeverChangesResponse(t *testing.T) {
	for _, rec := range []*recorder{{fail: errors.New("disk full")}, {panik: true}} {
		m, err := httpaudit.New(slog.New(rec), &httpaudit.Options{LogOKResponses: true, CaptureBodies: true, BodyFields: []string{"*"}})
		if err != nil {
			t.Fatal(err)
		}
		h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.WriteHeader(201)
			w.Write(b)
		}))
		srv := httptest.NewServer(h)
		resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(`{"a":1}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if resp.StatusCode != 201 || string(body) != `{"a":1}` {
			t.Errorf("response %d %q", resp.StatusCode, body)
		}
	}
}

// The multipart form parsed on the request copy is handed back, so net/http
// removes its temporary files.
func TestMultipartFormHandedBack(t *testing.T) {
	m, _ := newMW(t, nil)
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("f", "f.bin")
	fw.Write([]byte(strings.Repeat("x", 4096)))
	mw.Close()
	req := httptest.NewRequest("POST", "/", strings.NewReader(body.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	serve(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(16); err != nil { // tiny memory: a temp file
			t.Error(err)
		}
	}), req)
	if req.MultipartForm == nil {
		t.Fatal("form not handed back to the original request")
	}
	req.MultipartForm.RemoveAll()
}
