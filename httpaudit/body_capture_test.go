package httpaudit_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// abortedUpload sends a request declaring 20 bytes of body (by
// Content-Length or in one chunk), sends 10, half-closes and returns what
// the handler read and the final error it got.
func abortedUpload(t *testing.T, m *httpaudit.Middleware, chunked bool) (string, error) {
	t.Helper()
	type result struct {
		read string
		err  error
	}
	got := make(chan result, 1)
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		got <- result{string(b), err}
		w.WriteHeader(http.StatusBadRequest)
	})
	if m != nil {
		h = m.Wrap(h)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	if chunked {
		head += "Transfer-Encoding: chunked\r\n\r\n14\r\n"
	} else {
		head += "Content-Length: 20\r\n\r\n"
	}
	io.WriteString(conn, head+`{"a":"12345`[:10])
	conn.(*net.TCPConn).CloseWrite()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	// The response goes out after the handler returned and the event was
	// written.
	if line, err := bufio.NewReader(conn).ReadString('\n'); !strings.HasPrefix(line, "HTTP/1.1 400") {
		t.Fatalf("response %q, %v", line, err)
	}
	r := <-got
	return r.read, r.err
}

// A client that aborts mid-upload: the handler sees the same bytes and the
// same io.ErrUnexpectedEOF as without the middleware, not a clean io.EOF
// that would make a truncated body look complete.
func TestBodyClientAbortKeepsError(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		bareRead, bareErr := abortedUpload(t, nil, chunked)
		m, rec := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}})
		read, err := abortedUpload(t, m, chunked)
		if bareErr != io.ErrUnexpectedEOF || bareRead != `{"a":"1234` {
			t.Fatalf("chunked %v: without the middleware the handler read %q, %v", chunked, bareRead, bareErr)
		}
		if read != bareRead || err != bareErr {
			t.Errorf("chunked %v: handler read %q, %v; without the middleware %q, %v", chunked, read, err, bareRead, bareErr)
		}
		if st := rec.only(t).str(httpaudit.KeyRequestBodyParseStatus); st != httpaudit.ParseIncomplete {
			t.Errorf("chunked %v: truncated body has parse status %q", chunked, st)
		}
	}
}

// BodyFields match keys as encoding/json matches struct fields, so the
// event cannot show one value while the application used another.
func TestBodyFieldsFoldLikeEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		fields []string
		body   string
		want   string
	}{
		{[]string{"username"}, `{"username":"victim","Username":"attacker","password":"x"}`, "map[Username:attacker username:victim]"},
		{[]string{"username"}, `{"USERNAME":"attacker"}`, "map[USERNAME:attacker]"},
		{[]string{"username"}, `{"uſername":"attacker"}`, "map[uſername:attacker]"},  // ſ folds to s, in encoding/json too
		{[]string{"username"}, `{"username":"a","username":"b"}`, "map[username:b]"}, // last duplicate wins, as for the app
		// A key folding to a sensitive listed field is redacted as that
		// field, whatever the redactor makes of its own spelling.
		{[]string{"password"}, `{"PASSWORD":"hunter2","paſſword":"hunter3"}`, "map[PASSWORD:[REDACTED] paſſword:[REDACTED]]"},
		{[]string{"username", "USERNAME"}, `{"Username":"x"}`, "map[Username:x]"},
	} {
		m, rec := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: tc.fields})
		var app struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		req := httptest.NewRequest("POST", "/login", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		serve(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			json.NewDecoder(r.Body).Decode(&app)
			w.WriteHeader(401)
		}), req)
		got := fmt.Sprint(rec.only(t).Attrs[httpaudit.KeyRequestBody].Any())
		if got != tc.want {
			t.Errorf("%s with %v: request.body %s, want %s", tc.body, tc.fields, got, tc.want)
		}
		// Whatever the application used is among what was logged.
		if app.Username != "" && !strings.Contains(got, ":"+app.Username) {
			t.Errorf("%s: the application used %q, the event shows %s", tc.body, app.Username, got)
		}
	}
}

func TestMaxBodyBytesLimit(t *testing.T) {
	for _, max := range []int64{httpaudit.MaxBodyBytesLimit + 1, 1 << 62, math.MaxInt64} {
		_, err := httpaudit.New(nil, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}, MaxBodyBytes: max})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("MaxBodyBytes %d", max)) {
			t.Errorf("MaxBodyBytes %d: err %v", max, err)
		}
	}
	if _, err := httpaudit.New(nil, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}, MaxBodyBytes: httpaudit.MaxBodyBytesLimit}); err != nil {
		t.Errorf("MaxBodyBytesLimit itself: %v", err)
	}
}

