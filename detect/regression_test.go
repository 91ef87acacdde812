package detect_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// The red team's breaks of the first detect release, one test each; every
// one failed on that release.

// TestEvictionReportsAddUp: under a flood of new addresses from several
// goroutines while Sweep reports, the detect.evicted events add up to
// Stats.Evictions. Sweep used to read each shard's unreported evictions in
// one pass and mark them reported in a second: evictions in between were
// lost (run it under -race).
func TestEvictionReportsAddUp(t *testing.T) {
	o := only(detect.RuleLoginFailAddress, detect.Threshold{})
	o.MaxKeys, o.Shards = 16, 16
	g := newRig(t, o)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				g.loginFailed("x", fmt.Sprintf("10.%d.%d.%d", w, (i>>8)&255, i&255))
			}
		}()
	}
	for k := 1; g.d.Stats().Evictions < 20000; k++ {
		g.c.set(time.Duration(k) * time.Minute)
		g.d.Sweep()
	}
	close(stop)
	wg.Wait()
	_ = g.d.Close()
	var reported int64
	for _, e := range g.out.events() {
		if e.attrs[slogaudit.KeyEventType] == detect.EventEvicted {
			reported += e.attrs[detect.KeyEvictions].(int64)
		}
	}
	if st := g.d.Stats(); uint64(reported) != st.Evictions {
		t.Errorf("detect.evicted reported %d evictions, Stats counts %d", reported, st.Evictions)
	}
}

// gate is a downstream handler that blocks on the first start event until
// release is closed.
type gate struct {
	*recorder
	entered, release chan struct{}
	once             sync.Once
}

func (h *gate) Handle(ctx context.Context, r slog.Record) error {
	isStart := false
	r.Attrs(func(a slog.Attr) bool {
		isStart = isStart || a.Key == detect.KeyPhase && a.Value.String() == detect.PhaseStart
		return true
	})
	if isStart {
		h.once.Do(func() { close(h.entered); <-h.release })
	}
	return h.recorder.Handle(ctx, r)
}

// TestCloseWaitsForStart: a start event still being written when Close
// begins is written before Close returns, and before its summary. The start
// used to be written after Close had returned, after the summary.
func TestCloseWaitsForStart(t *testing.T) {
	c := newClock()
	o := only(detect.RuleLoginFailAddress, detect.Threshold{Count: 1, Window: 10 * sec})
	o.Now, o.SweepInterval = c.Now, -1
	d, err := detect.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	h := &gate{recorder: newRecorder(), entered: make(chan struct{}), release: make(chan struct{})}
	l := slog.New(d.Middleware()(h))
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		authaudit.New(l).LoginFailed(slogaudit.ContextWithAttrs(context.Background(),
			slog.String(slogaudit.KeyClientAddress, "192.0.2.5")), "x", "")
	}()
	<-h.entered
	closed := make(chan struct{})
	go func() { _ = d.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a start event was still being written")
	case <-time.After(50 * time.Millisecond):
	}
	close(h.release)
	<-closed
	n := len(h.events())
	<-logged
	var seq []string
	for _, e := range h.events() {
		seq = append(seq, fmt.Sprint(e.attrs[detect.KeyPhase], "/", e.attrs[detect.KeyEndReason]))
	}
	if want := []string{"start/<nil>", "end/closed"}; !slices.Equal(seq, want) || n != len(want) {
		t.Errorf("events %q (%d when Close returned), want %q", seq, n, want)
	}
}

