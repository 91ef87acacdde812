package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/secaudit/auditkit/detect"
)

// fleetRule is one built-in detect rule run over the fleet's combined log:
// a LogsQL stats query that returns every key over the rule's threshold, and
// the vmalert alerting rule (type: vlogs) that evaluates it.
type fleetRule struct {
	Name       string // the detect rule: detect.Rule* constant
	Alert      string // vmalert alert name
	Summary    string // what the rule counts, for docs and annotations
	Key        string // the label the query groups by (a Prometheus label name)
	KeySource  string // where the key comes from in the line
	Value      string // the name of the stats result
	OWASP      string // owasp.event of the in-process detection
	Severity   string // warning or critical, as the in-process start event's level
	NeedsNames bool   // counts by or over user.name: needs pseudonyms in the log
	Threshold  detect.Threshold
	Interval   time.Duration // vmalert evaluation interval: Window/5
	Lookback   time.Duration // the query's _time filter: Window+Interval
	Expr       string        // LogsQL
}

// In returns the rule's default as the docs say it: "6 in 50s".
func (r fleetRule) In() string {
	return fmt.Sprintf("%d in %s", r.Threshold.Count, promDuration(r.Threshold.Window))
}

// fleetRules returns every built-in detect rule for the service app, with the
// default thresholds of the detect package itself (detect.DefaultThresholds,
// detect.DefaultProbeStatusCodes), so the fleet rules and the in-process
// detector cannot drift apart.
//
// A rule fires when the count over the fleet's lines (or the number of
// distinct values) reaches Threshold.Count for one key, as the in-process
// rule opens an episode. vmalert evaluates it every Window/5 over the last
// Window+Window/5 (an explicit _time filter, which vmalert then leaves
// alone), so every burst that fits in Window lies whole inside one
// evaluation. Each group sets eval_alignment: false: vmalert otherwise
// rounds the query time down to a multiple of the interval, which delays an
// alert by up to one more interval (vmalert's -rule.evalDelay, 30s by
// default, still shifts every query into the past). A burst a little
// longer than Window can fire too, where the in-process window (which drops
// a record between 15/16 and 16/16 of a Window after it) would not.
//
// The key is renamed to a plain label name (client_address, account,
// actor), which Alertmanager accepts whatever its label name validation.
func fleetRules(app string) []fleetRule {
	def := detect.DefaultThresholds()
	base := "{resource.service.name=" + logsqlQuote(app) + "}"
	is := func(ev string) string { return "attributes.event_type:=" + logsqlQuote(ev) }
	codes := detect.DefaultProbeStatusCodes()
	statuses := make([]string, len(codes))
	for i, c := range codes {
		statuses[i] = strconv.Itoa(c)
	}
	// coalesce sets field to the first of keys (attribute names) present.
	coalesce := func(field string, keys ...string) string {
		var b strings.Builder
		last := keys[len(keys)-1]
		fmt.Fprintf(&b, "format %s as %s", logsqlQuote("<attributes."+last+">"), field)
		for i := len(keys) - 2; i >= 0; i-- {
			fmt.Fprintf(&b, " | format if (attributes.%s:*) %s as %s", keys[i], logsqlQuote("<attributes."+keys[i]+">"), field)
		}
		return b.String()
	}
	const byAddress = "attributes.client.address"
	rules := []fleetRule{
		{
			Name: detect.RuleLoginFailAccount, Alert: "AuditkitLoginFailAccount",
			Summary: "failed logins (" + evLoginFailed + ") per target account",
			Key:     "account", KeySource: "user.name (a pseudonym), else audit.target.user.id, else user.id",
			Value: "failures", OWASP: "authn_login_fail_max", Severity: "warning", NeedsNames: true,
			Expr: is(evLoginFailed) + " | " + coalesce("account", "user.name", "audit.target.user.id", "user.id") +
				" | filter account:* | stats by (account) count() failures",
		},
		{
			Name: detect.RuleLoginFailAddress, Alert: "AuditkitLoginFailAddress",
			Summary: "failed logins (" + evLoginFailed + ") per client address",
			Key:     "client_address", KeySource: "client.address",
			Value: "failures", OWASP: "excess_rate_limit_exceeded", Severity: "warning",
			Expr: is(evLoginFailed) + " " + byAddress + ":* | stats by (" + byAddress + ") count() failures",
		},
		{
			Name: detect.RuleCredentialStuffing, Alert: "AuditkitCredentialStuffing",
			Summary: "distinct user.name values in failed logins (" + evLoginFailed + ") per client address",
			Key:     "client_address", KeySource: "client.address",
			Value: "usernames", OWASP: "malicious_attack_tool", Severity: "critical", NeedsNames: true,
			Expr: is(evLoginFailed) + " " + byAddress + ":* attributes.user.name:* | stats by (" + byAddress +
				") count_uniq(attributes.user.name) usernames",
		},
		{
			Name: detect.RuleForceBrowsing, Alert: "AuditkitForceBrowsing",
			Summary: "distinct url.path values answered " + strings.Join(statuses, ", ") + " (" + evHTTPClient + ") per client address",
			Key:     "client_address", KeySource: "client.address",
			Value: "paths", OWASP: "malicious_excess_404", Severity: "warning",
			Expr: is(evHTTPClient) + " attributes.http.response.status_code:in(" + strings.Join(statuses, ", ") + ") " +
				byAddress + ":* | stats by (" + byAddress + ") count_uniq(attributes.url.path) paths",
		},
		{
			Name: detect.RuleProbeVolume, Alert: "AuditkitProbeVolume",
			Summary: "responses answered " + strings.Join(statuses, ", ") + " (" + evHTTPClient + ") per client address, distinct or not",
			Key:     "client_address", KeySource: "client.address",
			Value: "responses", OWASP: "malicious_excess_404", Severity: "warning",
			Expr: is(evHTTPClient) + " attributes.http.response.status_code:in(" + strings.Join(statuses, ", ") + ") " +
				byAddress + ":* | stats by (" + byAddress + ") count() responses",
		},
		{
			Name: detect.RuleAuthzProbing, Alert: "AuditkitAuthzProbing",
			Summary: "authorization denials (" + evAuthzDenied + ") per acting user, or per client address for anonymous callers",
			Key:     "actor", KeySource: "user.id, else client.address",
			Value: "denials", OWASP: "malicious_direct_reference", Severity: "critical",
			Expr: is(evAuthzDenied) + " | " + coalesce("actor", "user.id", "client.address") +
				" | filter actor:* | stats by (actor) count() denials",
		},
	}
	for i := range rules {
		r := &rules[i]
		th, ok := def[r.Name]
		if !ok {
			panic("auditkit-loki-init: detect has no default threshold for rule " + r.Name)
		}
		r.Threshold = th
		r.Interval = th.Window / 5
		r.Lookback = th.Window + r.Interval
		expr := fmt.Sprintf("_time:%s %s %s | filter %s:>=%d", promDuration(r.Lookback), base, r.Expr, r.Value, th.Count)
		if strings.Contains(r.Expr, "stats by ("+byAddress+")") {
			expr += " | rename " + byAddress + " as client_address"
		}
		r.Expr = expr
	}
	return rules
}

// promDuration renders d as a Prometheus/LogsQL duration: whole minutes as
// "12m", anything else in seconds ("50s").
func promDuration(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// Description is the vmalert annotation: vmalert expands $labels and $value
// when the alert fires.
func (r fleetRule) Description() string {
	return fmt.Sprintf("%s {{ $labels.%s }}: {{ $value }} %s across the fleet in the last %s (threshold %d in %s; %s)",
		r.Key, r.Key, r.Value, promDuration(r.Lookback), r.Threshold.Count, promDuration(r.Threshold.Window), r.Summary)
}
