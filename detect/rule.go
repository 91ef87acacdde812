package detect

import (
	"context"
	"log/slog"
	"slices"
	"strconv"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// rule is one configured rule, built-in or generic.
type rule struct {
	name      string
	eventType string // detect.<name>
	owasp     string
	level     slog.Level
	match     string // event_type of the records it counts
	statuses  []int  // non-nil: only records with one of these statuses
	key       func(v *view) (val, attr string)
	distinct  string // attribute whose distinct values are counted; "" = count records
	th        Threshold
	tab       *table
	root      rootCell // the last downstream handler that counted a record, for Sweep's reports
	lastEvict int64    // when Sweep last reported evictions (guarded by Detector.sweepMu)
}

// builtins returns the built-in rules that o enables, with defaults applied.
func builtins(o *Options) ([]*rule, error) {
	type spec struct {
		th       Threshold
		def      Threshold
		field    string
		r        *rule
		maxCount int
	}
	specs := []spec{
		{o.LoginFailAccount, defaultLoginFailAccount, "LoginFailAccount", &rule{
			name: RuleLoginFailAccount, owasp: "authn_login_fail_max", level: slog.LevelWarn,
			match: authaudit.EventLoginFailed, key: accountKey}, MaxCount},
		{o.LoginFailAddress, defaultLoginFailAddress, "LoginFailAddress", &rule{
			name: RuleLoginFailAddress, owasp: "excess_rate_limit_exceeded", level: slog.LevelWarn,
			match: authaudit.EventLoginFailed, key: addressKey}, MaxCount},
		{o.CredentialStuffing, defaultCredentialStuffing, "CredentialStuffing", &rule{
			name: RuleCredentialStuffing, owasp: "malicious_attack_tool", level: slogaudit.LevelCritical,
			match: authaudit.EventLoginFailed, key: addressKey, distinct: slogaudit.KeyUserName}, MaxDistinct},
		{o.ForceBrowsing, defaultForceBrowsing, "ForceBrowsing", &rule{
			name: RuleForceBrowsing, owasp: "malicious_excess_404", level: slog.LevelWarn,
			match: httpaudit.EventClientError, key: addressKey, distinct: httpaudit.KeyURLPath,
			statuses: slices.Clone(o.ProbeStatusCodes)}, MaxDistinct},
		{o.AuthzProbing, defaultAuthzProbing, "AuthzProbing", &rule{
			name: RuleAuthzProbing, owasp: "malicious_direct_reference", level: slogaudit.LevelCritical,
			match: authaudit.EventAccessDenied, key: actorKey}, MaxCount},
	}
	var rules []*rule
	var errs []error
	for i := range specs {
		s := &specs[i]
		if s.th.Off {
			continue
		}
		th, err := s.th.withDefaults(s.def, s.field, s.maxCount)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.r.th = th
		rules = append(rules, s.r)
	}
	return rules, joinErrs(errs)
}

// generic builds the rule of a validated Rule.
func generic(g Rule) *rule {
	th, _ := g.Threshold.withDefaults(Threshold{}, "", MaxCount)
	r := &rule{
		name: g.Name, owasp: g.OWASPEvent, level: g.Level, match: g.EventType, th: th,
		key: attrKey(g.Key),
	}
	if r.owasp == "" {
		r.owasp = "excess_rate_limit_exceeded"
	}
	if r.level == 0 {
		r.level = slog.LevelWarn
	}
	return r
}

// view is what a rule reads of one record: the record's attributes, those
// bound with With, and the request scope in ctx.
type view struct {
	ctx  context.Context
	r    *slog.Record
	with []slog.Attr
}

// str returns the string form of attribute key: the record's last one, else
// the last bound with With. Empty values count as absent.
func (v *view) str(key string) string {
	var val slog.Value
	found := false
	v.r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			val, found = a.Value, true
		}
		return true
	})
	if !found {
		for i := len(v.with) - 1; i >= 0; i-- {
			if v.with[i].Key == key {
				val, found = v.with[i].Value, true
				break
			}
		}
	}
	if !found {
		return ""
	}
	return valueString(val.Resolve())
}

// scope returns the request scope's value of key, else the record's.
func (v *view) scope(key string) string {
	if val, ok := slogaudit.ScopeValue(v.ctx, key); ok {
		if s := valueString(val); s != "" {
			return s
		}
	}
	return v.str(key)
}

// actingUser returns the record's user.id, else the scope's acting user.
func (v *view) actingUser() string {
	if s := v.str(slogaudit.KeyUserID); s != "" {
		return s
	}
	if u, ok := slogaudit.UserFromContext(v.ctx); ok {
		return u.ID
	}
	return ""
}

// status returns the record's http.response.status_code, or 0.
func (v *view) status() int {
	n, _ := strconv.Atoi(v.str(httpaudit.KeyHTTPStatusCode))
	return n
}

// valueString renders a resolved value; strings and integers without
// allocating.
func valueString(v slog.Value) string {
	switch v.Kind() {
	case slog.KindString:
		return v.String()
	case slog.KindInt64:
		return strconv.FormatInt(v.Int64(), 10)
	case slog.KindUint64:
		return strconv.FormatUint(v.Uint64(), 10)
	case slog.KindGroup:
		return ""
	}
	return v.String()
}

// accountKey is the target account of a failed login: the username typed,
// else the account id the application named, else user.id.
func accountKey(v *view) (string, string) {
	for _, k := range [...]string{slogaudit.KeyUserName, authaudit.KeyTargetUserID, slogaudit.KeyUserID} {
		if s := v.str(k); s != "" {
			return s, k
		}
	}
	return "", ""
}

// addressKey is the client address, from the request scope (httpaudit puts
// it there) or the record.
func addressKey(v *view) (string, string) {
	return v.scope(slogaudit.KeyClientAddress), slogaudit.KeyClientAddress
}

// actorKey is the acting user, or the client address of an anonymous caller.
func actorKey(v *view) (string, string) {
	if s := v.actingUser(); s != "" {
		return s, slogaudit.KeyUserID
	}
	return addressKey(v)
}

// attrKey reads a generic rule's key: request-scope keys from the scope
// first, user.id falling back to the acting user.
func attrKey(key string) func(v *view) (string, string) {
	switch key {
	case slogaudit.KeyClientAddress, slogaudit.KeyPeerAddress, slogaudit.KeySessionID, slogaudit.KeyRequestID:
		return func(v *view) (string, string) { return v.scope(key), key }
	case slogaudit.KeyUserID:
		return func(v *view) (string, string) { return v.actingUser(), key }
	}
	return func(v *view) (string, string) { return v.str(key), key }
}

// plainKey reports whether values of attr are shown as they are in derived
// events: addresses and ids, which the log writes as they are anyway. Any
// other key (a username above all) is shown as a pseudonym.
func plainKey(attr string) bool {
	switch attr {
	case slogaudit.KeyClientAddress, slogaudit.KeyPeerAddress, slogaudit.KeyUserID,
		authaudit.KeyTargetUserID, slogaudit.KeyRequestID:
		return true
	}
	return false
}
