package detect_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

func TestDefaults(t *testing.T) {
	want := map[string]detect.Threshold{
		"login_fail_account":  {Count: 5, Window: 10 * time.Minute, Cooldown: 10 * time.Minute}, // fail2ban
		"login_fail_address":  {Count: 6, Window: 50 * sec, Cooldown: time.Minute},              // CrowdSec http-generic-bf
		"credential_stuffing": {Count: 6, Window: 50 * sec, Cooldown: time.Minute},              // CrowdSec ssh-bf_user-enum
		"force_browsing":      {Count: 11, Window: 100 * sec, Cooldown: 5 * time.Minute},        // CrowdSec http-probing
		"probe_volume":        {Count: 41, Window: 20 * sec, Cooldown: time.Minute},             // CrowdSec http-crawl-non_statics
		"authz_probing":       {Count: 6, Window: 50 * sec, Cooldown: time.Minute},              // CrowdSec http-generic-403-bf
	}
	got := detect.DefaultThresholds()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %+v, want %+v", k, got[k], v)
		}
	}
	if got := detect.DefaultProbeStatusCodes(); !slices.Equal(got, []int{400, 403, 404}) {
		t.Errorf("DefaultProbeStatusCodes() = %v, want CrowdSec http-probing's 400, 403, 404", got)
	}
	// A zero Options uses them: the fifth failure for one account within
	// ten minutes opens an episode, the fourth does not.
	g := newRig(t, detect.Options{})
	for i := range 5 {
		g.c.set(time.Duration(i) * 2 * time.Minute)
		g.loginFailed("maya", "192.0.2."+string(rune('1'+i)))
		if n := len(g.out.derived()); (i < 4 && n != 0) || (i == 4 && n != 1) {
			t.Fatalf("after %d failures: %q", i+1, g.out.derived())
		}
	}
}

