package httpaudit_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/secaudit/auditkit/httpaudit"
)

// jsonOfSize returns a JSON object of exactly n bytes (n == 0 or n >= 8).
func jsonOfSize(n int) []byte {
	if n == 0 {
		return nil
	}
	return []byte(`{"f":"` + strings.Repeat("a", n-8) + `"}`)
}

// hideLen hides the length of a reader so the client sends it chunked.
type hideLen struct{ io.Reader }

// TestBodyReachesHandlerIntact streams bodies of every interesting size over
// a real connection, with and without Content-Length, and checks that the
// handler reads exactly the bytes the client sent while the event carries
// the capture (or too_large).
func TestBodyReachesHandlerIntact(t *testing.T) {
	const max = 4096
	m, rec := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"f"}, MaxBodyBytes: max})
	type seen struct {
		n   int64
		sum [32]byte
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			t.Errorf("handler read: %v", err)
		}
		var s seen
		s.n = n
		copy(s.sum[:], h.Sum(nil))
		got <- s
		w.WriteHeader(http.StatusUnprocessableEntity)
	})))
	defer srv.Close()

	for _, size := range []int{0, 1024, max, max + 1, 10 << 20} {
		for _, chunked := range []bool{false, true} {
			rec.recs = nil
			data := jsonOfSize(size)
			var body io.Reader = bytes.NewReader(data)
			if chunked {
				body = hideLen{body}
			}
			req, _ := http.NewRequest("POST", srv.URL+"/upload", body)
			req.Header.Set("Content-Type", "application/json")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			s := <-got
			if s.n != int64(size) || s.sum != sha256.Sum256(data) {
				t.Errorf("size %d chunked %v: handler read %d bytes, digest match %v", size, chunked, s.n, s.sum == sha256.Sum256(data))
			}
			ev := rec.only(t)
			switch {
			case size == 0:
				if ev.has(httpaudit.KeyRequestBody) || ev.has(httpaudit.KeyRequestBodyParseStatus) {
					t.Errorf("size 0: body attrs %v", ev.Attrs)
				}
			case size <= max:
				b, _ := ev.Attrs[httpaudit.KeyRequestBody].Any().(map[string]any)
				if f, _ := b["f"].(string); len(f) != size-8 {
					t.Errorf("size %d chunked %v: captured %v", size, chunked, ev.Attrs[httpaudit.KeyRequestBody])
				}
			default:
				if ev.str(httpaudit.KeyRequestBodyParseStatus) != httpaudit.ParseTooLarge || ev.has(httpaudit.KeyRequestBody) {
					t.Errorf("size %d chunked %v: %v", size, chunked, ev.Attrs)
				}
			}
		}
	}
}

// patternReader yields n bytes without allocating.
type patternReader struct{ n int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n {
		b = b[:p.n]
	}
	for i := range b {
		b[i] = '7'
	}
	p.n -= int64(len(b))
	return len(b), nil
}

// TestBodyCaptureMemoryIsBounded measures the bytes allocated while a body
// of unknown length streams through: capture holds at most MaxBodyBytes+1
// whatever the size, so 10 MiB costs what 8 KiB costs.
func TestBodyCaptureMemoryIsBounded(t *testing.T) {
	const max = 4096
	m, _ := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}, MaxBodyBytes: max, LogOKResponses: true})
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	alloc := func(size int64) uint64 {
		req := httptest.NewRequest("POST", "/", nil)
		req.Body = io.NopCloser(&patternReader{n: size})
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		h.ServeHTTP(w, req)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	alloc(1 << 10) // warm up pools
	small, large := alloc(8<<10), alloc(10<<20)
	t.Logf("allocated: 8 KiB body %d B, 10 MiB body %d B", small, large)
	if large > max+64<<10 {
		t.Errorf("a 10 MiB body allocated %d bytes; capture must stay near MaxBodyBytes", large)
	}
	if large > small+16<<10 {
		t.Errorf("allocation grows with body size: %d vs %d", large, small)
	}
}

