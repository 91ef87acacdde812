package auditsink

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// receiver is an OTLP/HTTP endpoint for the exporter's tests: it decodes
// each request (gzip, JSON or protobuf), keeps the bodies of the records
// it accepts, and answers what answer says for the request's number.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	answer func(n int, r *http.Request, records []string) (status int, header map[string]string, body string)

	mu       sync.Mutex
	requests []request
	bodies   []string // bodies of the records of accepted requests, in order
}

type request struct {
	at      time.Time
	header  http.Header
	records []string
	status  int
}

func newReceiver(t *testing.T, answer func(n int, r *http.Request, records []string) (int, map[string]string, string)) *receiver {
	rc := &receiver{t: t, answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/logs" {
		http.Error(w, "wrong method or path "+r.URL.Path, http.StatusNotFound)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	data, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var records []string
	switch r.Header.Get("Content-Type") {
	case "application/json":
		records = jsonBodies(rc.t, data)
	case "application/x-protobuf":
		records = protoBodies(rc.t, data)
	default:
		http.Error(w, "content type", http.StatusUnsupportedMediaType)
		return
	}
	rc.mu.Lock()
	n := len(rc.requests)
	rc.mu.Unlock()
	status, header, answer := http.StatusOK, map[string]string(nil), ""
	if rc.answer != nil {
		status, header, answer = rc.answer(n, r, records)
	}
	rc.mu.Lock()
	rc.requests = append(rc.requests, request{at: time.Now(), header: r.Header.Clone(), records: records, status: status})
	if status == http.StatusOK {
		rc.bodies = append(rc.bodies, records...)
	}
	rc.mu.Unlock()
	if status < 0 { // drop the connection without an answer
		panic(http.ErrAbortHandler)
	}
	for k, v := range header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, answer)
}

func (rc *receiver) url() string { return rc.srv.URL }

func (rc *receiver) snapshot() ([]request, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.requests...), append([]string(nil), rc.bodies...)
}

// jsonBodies returns the string bodies of an OTLP/JSON request's records.
func jsonBodies(t *testing.T, data []byte) []string {
	var req struct {
		ResourceLogs []struct {
			ScopeLogs []struct {
				LogRecords []struct {
					Body struct{ StringValue string } `json:"body"`
				} `json:"logRecords"`
			} `json:"scopeLogs"`
		} `json:"resourceLogs"`
	}
	if err := json.Unmarshal(data, &req); err != nil {
		t.Errorf("receiver: JSON request %q: %v", data, err)
	}
	var out []string
	for _, rl := range req.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			for _, lr := range sl.LogRecords {
				out = append(out, lr.Body.StringValue)
			}
		}
	}
	return out
}

// protoBodies returns the string bodies of a protobuf request's records.
func protoBodies(t *testing.T, data []byte) []string {
	var out []string
	for _, rl := range fields(t, data, 1) {
		for _, sl := range fields(t, rl, 2) {
			for _, lr := range fields(t, sl, 2) {
				body := ""
				for _, b := range fields(t, lr, 5) {
					for _, s := range fields(t, b, 1) {
						body = string(s)
					}
				}
				out = append(out, body)
			}
		}
	}
	return out
}

// fields returns the length-delimited fields num of msg.
func fields(t *testing.T, msg []byte, num protowire.Number) [][]byte {
	var out [][]byte
	for len(msg) > 0 {
		n, typ, l := protowire.ConsumeTag(msg)
		if l < 0 {
			t.Errorf("receiver: bad protobuf tag")
			return out
		}
		msg = msg[l:]
		l = protowire.ConsumeFieldValue(n, typ, msg)
		if l < 0 {
			t.Errorf("receiver: bad protobuf field %d", n)
			return out
		}
		if n == num && typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(msg)
			out = append(out, v)
		}
		msg = msg[l:]
	}
	return out
}
