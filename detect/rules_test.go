package detect_test

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/detect"
)

// step runs do at time at after t0.
type step struct {
	at time.Duration
	do func(g *rig)
}

const sec = time.Second

// th3 opens an episode at 3 within 160 s (slots of 10 s) and ends it after
// 100 s of quiet.
var th3 = detect.Threshold{Count: 3, Window: 160 * sec, Cooldown: 100 * sec}

// only enables rule name with th and turns the other built-ins off.
func only(name string, th detect.Threshold) detect.Options {
	off := detect.Threshold{Off: true}
	o := detect.Options{LoginFailAccount: off, LoginFailAddress: off, CredentialStuffing: off, ForceBrowsing: off,
		ProbeVolume: off, AuthzProbing: off}
	switch name {
	case detect.RuleLoginFailAccount:
		o.LoginFailAccount = th
	case detect.RuleLoginFailAddress:
		o.LoginFailAddress = th
	case detect.RuleCredentialStuffing:
		o.CredentialStuffing = th
	case detect.RuleForceBrowsing:
		o.ForceBrowsing = th
	case detect.RuleProbeVolume:
		o.ProbeVolume = th
	case detect.RuleAuthzProbing:
		o.AuthzProbing = th
	}
	return o
}

func at(d time.Duration, do func(g *rig)) step { return step{d, do} }

// times repeats do at each of the given seconds.
func times(do func(g *rig), secs ...int) []step {
	var s []step
	for _, x := range secs {
		s = append(s, at(time.Duration(x)*sec, do))
	}
	return s
}

func sweep(d time.Duration) step { return at(d, func(g *rig) { g.d.Sweep() }) }

func fail(user, addr string) func(*rig) {
	return func(g *rig) { g.loginFailed(user, addr) }
}

func probe(path string, status int) func(*rig) {
	return func(g *rig) { g.clientError(path, "198.51.100.9", status) }
}

func cat(parts ...[]step) []step { return slices.Concat(parts...) }

// huge is a username far past any length a prefix hash would cover.
var huge = strings.Repeat("x", 1<<20)

