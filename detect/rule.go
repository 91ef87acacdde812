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
	key       keyKind
	keyAttr   string   // the attribute of keyAttribute rules
	keyClass  keyClass // and its class
	distinct  string   // attribute whose distinct values are counted; "" = count records
	// distinctClass is className for usernames, counted in canonical form.
	distinctClass keyClass
	th            Threshold
	tab           *table
	root          rootCell // the last downstream handler that counted a record, for Sweep's reports
	lastEvict     int64    // when Sweep last reported evictions (guarded by Detector.sweepMu)
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
			match: authaudit.EventLoginFailed, key: keyAccount}, MaxCount},
		{o.LoginFailAddress, defaultLoginFailAddress, "LoginFailAddress", &rule{
			name: RuleLoginFailAddress, owasp: "excess_rate_limit_exceeded", level: slog.LevelWarn,
			match: authaudit.EventLoginFailed, key: keyAddress}, MaxCount},
		{o.CredentialStuffing, defaultCredentialStuffing, "CredentialStuffing", &rule{
			name: RuleCredentialStuffing, owasp: "malicious_attack_tool", level: slogaudit.LevelCritical,
			match: authaudit.EventLoginFailed, key: keyAddress, distinct: slogaudit.KeyUserName,
			distinctClass: className}, MaxDistinct},
		{o.ForceBrowsing, defaultForceBrowsing, "ForceBrowsing", &rule{
			name: RuleForceBrowsing, owasp: "malicious_excess_404", level: slog.LevelWarn,
			match: httpaudit.EventClientError, key: keyAddress, distinct: httpaudit.KeyURLPath,
			statuses: slices.Clone(o.ProbeStatusCodes)}, MaxDistinct},
		{o.ProbeVolume, defaultProbeVolume, "ProbeVolume", &rule{
			name: RuleProbeVolume, owasp: "malicious_excess_404", level: slog.LevelWarn,
			match: httpaudit.EventClientError, key: keyAddress,
			statuses: slices.Clone(o.ProbeStatusCodes)}, MaxCount},
		{o.AuthzProbing, defaultAuthzProbing, "AuthzProbing", &rule{
			name: RuleAuthzProbing, owasp: "malicious_direct_reference", level: slogaudit.LevelCritical,
			match: authaudit.EventAccessDenied, key: keyActor}, MaxCount},
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
		key: keyAttribute, keyAttr: g.Key, keyClass: classOf(g.Key),
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
// bound with With, and the request scope in ctx. ctx sits apart from the
// record pointer: escape analysis does not tell fields apart, and ctx leaks
// (into ctx.Value), which would move every record to the heap.
type view struct {
	r    *slog.Record
	with []slog.Attr
	// f holds the attributes the built-in rules read, found in one pass
	// over the record (and with) on first use. A pointer, one level below
	// r: escape analysis does not tell a struct's fields apart, and the
	// strings returned from f must not make r itself escape.
	f *fields
}

// fields are a record's built-in attributes; see view.field.
type fields struct {
	v      [nFields]string
	status slog.Value // http.response.status_code, kept as a value: no string needed
	loaded bool
	// addr caches the client address (view.scope).
	addr     string
	addrRead bool
	// name and nameKey cache the last username hashed (Detector.nameKey).
	name    string
	nameKey uint64
	named   bool
}

// The attributes the built-in rules read, by index in view.f.
const (
	fUserName = iota
	fTarget
	fUserID
	fPath
	fStatus
	fAddress
	fRequestID
	nFields
)

// fieldIndex returns the view.f index of attribute key, or -1.
func fieldIndex(key string) int {
	switch key {
	case slogaudit.KeyUserName:
		return fUserName
	case authaudit.KeyTargetUserID:
		return fTarget
	case slogaudit.KeyUserID:
		return fUserID
	case httpaudit.KeyURLPath:
		return fPath
	case httpaudit.KeyHTTPStatusCode:
		return fStatus
	case slogaudit.KeyClientAddress:
		return fAddress
	case slogaudit.KeyRequestID:
		return fRequestID
	}
	return -1
}

