package main

import (
	"fmt"
	"strings"
)

// Event types the dashboard and the query recipes count, as httpaudit and
// authaudit emit them (the tests check each against those packages'
// constants; the command imports only detect, for the thresholds of the
// fleet rules).
const (
	evLoginFailed       = "auth.login.failed"             // authaudit.LoginFailed
	evLoginFailLimit    = "auth.login.fail_limit_reached" // authaudit.LoginFailLimitReached
	evLoginLocked       = "auth.login.locked"             // authaudit.AccountLocked
	evPasswordChangeErr = "auth.password.change_failed"   // authaudit.PasswordChangeFailed
	evTokenReused       = "auth.token.reused"             // authaudit.TokenReused
	evAuthzDenied       = "authz.access.denied"           // authaudit.AccessDenied
	evSessionExpiredUse = "session.use_after_expire"      // authaudit.SessionUsedAfterExpiry
	evHTTPSuccess       = "http.response.success"         // httpaudit, LogOKResponses only
	evHTTPRedir         = "http.response.redirect"        // httpaudit, LogOKResponses only
	evHTTPClient        = "http.response.client_error"    // httpaudit, 4xx
	evHTTPServer        = "http.response.server_error"    // httpaudit, 5xx and panics
)

// authFailureEvents are the authentication failures the "Auth failures" panel
// counts: only events auditkit emits (the seed also counted
// auth.logout.failed, which nothing emits). Lock-outs have their own panel.
var authFailureEvents = []string{evLoginFailed, evLoginFailLimit, evPasswordChangeErr, evTokenReused}

// securityEvents feed the log panel of security-relevant events.
var securityEvents = []string{
	evLoginFailed, evLoginFailLimit, evLoginLocked, evPasswordChangeErr, evTokenReused,
	evAuthzDenied, evSessionExpiredUse, evHTTPServer,
}

var httpEvents = []string{evHTTPSuccess, evHTTPRedir, evHTTPClient, evHTTPServer}

// query is one dashboard panel and the matching recipe in queries.md.
type query struct {
	Title   string
	Desc    string
	Panel   string // Grafana panel type
	Instant bool   // one value over the whole range (stat, table)
	Legend  string // Grafana legendFormat
	Expr    string
}

// lokiQueries returns the LogQL of every panel for the service app. rng is the
// range of one-value panels and step the bucket of time series: Grafana's
// $__range and $__interval on the dashboard, fixed durations in queries.md.
//
// Only the four promoted labels appear in stream selectors; every other field
// is read from the line with `| json name="path"`, where a key containing dots
// needs the bracket form attributes["client.address"] (the seed's single
// quotes are a syntax error in Loki's JSON expression parser).
func lokiQueries(app, rng, step string) []query {
	sel := func(extra ...string) string {
		return "{" + strings.Join(append([]string{"service_name=" + logqlQuote(app)}, extra...), ", ") + "}"
	}
	is := func(ev string) string { return "event_type=" + logqlQuote(ev) }
	in := func(evs ...string) string { return "event_type=~" + logqlQuote(regexpAlt(evs...)) }
	attr := func(label, key string) string {
		return fmt.Sprintf("json %s=%s | %s != \"\"", label, logqlQuote(`attributes["`+key+`"]`), label)
	}
	return []query{
		{
			Title: "Audit events", Panel: "stat", Instant: true,
			Desc: "Every audit event of the service in the time range.",
			Expr: fmt.Sprintf("sum(count_over_time(%s[%s]))", sel(), rng),
		},
		{
			Title: "Auth failures", Panel: "stat", Instant: true,
			Desc: "Authentication failures (" + strings.Join(authFailureEvents, ", ") + ").",
			Expr: fmt.Sprintf("sum(count_over_time(%s[%s]))", sel(in(authFailureEvents...)), rng),
		},
		{
			Title: "Lock-outs", Panel: "stat", Instant: true,
			Desc: "Accounts locked after too many failures (" + evLoginLocked + ").",
			Expr: fmt.Sprintf("sum(count_over_time(%s[%s]))", sel(is(evLoginLocked)), rng),
		},
		{
			Title: "Authorization denials", Panel: "stat", Instant: true,
			Desc: "Requests refused by an authorization check (" + evAuthzDenied + ").",
			Expr: fmt.Sprintf("sum(count_over_time(%s[%s]))", sel(is(evAuthzDenied)), rng),
		},
		{
			Title: "Events by type", Panel: "timeseries", Legend: "{{event_type}}",
			Desc: "Audit events per event_type label.",
			Expr: fmt.Sprintf("sum by (event_type) (count_over_time(%s[%s]))", sel(), step),
		},
		{
			Title: "HTTP 4xx / 5xx", Panel: "timeseries", Legend: "{{event_type}}",
			Desc: "Client errors (4xx) and server errors (5xx, panics) logged by httpaudit.",
			Expr: fmt.Sprintf("sum by (event_type) (count_over_time(%s[%s]))", sel(in(evHTTPClient, evHTTPServer)), step),
		},
		{
			Title: "HTTP status codes", Panel: "timeseries", Legend: "{{status_code}}",
			Desc: "Responses per http.response.status_code (2xx/3xx only with LogOKResponses).",
			Expr: fmt.Sprintf("sum by (status_code) (count_over_time(%s | %s [%s]))",
				sel(in(httpEvents...)), attr("status_code", "http.response.status_code"), step),
		},
		{
			Title: "Top client addresses", Panel: "table", Instant: true, Legend: "{{client_address}}",
			Desc: "The ten client.address values with the most audit events.",
			Expr: fmt.Sprintf("topk(10, sum by (client_address) (count_over_time(%s | %s [%s])))",
				sel(), attr("client_address", "client.address"), rng),
		},
		{
			Title: "Auth failures by client address", Panel: "table", Instant: true, Legend: "{{client_address}}",
			Desc: "Where authentication failures come from: many from one address suggest password guessing.",
			Expr: fmt.Sprintf("topk(10, sum by (client_address) (count_over_time(%s | %s [%s])))",
				sel(in(authFailureEvents...)), attr("client_address", "client.address"), rng),
		},
		{
			Title: "Authorization denials by user", Panel: "table", Instant: true, Legend: "{{user_id}}",
			Desc: "Users refused most often by authorization checks.",
			Expr: fmt.Sprintf("topk(10, sum by (user_id) (count_over_time(%s | %s [%s])))",
				sel(is(evAuthzDenied)), attr("user_id", "user.id"), rng),
		},
		{
			Title: "Authorization denials by resource", Panel: "table", Instant: true, Legend: "{{resource}}",
			Desc: "Resources (audit.resource) behind the most authorization denials.",
			Expr: fmt.Sprintf("topk(10, sum by (resource) (count_over_time(%s | %s [%s])))",
				sel(is(evAuthzDenied)), attr("resource", "audit.resource"), rng),
		},
		{
			Title: "Security events", Panel: "logs",
			Desc: "Authentication failures, lock-outs, authorization denials, use of expired sessions and server errors, newest first.",
			Expr: sel(in(securityEvents...)),
		},
	}
}