// The capture buffer grows with the bytes that arrive, not with the limit:
// a short body under the largest limit costs what it costs under the
// default, while the old up-front buffer cost MaxBodyBytes+1 per request.
func TestBodyCaptureGrowsAsBytesArrive(t *testing.T) {
	m, rec := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}, MaxBodyBytes: httpaudit.MaxBodyBytesLimit})
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(400)
	}))
	req := func() *http.Request {
		r := httptest.NewRequest("POST", "/", nil)
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader(`{"a":1}`)), -1
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	h.ServeHTTP(httptest.NewRecorder(), req()) // warm up
	const n = 8
	reqs := make([]*http.Request, n)
	for i := range reqs {
		reqs[i] = req()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, r := range reqs {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	runtime.ReadMemStats(&after)
	per := (after.TotalAlloc - before.TotalAlloc) / n
	t.Logf("%d B allocated per request with MaxBodyBytes %d", per, httpaudit.MaxBodyBytesLimit)
	if per > 64<<10 {
		t.Errorf("a 7-byte body allocated %d B per request", per)
	}
	if got := fmt.Sprint(rec.records()[n].Attrs[httpaudit.KeyRequestBody].Any()); got != "map[a:1]" {
		t.Errorf("request.body %s", got)
	}
}

// With "Expect: 100-continue" the middleware reads nothing before the
// handler: a handler that refuses without reading answers at once, and the
// client never gets a 100 Continue it did not earn.
func TestExpectContinueNotAnsweredByAudit(t *testing.T) {
	m, rec := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}})
	srv := httptest.NewServer(m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusBadRequest)
	})))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	head := "Host: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n"

	if got := rawRequest(t, addr, "POST /login HTTP/1.1\r\n"+head); got != "HTTP/1.1 401 Unauthorized" {
		t.Errorf("refused without reading: first line %q", got)
	}
	ev := rec.only(t)
	if ev.str(httpaudit.KeyRequestBodyParseStatus) != httpaudit.ParseUnread || ev.has(httpaudit.KeyRequestBody) {
		t.Errorf("refused without reading: %v", ev.Attrs)
	}

	// A handler that reads gets the body after 100 Continue, and the
	// capture has what it read.
	rec.recs = nil
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "POST /upload HTTP/1.1\r\n"+head)
	br := bufio.NewReader(conn)
	if line, _ := br.ReadString('\n'); !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("reading handler: first line %q", line)
	}
	br.ReadString('\n') // blank line after 100 Continue
	io.WriteString(conn, `{"a":1}`)
	if line, _ := br.ReadString('\n'); !strings.HasPrefix(line, "HTTP/1.1 400") {
		t.Errorf("reading handler: final line %q", line)
	}
	if got := fmt.Sprint(rec.only(t).Attrs[httpaudit.KeyRequestBody].Any()); got != "map[a:1]" {
		t.Errorf("reading handler: request.body %s", got)
	}
}

// What a handler reads of an Expect: 100-continue body is all the capture
// has: complete bodies parse, anything less is "unread", never a guess.
func TestExpectContinueCapturesWhatHandlerReads(t *testing.T) {
	const max = 16
	body := `{"a":"12345678"}` // exactly max
	for _, tc := range []struct {
		name    string
		body    string
		chunked bool
		read    int // bytes the handler reads; -1 all
		want    string
		status  string
	}{
		{"nothing read", body, false, 0, "", httpaudit.ParseUnread},
		{"part read", body, false, 5, "", httpaudit.ParseUnread},
		{"all read", body, false, -1, "map[a:12345678]", ""},
		{"all read chunked", body, true, -1, "map[a:12345678]", ""},
		{"part read chunked", body, true, 5, "", httpaudit.ParseUnread},
		{"too large chunked, all read", body + "  ", true, -1, "", httpaudit.ParseTooLarge},
		{"too large chunked, max+1 read", body + "  ", true, max + 1, "", httpaudit.ParseTooLarge},
		{"too large declared", body + "  ", false, 0, "", httpaudit.ParseTooLarge},
	} {
		m, rec := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}, MaxBodyBytes: max})
		req := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
		if tc.chunked {
			req.Body, req.ContentLength = io.NopCloser(hideLen{strings.NewReader(tc.body)}), -1
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Expect", "100-Continue")
		var read []byte
		serve(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.read < 0 {
				read, _ = io.ReadAll(r.Body)
			} else {
				read = make([]byte, tc.read)
				io.ReadFull(r.Body, read)
			}
			w.WriteHeader(400)
		}), req)
		if tc.read < 0 && string(read) != tc.body {
			t.Errorf("%s: handler read %q", tc.name, read)
		}
		ev := rec.only(t)
		got := ""
		if ev.has(httpaudit.KeyRequestBody) {
			got = fmt.Sprint(ev.Attrs[httpaudit.KeyRequestBody].Any())
		}
		if got != tc.want || ev.str(httpaudit.KeyRequestBodyParseStatus) != tc.status {
			t.Errorf("%s: request.body %q status %q, want %q %q", tc.name, got, ev.str(httpaudit.KeyRequestBodyParseStatus), tc.want, tc.status)
		}
	}
}