// TestSummaryNeverBeforeStart: an episode that ends (here: Sweep, with
// the clock past its cool-down) while its start event is still being
// written has its summary written after the start.
func TestSummaryNeverBeforeStart(t *testing.T) {
	c := newClock()
	o := only(detect.RuleLoginFailAddress, detect.Threshold{Count: 1, Window: 10 * sec, Cooldown: 10 * sec})
	o.Now, o.SweepInterval = c.Now, -1
	d, err := detect.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	h := &gate{recorder: newRecorder(), entered: make(chan struct{}), release: make(chan struct{})}
	l := slog.New(d.Middleware()(h))
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		authaudit.New(l).LoginFailed(slogaudit.ContextWithAttrs(context.Background(),
			slog.String(slogaudit.KeyClientAddress, "192.0.2.5")), "x", "")
	}()
	<-h.entered
	c.set(time.Minute)
	d.Sweep()
	close(h.release)
	<-logged
	var seq []string
	for _, e := range h.events() {
		seq = append(seq, fmt.Sprint(e.attrs[detect.KeyPhase], "/", e.attrs[detect.KeyEndReason]))
	}
	if want := []string{"start/<nil>", "end/quiet"}; !slices.Equal(seq, want) {
		t.Errorf("events %q, want %q", seq, want)
	}
	_ = d.Close()
}

