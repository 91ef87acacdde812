package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

type line struct {
	Severity   string         `json:"severity_text"`
	Body       string         `json:"body"`
	EventName  string         `json:"event_name"`
	Attributes map[string]any `json:"attributes"`
	Resource   map[string]any `json:"resource"`
}

// runDemo runs the whole scenario in-process and returns its audit lines.
func runDemo(t *testing.T, args ...string) (raw []byte, lines []line) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, args, &stdout, &stderr); code != 0 {
		t.Fatalf("run exited %d\nstderr:\n%s", code, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(stdout.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not a JSON line: %v\n%s", err, sc.Text())
		}
		lines = append(lines, l)
	}
	return stdout.Bytes(), lines
}

func (l line) str(key string) string {
	s, _ := l.Attributes[key].(string)
	return s
}

func TestDemoScenario(t *testing.T) {
	raw, lines := runDemo(t)

	counts := map[string]int{}
	for _, l := range lines {
		et := l.str("event_type")
		if et == "" {
			t.Errorf("line without event_type: %+v", l)
		}
		if l.EventName != et {
			t.Errorf("event_name %q != event_type %q", l.EventName, et)
		}
		if l.str("schema_version") == "" {
			t.Errorf("%s: no schema_version", et)
		}
		if l.Resource["service.name"] != "auditkit-demo" {
			t.Errorf("%s: resource = %v", et, l.Resource)
		}
		counts[et]++
	}
	want := map[string]int{
		"auth.login.success":            1,
		"auth.login.failed":             12, // 3 bad passwords, locked, unknown user, spoofed guess, 6 from the bot
		"auth.login.fail_limit_reached": 1,
		"auth.login.locked":             1,
		"authz.access.denied":           1,
		"model.access":                  1,
		"model.update":                  1,
		"auth.logout.success":           1,
		"session.created":               1,
		"http.response.success":         4,  // login, read, update, logout
		"http.response.client_error":    14, // 403, 3x401, 2x423, 404, the spoofed 401, the bot's 6x401
		"detect.credential_stuffing":    2,  // the bot: start, and the summary at Close
		"detect.login_fail_address":     2,
		"http.response.server_error":    1,
	}
	for et, n := range want {
		if counts[et] != n {
			t.Errorf("%s: %d lines, want %d (all counts: %v)", et, counts[et], n, counts)
		}
	}

	// No password of the scenario reaches the log, not even under another key.
	for _, secret := range []string{"correct horse battery staple", "tr0ub4dor&3", "password1", "letmein", "hunter2", `"guess"`} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("password %q appears in the audit output", secret)
		}
	}

	// Usernames are off: neither the attempted names nor the body field appear.
	for _, name := range []string{`"alice"`, `"bob"`, `"mallory"`, `"username"`} {
		if bytes.Contains(raw, []byte(name)) {
			t.Errorf("%s appears in the audit output although IncludeUsernames is off", name)
		}
	}

	// Attribution: forwarded clients behind the trusted proxy, and the
	// spoofing peer by its real address.
	for _, l := range lines {
		addr := l.str("client.address")
		if addr == spoofedIP || strings.Contains(addr, spoofedIP) {
			t.Errorf("spoofed address used as client: %+v", l)
		}
	}
	var spoofed, panicked, update *line
	for i := range lines {
		l := &lines[i]
		switch {
		case l.str("event_type") == "auth.login.failed" && l.str("client.address") == untrustedPeer:
			spoofed = l
		case l.str("event_type") == "http.response.server_error":
			panicked = l
		case l.str("event_type") == "model.update":
			update = l
		}
	}
	if spoofed == nil {
		t.Error("no failed login attributed to the untrusted peer 127.0.0.2")
	}
	if panicked == nil || panicked.str("error.type") != "panic" || panicked.Attributes["http.response.status_code"] != float64(500) {
		t.Errorf("panic event = %+v", panicked)
	}
	if update == nil {
		t.Fatal("no model.update")
	}
	fields, _ := update.Attributes["changed_fields"].([]any)
	if !slices.Equal(fields, []any{"amount", "status"}) {
		t.Errorf("changed_fields = %v", update.Attributes["changed_fields"])
	}
	if update.str("user.id") != "1001" || update.str("client.address") != aliceIP {
		t.Errorf("model.update not attributed to alice: %+v", update.Attributes)
	}
	if sid := update.str("session.id"); len(sid) != 32 {
		t.Errorf("session.id = %q, want 32 hex", sid)
	}
	if _, ok := update.Attributes["user.name"]; ok {
		t.Error("user.name written although IncludeUsernames is off")
	}

	// Events logged inside a request share its request_id with the response event.
	byRequest := map[string][]string{}
	for _, l := range lines {
		byRequest[l.str("request_id")] = append(byRequest[l.str("request_id")], l.str("event_type"))
	}
	if ids := byRequest[update.str("request_id")]; !slices.Contains(ids, "http.response.success") {
		t.Errorf("request %s has events %v, want the response event too", update.str("request_id"), ids)
	}
}

func TestDemoOutFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	raw, _ := runDemo(t, "-out", path)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, raw) {
		t.Errorf("-out file differs from stdout (%d vs %d bytes)", len(got), len(raw))
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", info.Mode().Perm())
	}
}

func TestDemoBadFlag(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-nope"}, &bytes.Buffer{}, &stderr); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}

// The login is joined to its session (httpaudit.SetSession):
// auth.login.success, session.created and the login's response event carry
// the session.id of the new cookie, and so does alice's next request, which
// presents it.
func TestDemoLoginJoinsSession(t *testing.T) {
	_, lines := runDemo(t)
	var success *line
	for i := range lines {
		if lines[i].str("event_type") == "auth.login.success" {
			success = &lines[i]
			break
		}
	}
	if success == nil {
		t.Fatal("no auth.login.success")
	}
	sid, rid := success.str("session.id"), success.str("request_id")
	if len(sid) != 32 || strings.Trim(sid, "0123456789abcdef") != "" {
		t.Fatalf("auth.login.success session.id = %q, want 32 hex", sid)
	}
	login := map[string]string{} // event_type -> session.id, within the login request
	for _, l := range lines {
		if l.str("request_id") == rid {
			login[l.str("event_type")] = l.str("session.id")
		}
	}
	for _, et := range []string{"auth.login.success", "session.created", "http.response.success"} {
		if got, ok := login[et]; !ok || got != sid {
			t.Errorf("login request: %s session.id = %q (present %v), want %q; events %v", et, got, ok, sid, login)
		}
	}
	// The next request of the scenario: alice reads her invoice with the
	// cookie the login set.
	var next *line
	for i := range lines {
		if lines[i].str("event_type") == "model.access" {
			next = &lines[i]
			break
		}
	}
	if next == nil || next.str("session.id") != sid {
		t.Errorf("next request's session.id = %v, want %q", next, sid)
	}
}
