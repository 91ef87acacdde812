package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"
)

// Addresses the scenario pretends to come from. The "proxy" ones are sent in
// X-Forwarded-For by a request from 127.0.0.1, the trusted proxy.
const (
	aliceIP   = "198.51.100.7"
	bobIP     = "203.0.113.66"
	spoofedIP = "192.0.2.250"
	// botIP is a credential-stuffing bot's address.
	botIP = "203.0.113.99"
	// untrustedPeer is where the spoofing request really comes from.
	untrustedPeer = "127.0.0.2"
)

// step is one request of the scenario and the status it must get.
type step struct {
	what    string
	client  *http.Client
	method  string
	path    string
	body    string
	xff     string
	want    int // 0: the connection is expected to fail (the server panicked)
	wantErr bool
}

func runScenario(ctx context.Context, base string, log io.Writer) error {
	alice := newClient("127.0.0.1")
	bob := newClient("127.0.0.1")
	mallory := newClient(untrustedPeer)

	steps := []step{
		{what: "alice logs in through the proxy", client: alice, method: "POST", path: "/login",
			body: `{"username":"alice","password":"correct horse battery staple","remember":true}`, xff: aliceIP, want: 204},
		{what: "alice reads her invoice", client: alice, method: "GET", path: "/invoices/inv-1", xff: aliceIP, want: 200},
		{what: "alice updates her invoice", client: alice, method: "PUT", path: "/invoices/inv-1",
			body: `{"amount":250,"status":"sent"}`, xff: aliceIP, want: 200},
		{what: "alice tries to read bob's invoice", client: alice, method: "GET", path: "/invoices/inv-2", xff: aliceIP, want: 403},
		{what: "someone guesses bob's password (1)", client: bob, method: "POST", path: "/login",
			body: `{"username":"bob","password":"password1"}`, xff: bobIP, want: 401},
		{what: "someone guesses bob's password (2)", client: bob, method: "POST", path: "/login",
			body: `{"username":"bob","password":"letmein"}`, xff: bobIP, want: 401},
		{what: "someone guesses bob's password (3): locked out", client: bob, method: "POST", path: "/login",
			body: `{"username":"bob","password":"hunter2"}`, xff: bobIP, want: 423},
		{what: "bob's right password no longer works", client: bob, method: "POST", path: "/login",
			body: `{"username":"bob","password":"tr0ub4dor&3"}`, xff: bobIP, want: 423},
		{what: "a login for a user that does not exist", client: bob, method: "POST", path: "/login",
			body: `{"username":"mallory","password":"x"}`, xff: bobIP, want: 401},
		{what: "a page that does not exist", client: alice, method: "GET", path: "/wp-admin.php", xff: aliceIP, want: 404},
		{what: "a handler that panics", client: alice, method: "GET", path: "/admin/panic", xff: aliceIP, wantErr: true},
		{what: "an untrusted peer spoofs X-Forwarded-For", client: mallory, method: "POST", path: "/login",
			body: `{"username":"alice","password":"guess"}`, xff: spoofedIP, want: 401},
		{what: "alice logs out", client: alice, method: "POST", path: "/logout", xff: aliceIP, want: 204},
	}
	// A bot tries leaked credentials, a different username each time, from
	// one address: the sixth failure within 50 s is detected twice, as
	// credential stuffing (six usernames) and as brute force (six failures).
	bot := newClient("127.0.0.1")
	for i, name := range []string{"admin", "root", "test", "info", "sales", "support"} {
		steps = append(steps, step{what: fmt.Sprintf("a bot tries leaked credentials (%d)", i+1), client: bot,
			method: "POST", path: "/login", body: `{"username":"` + name + `","password":"Winter2025!"}`, xff: botIP, want: 401})
	}
	for i, s := range steps {
		status, err := s.do(ctx, base)
		switch {
		case s.wantErr && err == nil:
			return fmt.Errorf("step %d (%s): got status %d, want a failed connection", i+1, s.what, status)
		case !s.wantErr && err != nil:
			return fmt.Errorf("step %d (%s): %w", i+1, s.what, err)
		case !s.wantErr && status != s.want:
			return fmt.Errorf("step %d (%s): status %d, want %d", i+1, s.what, status, s.want)
		}
		result := fmt.Sprint(status)
		if err != nil {
			result = "connection closed by the server"
		}
		fmt.Fprintf(log, "auditkit-demo: %2d. %-50s %s %s -> %s\n", i+1, s.what, s.method, s.path, result)
	}
	return nil
}

func (s step) do(ctx context.Context, base string) (int, error) {
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	req, err := http.NewRequestWithContext(ctx, s.method, base+s.path, body)
	if err != nil {
		return 0, err
	}
	if s.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.xff != "" {
		req.Header.Set("X-Forwarded-For", s.xff)
	}
	req.Header.Set("User-Agent", "auditkit-demo/1.0")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// newClient returns a client with its own cookie jar whose connections come
// from the loopback address localIP.
func newClient(localIP string) *http.Client {
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{
		Timeout:   5 * time.Second,
		LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)},
	}
	return &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext:       dialer.DialContext,
			DisableKeepAlives: true,
		},
	}
}