func TestBodyCaptureRules(t *testing.T) {
	login := `{"username":"maya","password":"hunter2","amount":12,"big":12345678901234567890,"Username":"x","nested":{"token":"t0k","k":1}}`
	fields := []string{"username", "password", "amount", "big", "nested"}
	for _, tc := range []struct {
		name   string
		opts   httpaudit.Options
		method string
		path   string
		ctype  string
		body   string
		want   string // fmt of request.body ("" = absent)
		status string
	}{
		{"fields kept and redacted", httpaudit.Options{}, "POST", "/login", "application/json", login,
			// Username folds to username, as encoding/json matches it, so
			// both are kept; numbers stay json.Number, exact.
			"map[Username:x amount:12 big:12345678901234567890 nested:map[k:1 token:[REDACTED]] password:[REDACTED] username:maya]", ""},
		{"all fields", httpaudit.Options{BodyFields: []string{"*"}}, "PUT", "/x", "application/json; charset=utf-8", `{"a":1,"B":"b"}`, "map[B:b a:1]", ""},
		{"vendor json", httpaudit.Options{}, "PATCH", "/x", "Application/Merchant+JSON", `{"amount":1}`, "map[amount:1]", ""},
		{"no listed field", httpaudit.Options{}, "POST", "/x", "application/json", `{"other":1}`, "", ""},
		{"empty object", httpaudit.Options{}, "POST", "/x", "application/json", `{}`, "", ""},
		{"array", httpaudit.Options{}, "POST", "/x", "application/json", `[{"amount":1}]`, "", httpaudit.ParseUnsupportedShape},
		{"scalar", httpaudit.Options{}, "POST", "/x", "application/json", `"amount"`, "", httpaudit.ParseUnsupportedShape},
		{"broken", httpaudit.Options{}, "POST", "/x", "application/json", `{"amount":`, "", httpaudit.ParseInvalidJSON},
		{"not utf-8", httpaudit.Options{}, "POST", "/x", "application/json", "{\"username\":\"\xff\"}", "", httpaudit.ParseInvalidJSON},
		{"declared too large", httpaudit.Options{MaxBodyBytes: 8}, "POST", "/x", "application/json", `{"amount":1}`, "", httpaudit.ParseTooLarge},
		{"GET not captured", httpaudit.Options{}, "GET", "/x", "application/json", `{"amount":1}`, "", ""},
		{"form not captured", httpaudit.Options{}, "POST", "/x", "application/x-www-form-urlencoded", `amount=1`, "", ""},
		{"text not captured", httpaudit.Options{}, "POST", "/x", "text/plain", `{"amount":1}`, "", ""},
		{"path not configured", httpaudit.Options{BodyPaths: []string{`^/api/`}}, "POST", "/x", "application/json", `{"amount":1}`, "", ""},
		{"path configured", httpaudit.Options{BodyPaths: []string{`^/api/`}}, "POST", "/api/../api/x", "application/json", `{"amount":1}`, "map[amount:1]", ""},
		{"method configured", httpaudit.Options{BodyMethods: []string{"delete"}}, "DELETE", "/x", "application/json", `{"amount":1}`, "map[amount:1]", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.CaptureBodies = true
			if opts.BodyFields == nil {
				opts.BodyFields = fields
			}
			m, rec := newMW(t, &opts)
			var read string
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				read = string(b)
				w.WriteHeader(400)
			})
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			serve(m, h, req)
			if read != tc.body {
				t.Errorf("handler read %q", read)
			}
			ev := rec.only(t)
			got := ""
			if ev.has(httpaudit.KeyRequestBody) {
				got = fmt.Sprint(ev.Attrs[httpaudit.KeyRequestBody].Any())
			}
			if got != tc.want {
				t.Errorf("request.body = %s\nwant           %s", got, tc.want)
			}
			if st := ev.str(httpaudit.KeyRequestBodyParseStatus); st != tc.status {
				t.Errorf("parse status %q, want %q", st, tc.status)
			}
		})
	}
}

