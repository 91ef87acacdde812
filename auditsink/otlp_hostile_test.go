package auditsink

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Regressions of the red team's attacks on the exporter.

const hostileSecret = "Bearer s3cr3t-T0KEN-abcdef0123456789"

// rawServer reads each request and lets answer write raw bytes back.
func rawServer(t *testing.T, answer func(c net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				answer(c)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// giveUp closes x with a short deadline after letting it try for a while.
func giveUp(t *testing.T, x *OTLP) OTLPStats {
	time.Sleep(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_ = x.Close(ctx)
	return x.Stats()
}

func TestOTLPSecretsStayHidden(t *testing.T) {
	headers := map[string]string{"Authorization": hostileSecret}
	t.Run("in a malformed answer quoted by a transport error", func(t *testing.T) {
		url := rawServer(t, func(c net.Conn) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nAuthorization "+hostileSecret+"\r\n\r\n")
		})
		x, l, errs := startOTLP(t, url, OTLPOptions{Headers: headers})
		logN(l, 0, 1)
		giveUp(t, x)
		if e := errs.all(); e == "" || strings.Contains(e, "s3cr3t") {
			t.Errorf("errors: %s", e)
		}
	})
	t.Run("cut in half by the answer's read limit", func(t *testing.T) {
		rc := newReceiver(t, func(_ int, r *http.Request, _ []string) (int, map[string]string, string) {
			return 401, map[string]string{"Content-Type": "text/plain"}, strings.Repeat(" ", maxAnswer-20) + r.Header.Get("Authorization")
		})
		x, l, errs := startOTLP(t, rc.url(), OTLPOptions{Headers: headers})
		logN(l, 0, 1)
		closeOTLP(t, x)
		if e := errs.all(); !strings.Contains(e, "401") || strings.Contains(e, "s3cr3t") {
			t.Errorf("errors: %s", e)
		}
	})
}

// A refusal whose body is cut short is still a refusal, not a dropped
// connection to retry.
func TestOTLPRefusalWithShortBody(t *testing.T) {
	for _, status := range []string{"400 Bad Request", "401 Unauthorized", "500 Internal Server Error"} {
		t.Run(status, func(t *testing.T) {
			url := rawServer(t, func(c net.Conn) {
				_, _ = io.WriteString(c, "HTTP/1.1 "+status+"\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nbad request")
			})
			x, l, _ := startOTLP(t, url, OTLPOptions{})
			logN(l, 0, 1)
			if s := giveUp(t, x); s.Retries != 0 || s.Failed != 1 {
				t.Errorf("Stats = %+v", s)
			}
		})
	}
}

// A long outage with a long InitialBackoff: the doubling saturates at the
// cap instead of overflowing (which made rand.N panic on the worker).
func TestOTLPBackoffSaturates(t *testing.T) {
	e := &exporter{initial: 30 * time.Second, maxBackoff: 5 * time.Minute}
	for attempt := range 100 {
		if d := e.backoff(attempt); d < e.initial/2 || d > e.maxBackoff {
			t.Fatalf("backoff(%d) = %v", attempt, d)
		}
	}
	if d := e.backoff(99); d < e.maxBackoff/2 {
		t.Errorf("backoff(99) = %v, not at the cap", d)
	}
}

// When Close gives up on a hanging receiver, Stats is final as it returns.
func TestOTLPStatsFinalAfterClose(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	x, l, _ := startOTLP(t, srv.URL, OTLPOptions{})
	logN(l, 0, 10)
	if s := giveUp(t, x); s.Stats != (Stats{Dropped: 10}) {
		t.Errorf("Stats right after Close = %+v", s)
	}
}

// In a JSON batch, a line that only looks like OTLP is refused alone; its
// neighbours are delivered.
func TestOTLPJSONBadLineAlone(t *testing.T) {
	rc := newReceiver(t, nil)
	x, l, _ := startOTLP(t, rc.url(), OTLPOptions{Encoding: OTLPJSON, FlushInterval: 200 * time.Millisecond})
	logN(l, 0, 5)
	if _, err := x.Write([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"abc"}]}]}]}`)); err != nil {
		t.Fatal(err)
	}
	logN(l, 5, 5)
	if s := closeOTLP(t, x); s.Stats != (Stats{Written: 10, Failed: 1}) {
		t.Errorf("Stats = %+v", s)
	}
}