func TestOptionsValidated(t *testing.T) {
	_, err := detect.New(&detect.Options{
		LoginFailAccount:   detect.Threshold{Count: -1},
		CredentialStuffing: detect.Threshold{Count: detect.MaxDistinct + 1},
		ForceBrowsing:      detect.Threshold{Window: time.Millisecond},
		AuthzProbing:       detect.Threshold{Cooldown: -time.Second},
		Shards:             3,
		SampleSize:         99,
		ProbeStatusCodes:   []int{4040},
		Rules: []detect.Rule{
			{Name: "Bad Name", EventType: "x", Key: "k", Threshold: th3},
			{Name: "login_fail_account", EventType: "x", Key: "k", Threshold: th3},
			{Name: "ok", Key: "", Threshold: detect.Threshold{Count: 1}, Level: slog.LevelDebug},
		},
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, field := range []string{
		"LoginFailAccount.Count", "CredentialStuffing.Count", "ForceBrowsing.Window", "AuthzProbing.Cooldown",
		"Shards", "SampleSize", "ProbeStatusCodes", "Rules[0].Name", "Rules[1].Name", "Rules[2].EventType",
		"Rules[2].Key", "Rules[2].Threshold", "Rules[2].Level",
	} {
		if !strings.Contains(err.Error(), "detect: "+field) {
			t.Errorf("no error names %s:\n%v", field, err)
		}
	}
	if _, err := detect.New(nil); err != nil {
		t.Fatalf("nil options: %v", err)
	}
}

// TestStartEvent checks every attribute of a start event and its summary.
func TestStartEvent(t *testing.T) {
	opts := only(detect.RuleLoginFailAccount, th3)
	opts.SampleSize = 2
	g := newRig(t, opts)
	for i, s := range []int{0, 10, 20} {
		g.c.set(time.Duration(s) * sec)
		g.loginFailed("maya", "192.0.2."+string(rune('1'+i)))
	}
	g.c.set(200 * sec)
	g.d.Sweep()
	ev := g.out.events()
	if len(ev) != 2 {
		t.Fatalf("%d events", len(ev))
	}
	start, end := ev[0], ev[1]
	if start.level != slog.LevelWarn || start.msg != "detect.login_fail_account" || end.level != slog.LevelWarn {
		t.Errorf("level/message: %v %q, %v", start.level, start.msg, end.level)
	}
	key, _ := start.attrs[detect.KeyKey].(string)
	want := map[string]any{
		"event_type": "detect.login_fail_account", "owasp.event": "authn_login_fail_max",
		"otel.scope.name": detect.ScopeName, "detect.rule": "login_fail_account", "detect.phase": "start",
		"detect.count": int64(3), "audit.limit": int64(3), "detect.window": 160 * sec, "detect.cooldown": 100 * sec,
		"detect.first_seen": t0, "detect.last_seen": t0.Add(20 * sec), "detect.key.attribute": "user.name",
		"detect.key": key, "detect.episode.id": start.attrs["detect.episode.id"],
		"detect.request_ids": []string{"req-2", "req-3"},
	}
	for k, v := range want {
		if got := start.attrs[k]; !equal(got, v) {
			t.Errorf("start %s = %#v, want %#v", k, got, v)
		}
	}
	if len(start.attrs) != len(want) {
		t.Errorf("start has %d attributes, want %d: %v", len(start.attrs), len(want), start.attrs)
	}
	if !strings.HasPrefix(key, "h:") || strings.Contains(key, "maya") {
		t.Errorf("a username key is shown as %q, want a keyed hash", key)
	}
	if end.attrs["detect.episode.id"] != start.attrs["detect.episode.id"] || end.attrs["detect.end_reason"] != "quiet" ||
		end.attrs["detect.key"] != key || end.attrs["user.name"] != nil {
		t.Errorf("summary: %v", end.attrs)
	}
}

func equal(a, b any) bool {
	if as, ok := a.([]string); ok {
		bs, _ := b.([]string)
		return slices.Equal(as, bs)
	}
	if at, ok := a.(time.Time); ok {
		bt, _ := b.(time.Time)
		return at.Equal(bt)
	}
	return a == b
}

// TestPseudonym: with a Redactor that has an HMAC key, a username key is
// the pseudonym the audit handler writes for user.name.
func TestPseudonym(t *testing.T) {
	r, err := redact.New(redact.Options{HMACKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	opts := only(detect.RuleLoginFailAccount, th3)
	opts.Redactor = r
	g := newRig(t, opts)
	for range 3 {
		g.loginFailed("maya", "192.0.2.1")
	}
	if got := g.out.events()[0].attrs[detect.KeyKey]; got != r.Hash("maya") {
		t.Errorf("key %v, want %v", got, r.Hash("maya"))
	}
}

// TestThroughAuditHandler: derived events go through the downstream audit
// handler, which drops user.name by default, and are written once each,
// without the With attributes of the logger that logged the trigger.
func TestThroughAuditHandler(t *testing.T) {
	var buf strings.Builder
	c := newClock()
	d, err := detect.New(&detect.Options{Now: c.Now, SweepInterval: -1, LoginFailAccount: th3})
	if err != nil {
		t.Fatal(err)
	}
	l := slog.New(d.Middleware()(slogaudit.NewHandler(&buf, &slogaudit.Options{ServiceName: "t"}))).
		With("component", "login").WithGroup("app")
	ctx := slogaudit.ContextWithAttrs(context.Background(), slog.String(slogaudit.KeyClientAddress, "192.0.2.1"))
	for range 3 {
		authaudit.New(l).LoginFailed(ctx, "maya", authaudit.ReasonBadPassword)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var detections []string
	for _, ln := range lines {
		if strings.Contains(ln, `"event_type":"detect.`) {
			detections = append(detections, ln)
		}
	}
	if len(detections) != 2 {
		t.Fatalf("%d detections in:\n%s", len(detections), buf.String())
	}
	for _, ln := range detections {
		if strings.Contains(ln, "maya") || strings.Contains(ln, "component") || strings.Contains(ln, "app.") {
			t.Errorf("leak or bound attribute: %s", ln)
		}
	}
	if !strings.Contains(detections[0], `"severity_text":"WARN"`) || !strings.Contains(detections[1], `"detect.end_reason":"closed"`) {
		t.Errorf("detections:\n%s", strings.Join(detections, "\n"))
	}
	if _, err := detect.New(&detect.Options{}); err != nil {
		t.Fatal(err)
	}
}

// TestEvictionReported: a rule that had to evict keys says so, once.
func TestEvictionReported(t *testing.T) {
	opts := only(detect.RuleLoginFailAddress, th3)
	opts.MaxKeys, opts.Shards = 4, 1
	g := newRig(t, opts)
	for i := range 10 {
		g.loginFailed("x", "192.0.2."+string(rune('a'+i)))
	}
	g.d.Sweep()
	g.d.Sweep()
	if got, want := g.out.derived(), []string{"evicted 6"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if st := g.d.Stats(); st.Evictions != 6 || st.Keys != 4 || st.Rules[0].Capacity != 4 {
		t.Errorf("stats %+v", st)
	}
}

// TestCloseEndsEpisodes: Close writes the summaries of open episodes, then
// records pass through uncounted.
func TestCloseEndsEpisodes(t *testing.T) {
	g := newRig(t, only(detect.RuleLoginFailAccount, th3))
	for range 3 {
		g.loginFailed("maya", "")
	}
	if err := g.d.Close(); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		g.loginFailed("bob", "")
	}
	want := []string{"login_fail_account start count=3", "login_fail_account end count=3 closed"}
	if got := g.out.derived(); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if n := len(*g.out.recs); n != 3+2+5 {
		t.Errorf("%d records passed, want 10", n)
	}
	if err := g.d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// failing is a downstream handler that fails every derived event.
type failing struct{ *recorder }

func (f failing) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "detect.") {
		panic("boom")
	}
	return f.recorder.Handle(ctx, r)
}

func TestDownstreamFailureCounted(t *testing.T) {
	var got []error
	d, err := detect.New(&detect.Options{SweepInterval: -1, OnError: func(err error) { got = append(got, err) }})
	if err != nil {
		t.Fatal(err)
	}
	l := slog.New(d.Middleware()(failing{newRecorder()}))
	for range 5 {
		authaudit.New(l).LoginFailed(context.Background(), "maya", "")
	}
	if st := d.Stats(); st.EmitErrors != 1 || len(got) != 1 || strings.Contains(got[0].Error(), "boom") {
		t.Errorf("stats %+v, errors %v", st, got)
	}
	if err := d.Close(); err == nil || !errors.Is(err, got[0]) && !strings.Contains(err.Error(), "panicked") {
		t.Errorf("Close: %v", err)
	}
}