// logsQLQueries returns the LogsQL recipes for VictoriaLogs, panel for panel
// the same as lokiQueries. VictoriaLogs flattens the JSON line with dots, so
// fields are attributes.client.address, resource.service.name and so on.
func logsQLQueries(app, rng, step string) []query {
	base := fmt.Sprintf("_time:%s {resource.service.name=%s}", rng, logsqlQuote(app))
	is := func(ev string) string { return "attributes.event_type:=" + logsqlQuote(ev) }
	in := func(evs ...string) string {
		q := make([]string, len(evs))
		for i, ev := range evs {
			q[i] = logsqlQuote(ev)
		}
		return "attributes.event_type:in(" + strings.Join(q, ", ") + ")"
	}
	return []query{
		{Title: "Audit events", Expr: base + " | stats count() events"},
		{Title: "Auth failures", Expr: base + " " + in(authFailureEvents...) + " | stats count() failures"},
		{Title: "Lock-outs", Expr: base + " " + is(evLoginLocked) + " | stats count() lockouts"},
		{Title: "Authorization denials", Expr: base + " " + is(evAuthzDenied) + " | stats count() denials"},
		{Title: "Events by type", Expr: fmt.Sprintf("%s | stats by (_time:%s, attributes.event_type) count() events", base, step)},
		{Title: "HTTP 4xx / 5xx", Expr: fmt.Sprintf("%s %s | stats by (_time:%s, attributes.event_type) count() responses", base, in(evHTTPClient, evHTTPServer), step)},
		{Title: "HTTP status codes", Expr: base + " attributes.http.response.status_code:* | stats by (attributes.http.response.status_code) count() responses | sort by (attributes.http.response.status_code)"},
		{Title: "Top client addresses", Expr: base + " attributes.client.address:* | top 10 by (attributes.client.address)"},
		{Title: "Auth failures by client address", Expr: base + " " + in(authFailureEvents...) + " | top 10 by (attributes.client.address)"},
		{Title: "Authorization denials by user", Expr: base + " " + is(evAuthzDenied) + " | top 10 by (attributes.user.id)"},
		{Title: "Authorization denials by resource", Expr: base + " " + is(evAuthzDenied) + " | top 10 by (attributes.audit.resource)"},
		{Title: "Security events", Expr: base + " " + in(securityEvents...) + " | sort by (_time desc) | limit 100"},
	}
}