// Numbers in a captured body stay exact JSON numbers (json.Number), and
// value rules see them: a card number sent as a number is redacted like one
// in a string.
func TestBodyNumbersKeptForRedaction(t *testing.T) {
	red, err := redact.New(redact.Options{Detectors: []string{redact.DetectorCardNumber}})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"note":4111111111111111,"big":123456789012345678901234567890,"amount":12.50,"n":-7}`
	req := func() *http.Request {
		r := httptest.NewRequest("POST", "/pay", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	opts := &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}, Redactor: red}

	// What the middleware logs: the numbers' own text.
	m, rec := newMW(t, opts)
	serve(m, status(400), req())
	got, _ := rec.only(t).Attrs[httpaudit.KeyRequestBody].Any().(map[string]any)
	want := map[string]any{"note": redact.Marker, "big": json.Number("123456789012345678901234567890"),
		"amount": json.Number("12.50"), "n": json.Number("-7")}
	if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
		t.Errorf("request.body %#v\nwant         %#v", got, want)
	}

	// Through slogaudit and through encoding/json (slog.JSONHandler) they
	// are JSON numbers, and the card number is gone.
	for name, h := range map[string]func(io.Writer) slog.Handler{
		"slogaudit":   func(w io.Writer) slog.Handler { return slogaudit.NewHandler(w, &slogaudit.Options{Redactor: red}) },
		"JSONHandler": func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
	} {
		var buf bytes.Buffer
		m, err := httpaudit.New(slog.New(h(&buf)), opts)
		if err != nil {
			t.Fatal(err)
		}
		serve(m, status(400), req())
		var line map[string]any
		d := json.NewDecoder(&buf)
		d.UseNumber()
		if err := d.Decode(&line); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a, ok := line["attributes"].(map[string]any); ok {
			line = a
		}
		b, _ := line[httpaudit.KeyRequestBody].(map[string]any)
		for _, k := range []string{"big", "amount", "n"} {
			if _, ok := b[k].(json.Number); !ok {
				t.Errorf("%s: %s = %#v, want a JSON number", name, k, b[k])
			}
		}
		if name == "JSONHandler" && b["big"] != json.Number("123456789012345678901234567890") {
			t.Errorf("%s: big = %v", name, b["big"])
		}
		if b["note"] != redact.Marker || strings.Contains(buf.String(), "4111111111111111") {
			t.Errorf("%s: card number logged: %v", name, b)
		}
	}
}

// A body that breaks off is never logged as if it were whole, even when
// what arrived is valid JSON; read ahead or teed, the handler gets the
// error.
func TestBodyBrokenOffIsIncomplete(t *testing.T) {
	boom := errors.New("connection reset")
	for _, expect := range []bool{false, true} {
		m, rec := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}})
		req := httptest.NewRequest("POST", "/", nil)
		req.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"amount":1}`), iotest.ErrReader(boom)))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		if expect {
			req.Header.Set("Expect", "100-continue")
		}
		var err error
		serve(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err = io.ReadAll(r.Body)
			w.WriteHeader(400)
		}), req)
		ev := rec.only(t)
		if err != boom || ev.has(httpaudit.KeyRequestBody) || ev.str(httpaudit.KeyRequestBodyParseStatus) != httpaudit.ParseIncomplete {
			t.Errorf("expect %v: handler err %v, event %v", expect, err, ev.Attrs)
		}
	}
}