// A failed login is audited with its body even though the handler rejects it
// without reading it; nothing is parsed when no event is written.
func TestBodyCapturedWhenHandlerDoesNotRead(t *testing.T) {
	m, rec := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"username"}})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	})
	req := func(p string) *http.Request {
		r := httptest.NewRequest("POST", p, strings.NewReader(`{"username":"maya"}`))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	serve(m, h, req("/login"))
	if got := fmt.Sprint(rec.only(t).Attrs[httpaudit.KeyRequestBody].Any()); got != "map[username:maya]" {
		t.Errorf("request.body %s", got)
	}
	serve(m, h, req("/ok"))
	if len(rec.records()) != 1 {
		t.Error("a 200 was audited")
	}
}

type errBody struct {
	r      io.Reader
	closed bool
}

func (b *errBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *errBody) Close() error               { b.closed = true; return nil }

// A read error during capture is replayed after the bytes before it, and
// Close reaches the original body.
func TestBodyReadErrorReplayed(t *testing.T) {
	m, _ := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}})
	boom := errors.New("connection reset")
	orig := &errBody{r: io.MultiReader(strings.NewReader(`{"a":`), iotest.ErrReader(boom))}
	req := httptest.NewRequest("POST", "/", nil)
	req.Body, req.ContentLength = orig, -1
	req.Header.Set("Content-Type", "application/json")
	var read string
	var err error
	serve(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b []byte
		b, err = io.ReadAll(iotest.OneByteReader(r.Body))
		read = string(b)
		r.Body.Close()
	}), req)
	if read != `{"a":` || !errors.Is(err, boom) {
		t.Errorf("handler read %q, %v", read, err)
	}
	if !orig.closed {
		t.Error("Close did not reach the original body")
	}
}

// One-byte reads cross the boundary between the replayed head and the rest.
func TestBodyReplayBoundary(t *testing.T) {
	m, _ := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}, MaxBodyBytes: 16})
	data := jsonOfSize(100)
	req := httptest.NewRequest("POST", "/", nil)
	req.Body, req.ContentLength = io.NopCloser(hideLen{bytes.NewReader(data)}), -1
	req.Header.Set("Content-Type", "application/json")
	var read []byte
	serve(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		read, _ = io.ReadAll(iotest.OneByteReader(r.Body))
	}), req)
	if !bytes.Equal(read, data) {
		t.Errorf("handler read %q", read)
	}
}

// FuzzBodyReplay: whatever the body and the limit, chunked or not, the
// handler reads exactly the bytes sent, and the event is written.
func FuzzBodyReplay(f *testing.F) {
	f.Add([]byte(`{"a":1}`), int64(4096), false)
	f.Add([]byte(`[1,2,3]`), int64(3), true)
	f.Fuzz(func(t *testing.T, data []byte, max int64, chunked bool) {
		max = max%10000 + 1
		if max <= 0 {
			max += 10000
		}
		m, rec := newMW(t, &httpaudit.Options{CaptureBodies: true, BodyFields: []string{"*"}, MaxBodyBytes: max})
		req := httptest.NewRequest("POST", "/", bytes.NewReader(data))
		if chunked {
			req.Body, req.ContentLength = io.NopCloser(hideLen{bytes.NewReader(data)}), -1
		}
		req.Header.Set("Content-Type", "application/json")
		var read []byte
		serve(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			read, _ = io.ReadAll(r.Body)
			w.WriteHeader(400)
		}), req)
		if !bytes.Equal(read, data) {
			t.Fatalf("handler read %q, sent %q", read, data)
		}
		ev := rec.only(t)
		if int64(len(data)) > max && ev.str(httpaudit.KeyRequestBodyParseStatus) != httpaudit.ParseTooLarge {
			t.Fatalf("%d bytes over %d: %v", len(data), max, ev.Attrs)
		}
	})
}