// TestClockStepBack: an injected clock that jumps a day ahead and comes
// back does not freeze the episode opened in the future: the sweep clamps
// its last record to now, and the summary follows a cool-down later.
// Counts made in the future do not linger in the window either.
func TestClockStepBack(t *testing.T) {
	g := newRig(t, only(detect.RuleLoginFailAddress, detect.Threshold{Count: 2, Window: 10 * sec, Cooldown: 10 * sec}))
	g.c.set(24 * time.Hour)
	g.loginFailed("x", "192.0.2.9")
	g.loginFailed("x", "192.0.2.9")
	g.loginFailed("x", "192.0.2.10")
	for h := 1; h <= 3; h++ {
		g.c.set(time.Duration(h) * time.Hour)
		g.d.Sweep()
	}
	g.loginFailed("x", "192.0.2.10") // its record at +24 h left the window
	want := []string{"login_fail_address start count=2", "login_fail_address end count=2 quiet"}
	if got := g.out.derived(); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestAccountVariants: variants of one username (case, width, spaces,
// zero-width characters) are one account for login_fail_account and one
// distinct username for credential_stuffing; the account id the
// application logs (audit.target.user.id) comes first. Each variant used
// to be an account of its own.
func TestAccountVariants(t *testing.T) {
	variants := []string{"alice", "Alice", "ALICE", " alice", "alice\t", "ａｌｉｃｅ", "alice\u200b", "al\u00adice", "\u3164alice", "𝐚𝐥𝐢𝐜𝐞"}
	t.Run("canonical form", func(t *testing.T) {
		g := newRig(t, only(detect.RuleLoginFailAccount, detect.Threshold{Count: len(variants), Window: time.Hour}))
		for i, v := range variants {
			g.loginFailed(v, fmt.Sprintf("198.51.100.%d", i))
		}
		if got, want := g.out.derived(), []string{fmt.Sprintf("login_fail_account start count=%d", len(variants))}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		g.loginFailed("alice2", "198.51.100.99") // still another account
		if st := g.d.Stats(); st.Keys != 2 {
			t.Errorf("%d keys, want 2", st.Keys)
		}
	})
	t.Run("target account first", func(t *testing.T) {
		g := newRig(t, only(detect.RuleLoginFailAccount, detect.Threshold{})) // 5 in 10 min
		for i := range 5 {
			// authaudit.LoginFailed keeps its own keys: an application that
			// resolved the account logs the record itself.
			g.l.LogAttrs(g.request("198.51.100.1"), slog.LevelWarn, authaudit.EventLoginFailed,
				slog.String(slogaudit.KeyEventType, authaudit.EventLoginFailed),
				slog.String(slogaudit.KeyUserName, fmt.Sprintf("alias%d", i)),
				slog.String(authaudit.KeyTargetUserID, "u-42"))
		}
		ev := g.out.events()
		if len(ev) != 1 || ev[0].attrs[detect.KeyKey] != "u-42" || ev[0].attrs[detect.KeyKeyAttribute] != authaudit.KeyTargetUserID {
			t.Errorf("events %v", ev)
		}
	})
	t.Run("credential stuffing", func(t *testing.T) {
		g := newRig(t, only(detect.RuleCredentialStuffing, th3))
		for _, v := range variants {
			g.loginFailed(v, "192.0.2.7")
		}
		g.loginFailed("bob", "192.0.2.7")
		if got := g.out.derived(); len(got) != 0 {
			t.Errorf("two distinct usernames reported: %q", got)
		}
		g.loginFailed("BOB ", "192.0.2.7")
		g.loginFailed("carol", "192.0.2.7")
		if got, want := g.out.derived(), []string{fmt.Sprintf("credential_stuffing start count=%d distinct=3", len(variants)+3)}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("pseudonym of the canonical form", func(t *testing.T) {
		r, err := redact.New(redact.Options{HMACKey: []byte("0123456789abcdef0123456789abcdef")})
		if err != nil {
			t.Fatal(err)
		}
		o := only(detect.RuleLoginFailAccount, th3)
		o.Redactor = r
		g := newRig(t, o)
		for _, v := range []string{"Alice", "ＡＬＩＣＥ", "alice "} {
			g.loginFailed(v, "")
		}
		if ev := g.out.events(); len(ev) != 1 || ev[0].attrs[detect.KeyKey] != r.Hash("alice") {
			t.Errorf("events %v, want the key %s", ev, r.Hash("alice"))
		}
	})
}

// TestIPv6Prefix: the address rules key an IPv6 address by its /64 (by
// default): an attacker rotating the interface id of one /64 is one
// address. Every address rule used to see a new address each time.
func TestIPv6Prefix(t *testing.T) {
	flood := func(g *rig) {
		for i := range 40 {
			addr := fmt.Sprintf("2001:db8:1:2::%x", i+1)
			g.loginFailed(fmt.Sprintf("user%d", i), addr)
			g.clientError(fmt.Sprintf("/probe/%d", i), addr, 404)
			g.denied("", addr)
		}
	}
	g := newRig(t, detect.Options{LoginFailAccount: detect.Threshold{Off: true}})
	flood(g)
	rules := map[any]any{}
	for _, e := range g.out.events() {
		rules[e.attrs[detect.KeyRule]] = e.attrs[detect.KeyKey]
		if a := e.attrs[slogaudit.KeyClientAddress]; a == nil || !strings.HasPrefix(a.(string), "2001:db8:1:2::") {
			t.Errorf("start event's client.address %v", a)
		}
	}
	want := map[any]any{
		detect.RuleLoginFailAddress: "2001:db8:1:2::/64", detect.RuleCredentialStuffing: "2001:db8:1:2::/64",
		detect.RuleForceBrowsing: "2001:db8:1:2::/64", detect.RuleAuthzProbing: "2001:db8:1:2::/64",
	}
	for k, v := range want {
		if rules[k] != v {
			t.Errorf("rule %v: key %v, want %v (all: %v)", k, rules[k], v, rules)
		}
	}

	// /128 keys every address on its own; an IPv4-mapped address is its
	// IPv4 address.
	o := detect.Options{LoginFailAccount: detect.Threshold{Off: true}, IPv6Prefix: 128}
	g = newRig(t, o)
	flood(g)
	if got := g.out.derived(); len(got) != 0 {
		t.Errorf("IPv6Prefix 128: %q", got)
	}
	g = newRig(t, only(detect.RuleLoginFailAddress, th3))
	for _, a := range []string{"192.0.2.1", "::ffff:192.0.2.1", "::ffff:c000:201"} {
		g.loginFailed("x", a)
	}
	if ev := g.out.events(); len(ev) != 1 || ev[0].attrs[detect.KeyKey] != "192.0.2.1" {
		t.Errorf("IPv4-mapped: %v", ev)
	}
	for _, bits := range []int{-1, 31, 129} {
		if _, err := detect.New(&detect.Options{IPv6Prefix: bits}); err == nil || !strings.Contains(err.Error(), "detect: IPv6Prefix") {
			t.Errorf("IPv6Prefix %d: %v", bits, err)
		}
	}
}

// TestNoRawKeyValues: a derived event carries a username, or any value of a
// generic rule's attribute, only as detect.key's pseudonym, so a sink that
// gets the detections without the audit handler's policy (a fan-out, a
// pager) never sees it. The start event used to carry user.name raw.
func TestNoRawKeyValues(t *testing.T) {
	o := only(detect.RuleLoginFailAccount, th3)
	o.Rules = []detect.Rule{{Name: "exports", EventType: "data.export", Key: "email", Threshold: th3}}
	g := newRig(t, o)
	for range 3 {
		g.loginFailed("victim.secret@corp.example", "192.0.2.1")
		g.l.LogAttrs(g.request("192.0.2.1"), slog.LevelInfo, "data.export",
			slog.String(slogaudit.KeyEventType, "data.export"), slog.String("email", "other.secret@corp.example"))
	}
	_ = g.d.Close()
	ev := g.out.events()
	if len(ev) != 4 {
		t.Fatalf("%d derived events: %v", len(ev), g.out.derived())
	}
	for _, e := range ev {
		if s := fmt.Sprint(e.attrs); strings.Contains(s, "secret") {
			t.Errorf("raw key value in %s", s)
		}
	}
}

// TestQueryEnumeration: 404s for one path with changing query strings (all
// one url.path to force_browsing) are caught by probe_volume: its default,
// 41 in 20 s, holds 40 and fires at the 41st. force_browsing alone never
// fired, however many probes.
func TestQueryEnumeration(t *testing.T) {
	g := newRig(t, only(detect.RuleProbeVolume, detect.Threshold{}))
	probe := func(i int) {
		g.l.LogAttrs(g.request("203.0.113.9"), slog.LevelWarn, "http.response",
			slog.String(slogaudit.KeyEventType, httpaudit.EventClientError),
			slog.String(httpaudit.KeyURLPath, "/invoice"),
			slog.String(httpaudit.KeyURLQuery, "id=[REDACTED]"),
			slog.Int(httpaudit.KeyHTTPStatusCode, 404))
	}
	for i := range 40 {
		g.c.set(time.Duration(i) * 400 * time.Millisecond)
		probe(i)
	}
	if got := g.out.derived(); len(got) != 0 {
		t.Fatalf("40 in 16 s: %q", got)
	}
	for i := 40; i < 1000; i++ {
		probe(i)
	}
	if got, want := g.out.derived(), []string{"probe_volume start count=41"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if ev := g.out.events(); ev[0].attrs[detect.KeyKey] != "203.0.113.9" || ev[0].attrs["owasp.event"] != "malicious_excess_404" {
		t.Errorf("start event %v", ev[0].attrs)
	}

	// ProbeStatusCodes: an empty, non-nil slice means no status (it used
	// to mean the defaults).
	o := only(detect.RuleProbeVolume, th3)
	o.ProbeStatusCodes = []int{}
	g = newRig(t, o)
	for i := range 5 {
		g.clientError(fmt.Sprint("/", i), "192.0.2.3", 404)
	}
	if st := g.d.Stats(); st.Matched != 0 {
		t.Errorf("ProbeStatusCodes []int{}: %d records counted", st.Matched)
	}
}

// TestOptionBounds: MaxKeys has a ceiling that keeps New's allocation sane
// (it used to accept 4 Mi keys a rule, gigabytes), and a negative
// SampleSize means no request ids (the error for it used to offer 0, which
// means the default).
func TestOptionBounds(t *testing.T) {
	_, err := detect.New(&detect.Options{MaxKeys: detect.MaxKeysLimit + 1, SampleSize: detect.MaxKeysLimit})
	if err == nil || !strings.Contains(err.Error(), "detect: MaxKeys") || !strings.Contains(err.Error(), "detect: SampleSize") ||
		!strings.Contains(err.Error(), "negative: none") {
		t.Errorf("err %v", err)
	}
	o := only(detect.RuleLoginFailAddress, th3)
	o.SampleSize = -1
	g := newRig(t, o)
	for range 3 {
		g.loginFailed("x", "192.0.2.1")
	}
	if ev := g.out.events(); len(ev) != 1 || ev[0].attrs[detect.KeyRequestIDs] != nil {
		t.Errorf("SampleSize -1: %v", ev)
	}
}