// load reads, in one pass over the record and then over with, the
// built-in attributes (the record's last value, else the last bound with
// With).
func (v *view) load() {
	f := v.f
	f.loaded = true
	var seen [nFields]bool
	v.r.Attrs(func(a slog.Attr) bool {
		if j := fieldIndex(a.Key); j == fStatus {
			f.status, seen[j] = a.Value.Resolve(), true
		} else if j >= 0 {
			f.v[j], seen[j] = valueString(a.Value.Resolve()), true
		}
		return true
	})
	for k := len(v.with) - 1; k >= 0; k-- {
		a := &v.with[k]
		if j := fieldIndex(a.Key); j == fStatus && !seen[j] {
			f.status, seen[j] = a.Value.Resolve(), true
		} else if j >= 0 && !seen[j] {
			f.v[j], seen[j] = valueString(a.Value.Resolve()), true
		}
	}
}

// field returns built-in attribute i of the record (the record's last
// value, else the last bound with With).
func (v *view) field(i int) string {
	if !v.f.loaded {
		v.load()
	}
	return v.f.v[i]
}

// str returns the string form of attribute key: the record's last one, else
// the last bound with With. Empty values count as absent.
func (v *view) str(key string) string {
	if i := fieldIndex(key); i >= 0 {
		return v.field(i)
	}
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
func (v *view) scope(ctx context.Context, key string) string {
	if key == slogaudit.KeyClientAddress {
		// Read by several rules of one record: once.
		if !v.f.addrRead {
			v.f.addr, v.f.addrRead = v.scopeRead(ctx, key), true
		}
		return v.f.addr
	}
	return v.scopeRead(ctx, key)
}

func (v *view) scopeRead(ctx context.Context, key string) string {
	if val, ok := slogaudit.ScopeValue(ctx, key); ok {
		if s := valueString(val); s != "" {
			return s
		}
	}
	return v.str(key)
}

// actingUser returns the record's user.id, else the scope's acting user.
func (v *view) actingUser(ctx context.Context) string {
	if s := v.str(slogaudit.KeyUserID); s != "" {
		return s
	}
	if u, ok := slogaudit.UserFromContext(ctx); ok {
		return u.ID
	}
	return ""
}

// status returns the record's http.response.status_code, or 0.
func (v *view) status() int {
	v.field(fStatus)
	switch s := v.f.status; s.Kind() {
	case slog.KindInt64:
		return int(s.Int64())
	case slog.KindUint64:
		return int(min(s.Uint64(), 1<<31))
	case slog.KindString:
		n, _ := strconv.Atoi(s.String())
		return n
	}
	return 0
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

// keyKind says how a rule finds its key in a record. A switch, not a func
// value: an indirect call would make the record escape to the heap.
type keyKind uint8

const (
	// keyAccount is the target account of a failed login: the account id
	// the application named, else the username typed (canonicalized), else
	// user.id.
	keyAccount keyKind = iota
	// keyAddress is the client address, from the request scope (httpaudit
	// puts it there) or the record.
	keyAddress
	// keyActor is the acting user, or the client address of an anonymous
	// caller.
	keyActor
	// keyAttribute is a generic rule's attribute: request-scope keys from the
	// scope first, user.id falling back to the acting user.
	keyAttribute
)

// key returns rule ru's key in the record, the attribute it came from and
// its class; an empty key means the record is not counted.
func (v *view) key(ctx context.Context, ru *rule) (string, string, keyClass) {
	switch ru.key {
	case keyAccount:
		// The account id the application resolved names the account
		// whatever the username typed; else the username, canonicalized.
		if s := v.field(fTarget); s != "" {
			return s, authaudit.KeyTargetUserID, classID
		}
		if s := v.field(fUserName); s != "" {
			return s, slogaudit.KeyUserName, className
		}
		return v.field(fUserID), slogaudit.KeyUserID, classID
	case keyAddress:
		return v.scope(ctx, slogaudit.KeyClientAddress), slogaudit.KeyClientAddress, classAddress
	case keyActor:
		if s := v.actingUser(ctx); s != "" {
			return s, slogaudit.KeyUserID, classID
		}
		return v.scope(ctx, slogaudit.KeyClientAddress), slogaudit.KeyClientAddress, classAddress
	}
	switch k := ru.keyAttr; k {
	case slogaudit.KeyClientAddress, slogaudit.KeyPeerAddress, slogaudit.KeySessionID, slogaudit.KeyRequestID:
		return v.scope(ctx, k), k, ru.keyClass
	case slogaudit.KeyUserID:
		return v.actingUser(ctx), k, classID
	default:
		return v.str(k), k, ru.keyClass
	}
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
