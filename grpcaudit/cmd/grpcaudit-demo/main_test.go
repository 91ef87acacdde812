package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestScenario runs the demo and checks the story its lines tell.
func TestScenario(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(context.Background(), nil, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	type line struct {
		Severity string         `json:"severity_text"`
		A        map[string]any `json:"attributes"`
	}
	var lines []line
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not JSON: %s", sc.Text())
		}
		lines = append(lines, l)
	}
	want := []struct{ event, code, level, client string }{
		{"rpc.call.client_error", "PERMISSION_DENIED", "WARN", "198.51.100.7"},
		{"auth.login.failed", "", "WARN", "203.0.113.66"},
		{"rpc.call.client_error", "UNAUTHENTICATED", "WARN", "203.0.113.66"},
		{"rpc.call.client_error", "NOT_FOUND", "WARN", "127.0.0.2"},
		{"rpc.call.client_error", "FAILED_PRECONDITION", "WARN", "198.51.100.7"},
		{"rpc.call.server_error", "INTERNAL", "ERROR", "127.0.0.1"},
		{"rpc.call.client_error", "CANCELLED", "INFO", "127.0.0.1"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, w := range want {
		l := lines[i]
		code, _ := l.A["rpc.response.status_code"].(string)
		if l.A["event_type"] != w.event || code != w.code || l.Severity != w.level || l.A["client.address"] != w.client {
			t.Errorf("line %d: %v %s %q %v, want %+v", i+1, l.A["event_type"], l.Severity, code, l.A["client.address"], w)
		}
	}
	if lines[1].A["request_id"] != lines[2].A["request_id"] {
		t.Error("the failed login and its call have different request ids")
	}
	if lines[3].A["request_id"] == "spoofed-id" || lines[4].A["request_id"] != "envoy-5b1d0c2e" {
		t.Errorf("request ids %v %v", lines[3].A["request_id"], lines[4].A["request_id"])
	}
	for _, s := range []string{"eyJhbGci", "ledger index", "s-7f3a9c", "key-maya"} {
		if strings.Contains(out.String(), s) {
			t.Errorf("%q reached the audit lines", s)
		}
	}
}
