package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// TestDemoOTLP ships the scenario to an OTLP/HTTP receiver: every event
// on stdout arrives, in order, as a protobuf record with the same body.
func TestDemoOTLP(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zr, err := gzip.NewReader(r.Body)
		if err != nil || r.URL.Path != "/v1/logs" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		data, _ := io.ReadAll(zr)
		mu.Lock()
		defer mu.Unlock()
		for _, rl := range fieldsOf(data, 1) {
			for _, sl := range fieldsOf(rl, 2) {
				for _, lr := range fieldsOf(sl, 2) {
					for _, body := range fieldsOf(lr, 5) {
						for _, s := range fieldsOf(body, 1) {
							bodies = append(bodies, string(s))
						}
					}
				}
			}
		}
	}))
	defer srv.Close()
	_, lines := runDemo(t, "-otlp", srv.URL)
	var want []string
	for _, l := range lines {
		want = append(want, l.Body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(want) < 20 || !slices.Equal(bodies, want) {
		t.Errorf("received %d records, stdout has %d:\n%q\n%q", len(bodies), len(want), bodies, want)
	}
}

func TestDemoOTLPBadURL(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-otlp", "ftp://x"}, io.Discard, &stderr); code != 2 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(stderr.String(), "OTLPOptions.Endpoint") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// fieldsOf returns the length-delimited fields num of msg.
func fieldsOf(msg []byte, num protowire.Number) [][]byte {
	var out [][]byte
	for len(msg) > 0 {
		n, typ, l := protowire.ConsumeTag(msg)
		if l < 0 {
			return out
		}
		msg = msg[l:]
		l = protowire.ConsumeFieldValue(n, typ, msg)
		if l < 0 {
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