func TestRules(t *testing.T) {
	acct := fail("maya", "")
	for _, c := range []struct {
		name  string
		rule  string
		steps []step
		want  []string
	}{
		// Failed logins per account, from changing addresses.
		{"account/below", detect.RuleLoginFailAccount, cat(
			[]step{at(0, fail("maya", "192.0.2.1")), at(10*sec, fail("maya", "192.0.2.2"))}),
			nil},
		{"account/at", detect.RuleLoginFailAccount, times(acct, 0, 10, 20),
			[]string{"login_fail_account start count=3"}},
		{"account/above: one event per episode", detect.RuleLoginFailAccount, times(acct, 0, 1, 2, 3, 4, 5, 6),
			[]string{"login_fail_account start count=3"}},
		{"account/others do not add up", detect.RuleLoginFailAccount,
			[]step{at(0, fail("maya", "")), at(0, fail("bob", "")), at(0, fail("maya2", ""))},
			nil},
		{"account/window slides: the first left", detect.RuleLoginFailAccount, times(acct, 0, 100, 170),
			nil},
		{"account/window slides: still inside", detect.RuleLoginFailAccount, times(acct, 0, 100, 150),
			[]string{"login_fail_account start count=3"}},
		{"account/summary after a quiet cool-down", detect.RuleLoginFailAccount, cat(
			times(acct, 0, 10, 20, 30), []step{sweep(129 * sec), sweep(130 * sec)}),
			[]string{"login_fail_account start count=3", "login_fail_account end count=4 quiet"}},
		{"account/records inside the cool-down extend the episode", detect.RuleLoginFailAccount, cat(
			times(acct, 0, 10, 20, 110), []step{sweep(209 * sec), sweep(210 * sec)}),
			[]string{"login_fail_account start count=3", "login_fail_account end count=4 quiet"}},
		{"account/a new episode after the cool-down", detect.RuleLoginFailAccount, cat(
			times(acct, 0, 10, 20), []step{sweep(120 * sec)}, times(acct, 300, 310, 320)),
			[]string{"login_fail_account start count=3", "login_fail_account end count=3 quiet", "login_fail_account start count=3"}},
		{"account/an expired episode ends on the next record without a sweep", detect.RuleLoginFailAccount, cat(
			times(acct, 0, 10, 20), times(acct, 500, 510, 520)),
			[]string{"login_fail_account start count=3", "login_fail_account end count=3 quiet", "login_fail_account start count=3"}},
		{"account/a clock going backwards counts in the newest slot", detect.RuleLoginFailAccount, cat(
			times(acct, 100, 110), times(acct, 50), []step{sweep(60 * sec)}),
			[]string{"login_fail_account start count=3"}},

		// Failed logins per address, with changing usernames.
		{"address/below", detect.RuleLoginFailAddress,
			[]step{at(0, fail("a", "192.0.2.7")), at(0, fail("b", "192.0.2.7")), at(0, fail("c", "192.0.2.8"))},
			nil},
		{"address/at", detect.RuleLoginFailAddress,
			[]step{at(0, fail("a", "192.0.2.7")), at(0, fail("b", "192.0.2.7")), at(0, fail("c", "192.0.2.7"))},
			[]string{"login_fail_address start count=3"}},
		{"address/no address, no count", detect.RuleLoginFailAddress, times(fail("a", ""), 0, 1, 2, 3),
			nil},

		// Distinct usernames per address.
		{"stuffing/one username many times", detect.RuleCredentialStuffing, times(fail("maya", "192.0.2.7"), 0, 1, 2, 3, 4),
			nil},
		{"stuffing/at", detect.RuleCredentialStuffing,
			[]step{at(0, fail("a", "192.0.2.7")), at(sec, fail("a", "192.0.2.7")), at(2*sec, fail("b", "192.0.2.7")), at(3*sec, fail("c", "192.0.2.7"))},
			[]string{"credential_stuffing start count=4 distinct=3"}},
		{"stuffing/distinct values slide out too", detect.RuleCredentialStuffing,
			[]step{at(0, fail("a", "192.0.2.7")), at(100*sec, fail("b", "192.0.2.7")), at(170*sec, fail("c", "192.0.2.7"))},
			nil},
		{"stuffing/summary", detect.RuleCredentialStuffing,
			[]step{at(0, fail("a", "192.0.2.7")), at(0, fail("b", "192.0.2.7")), at(0, fail("c", "192.0.2.7")), at(0, fail("d", "192.0.2.7")), sweep(100 * sec)},
			[]string{"credential_stuffing start count=3 distinct=3", "credential_stuffing end count=4 distinct=4 quiet"}},

		{"stuffing/huge usernames differing only at the end stay distinct", detect.RuleCredentialStuffing,
			[]step{at(0, fail(huge+"a", "192.0.2.7")), at(0, fail(huge+"b", "192.0.2.7")), at(0, fail(huge+"c", "192.0.2.7"))},
			[]string{"credential_stuffing start count=3 distinct=3"}},

		// Distinct 4xx paths per address.
		{"browsing/one path many times", detect.RuleForceBrowsing, times(probe("/a", 404), 0, 1, 2, 3),
			nil},
		{"browsing/at", detect.RuleForceBrowsing,
			[]step{at(0, probe("/a", 404)), at(0, probe("/b", 403)), at(0, probe("/c", 400))},
			[]string{"force_browsing start count=3 distinct=3"}},
		{"browsing/401 and 429 are not probing", detect.RuleForceBrowsing,
			[]step{at(0, probe("/a", 404)), at(0, probe("/b", 401)), at(0, probe("/c", 429))},
			nil},

		// Authorization failures per user, else per address.
		{"authz/per user across addresses", detect.RuleAuthzProbing,
			[]step{at(0, func(g *rig) { g.denied("42", "192.0.2.1") }), at(0, func(g *rig) { g.denied("42", "192.0.2.2") }), at(0, func(g *rig) { g.denied("42", "192.0.2.3") })},
			[]string{"authz_probing start count=3"}},
		{"authz/anonymous per address", detect.RuleAuthzProbing, times(func(g *rig) { g.denied("", "192.0.2.1") }, 0, 1, 2),
			[]string{"authz_probing start count=3"}},
		{"authz/below", detect.RuleAuthzProbing,
			[]step{at(0, func(g *rig) { g.denied("42", "192.0.2.1") }), at(0, func(g *rig) { g.denied("43", "192.0.2.1") })},
			nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newRig(t, only(c.rule, th3))
			for _, s := range c.steps {
				g.c.set(s.at)
				s.do(g)
			}
			if got := g.out.derived(); !slices.Equal(got, c.want) {
				t.Errorf("derived events:\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestGenericRule(t *testing.T) {
	opts := only("", detect.Threshold{})
	opts.Rules = []detect.Rule{{Name: "exports", EventType: "data.export", Key: "user.id", Threshold: th3, OWASPEvent: "sensitive_read"}}
	g := newRig(t, opts)
	export := func(user string) {
		g.l.LogAttrs(g.request("192.0.2.1"), slog.LevelInfo, "data.export",
			slog.String("event_type", "data.export"), slog.String("user.id", user))
	}
	for i := range 5 {
		g.c.set(time.Duration(i) * sec)
		export("7")
		export("8")
		if i == 1 {
			export("9")
		}
	}
	g.c.set(200 * sec)
	g.d.Sweep()
	want := []string{"exports start count=3", "exports start count=3", "exports end count=5 quiet", "exports end count=5 quiet"}
	if got := g.out.derived(); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	ev := g.out.events()[0]
	if ev.attrs["owasp.event"] != "sensitive_read" || ev.attrs["event_type"] != "detect.exports" || ev.attrs[detect.KeyKey] != "7" {
		t.Errorf("start event attributes: %v", ev.attrs)
	}
}
