package detect

import (
	"context"
	"errors"
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
	// distinctField is the view.f index of distinct, or -1: set by New,
	// so a record's rules do not look the attribute up by name.
	distinctField int
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
	return rules, errors.Join(errs...)
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

// needs returns the built-in attributes (bit j: view.f index j) that rule
// r may read of a record: its key, its distinct value, the status, and the
// request id every count keeps as a sample.
func (r *rule) needs() uint8 {
	n := uint8(1 << fRequestID)
	switch r.key {
	case keyAccount:
		n |= 1<<fTarget | 1<<fUserName | 1<<fUserID
	case keyAddress:
		n |= 1 << fAddress
	case keyActor:
		n |= 1<<fUserID | 1<<fAddress
	case keyAttribute:
		if j := fieldIndex(r.keyAttr); j >= 0 {
			n |= 1 << j
		}
	}
	if r.distinctField >= 0 {
		n |= 1 << r.distinctField
	}
	if r.statuses != nil {
		n |= 1 << fStatus
	}
	return n
}

// view is what a rule reads of one record: the record's attributes, those
// bound with With, and the request scope in ctx. ctx sits apart from the
// record pointer: escape analysis does not tell fields apart, and ctx leaks
// (into ctx.Value), which would move every record to the heap.
type view struct {
	r    *slog.Record
	with []slog.Attr
	// f holds the attributes the built-in rules read, found in the one
	// pass over the record that finds its event_type. A pointer, one level below
	// r: escape analysis does not tell a struct's fields apart, and the
	// strings returned from f must not make r itself escape.
	f *fields
	m *memo
}

// fields are a record's built-in attributes; see view.field.
type fields struct {
	// raw holds the last value of each built-in attribute the record's
	// rules may read, unresolved: the record's (scan), else the last bound
	// with With (fill). It is resolved and rendered when a rule reads it.
	raw [nFields]slog.Value
	has uint8 // bit j: raw[j] was found
	// need has bit j set for the attributes scan keeps (by builtinKeys
	// index): all of them until the record's event_type is known, then
	// those its rules read, and event_type itself unless redo is
	// collecting again; lens has the lengths of their keys (lensOf).
	// kept has those kept all along: redo when need has more.
	need, kept uint8
	lens       uint64
	// et is the record's last string event_type, if hasET, and rules the
	// rules that count it.
	et    string
	hasET bool
	rules []*rule
	d     *Detector
}

// memo keeps what the rules of one record share: a value read from the
// request scope, a key hashed. Apart from fields, so a record no rule
// counts does not zero it.
type memo struct {
	// now, reqID and root are the record's time, request id (a sample)
	// and downstream handler, for count.
	now   int64
	reqID string
	root  *slog.Handler
	// addr caches the client address (view.scope).
	addr     string
	addrRead bool
	// name and nameKey cache the last username hashed (Detector.nameKey).
	name    string
	nameKey uint64
	named   bool
	// addrVal and akey cache the last address keyed (Detector.addrKey).
	addrVal string
	akey    uint64
	akeyed  bool
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
	// fEventType is event_type's index in builtinKeys: not a field.
	fEventType = nFields
	allFields  = 1<<nFields - 1
	// scanAll is what scan keeps before it knows the event type.
	scanAll = allFields | 1<<fEventType
)

// builtinKeys are the keys scan looks for, by index.
var builtinKeys = [nFields + 1]string{
	fUserName:  slogaudit.KeyUserName,
	fTarget:    authaudit.KeyTargetUserID,
	fUserID:    slogaudit.KeyUserID,
	fPath:      httpaudit.KeyURLPath,
	fStatus:    httpaudit.KeyHTTPStatusCode,
	fAddress:   slogaudit.KeyClientAddress,
	fRequestID: slogaudit.KeyRequestID,
	fEventType: slogaudit.KeyEventType,
}

// builtinLens has bit n set for the length n of each of builtinKeys.
var builtinLens = lensOf(scanAll)

// lensOf returns the lengths of the builtinKeys in need (bit j: index j),
// as a set of bits.
func lensOf(need uint8) uint64 {
	var m uint64
	for j, k := range builtinKeys {
		if need&(1<<j) != 0 {
			m |= 1 << (len(k) & 63)
		}
	}
	return m
}

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

// scan reads, in one pass over the record's attributes, its event_type
// (the last one that is a string) and the built-in attributes its rules
// read (the last value of each, as it is: rendered only when read). Until
// event_type is found every built-in attribute is kept; from then on only
// those the rules of that event type read: none for a record no rule
// counts whose event_type comes first (as in the benchmark's records).
//
// It replaces two passes, one for event_type and one loading the
// attributes (every one resolved and rendered): with the calls they made,
// about 1 550 instructions for the benchmark's failed login, about 700 for
// this pass and the reads that render what the rules use (callgrind,
// BenchmarkDetect/counted). Merged naively, the pass cost a record no rule
// counts about 270 more than the event_type pass alone (its user.id kept,
// every value rendered); with the attributes filtered by the length of
// their key (f.lens) in a closure small enough to be inlined into slog's
// loop, and kept only when needed, about 45 more.
func (f *fields) scan(r *slog.Record) {
	r.Attrs(func(a slog.Attr) bool {
		if f.lens>>(uint(len(a.Key))&63)&1 != 0 {
			if a.Key == slogaudit.KeyEventType {
				f.event(a.Value)
			} else {
				f.take(a)
			}
		}
		return true
	})
}

// take keeps a if it is a built-in attribute f.need has. The switch
// compares constants inline, and take is inlined into scan: through a
// key-lookup call it cost about 16 instructions more an attribute kept
// (callgrind).
func (f *fields) take(a slog.Attr) {
	var j uint
	switch a.Key {
	case slogaudit.KeyUserName:
		j = fUserName
	case authaudit.KeyTargetUserID:
		j = fTarget
	case slogaudit.KeyUserID:
		j = fUserID
	case httpaudit.KeyURLPath:
		j = fPath
	case httpaudit.KeyHTTPStatusCode:
		j = fStatus
	case slogaudit.KeyClientAddress:
		j = fAddress
	case slogaudit.KeyRequestID:
		j = fRequestID
	default:
		return
	}
	if f.need&(1<<j) != 0 {
		f.raw[j&7] = a.Value
		f.has |= 1 << j
	}
}

// event notes event_type value v: its rules, and the attributes they read,
// which are all scan keeps from here on.
func (f *fields) event(v slog.Value) {
	if f.need&(1<<fEventType) == 0 || v.Kind() != slog.KindString {
		return // redo, or not a string
	}
	f.et, f.hasET = v.String(), true
	er := f.d.rulesFor(f.et)
	f.rules = er.rules
	f.need = er.need | 1<<fEventType
	f.kept &= f.need
	f.lens = er.lens
}

// redo collects every built-in attribute again, in a second pass: scan
// passed over one the final event type's rules read (event_type came more
// than once, an earlier one naming an event type whose rules read less).
func (f *fields) redo(r *slog.Record) {
	f.raw, f.has, f.need, f.lens = [nFields]slog.Value{}, 0, allFields, builtinLens
	f.scan(r)
}

// fill sets the built-in attributes the record lacks to the last value
// bound with With.
func (f *fields) fill(with []slog.Attr) {
	for k := len(with) - 1; k >= 0; k-- {
		a := &with[k]
		if j := fieldIndex(a.Key); j >= 0 && f.has&(1<<j) == 0 {
			f.raw[j] = a.Value
			f.has |= 1 << j
		}
	}
}

// withEventType returns the last string event_type bound with With.
func withEventType(with []slog.Attr) (string, bool) {
	for i := len(with) - 1; i >= 0; i-- {
		if with[i].Key == slogaudit.KeyEventType && with[i].Value.Kind() == slog.KindString {
			return with[i].Value.String(), true
		}
	}
	return "", false
}

// field returns built-in attribute i of the record (the record's last
// value, else the last bound with With) as a string. The status code is
// read only by status: as a field it is absent.
func (v *view) field(i int) string {
	f := v.f
	if f.has>>uint(i)&1 == 0 || i == fStatus {
		return ""
	}
	return f.render(uint(i) % nFields)
}

// render returns attribute i's value as a string, resolving it first, and
// keeps that string: rules sharing the attribute read it once. Resolve is
// called only for a LogValuer: its deferred recover costs about 60
// instructions a call (callgrind).
func (f *fields) render(i uint) string {
	a := f.raw[i]
	if a.Kind() == slog.KindString {
		return a.String()
	}
	if a.Kind() == slog.KindLogValuer {
		a = a.Resolve()
	}
	s := valueString(a)
	f.raw[i] = slog.StringValue(s)
	return s
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
		return v.address(ctx)
	}
	return v.scopeRead(ctx, key, fieldIndex(key))
}

// address is scope's client address, read once per record: several rules
// key on it.
func (v *view) address(ctx context.Context) string {
	if !v.m.addrRead {
		v.m.addr, v.m.addrRead = v.scopeRead(ctx, slogaudit.KeyClientAddress, fAddress), true
	}
	return v.m.addr
}

// scopeRead is scope without the address's memo; i is key's view.f index,
// or -1.
func (v *view) scopeRead(ctx context.Context, key string, i int) string {
	if val, ok := slogaudit.ScopeValue(ctx, key); ok {
		if val.Kind() == slog.KindString {
			if s := val.String(); s != "" {
				return s
			}
		} else if s := valueString(val); s != "" {
			return s
		}
	}
	if i >= 0 {
		return v.field(i)
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
	f := v.f
	s := f.raw[fStatus] // the zero Value when absent: 0
	if s.Kind() == slog.KindLogValuer {
		// Resolved once: the status rules of one record all read it.
		s = s.Resolve()
		f.raw[fStatus] = s
	}
	switch s.Kind() {
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
		return v.address(ctx), slogaudit.KeyClientAddress, classAddress
	case keyActor:
		if s := v.actingUser(ctx); s != "" {
			return s, slogaudit.KeyUserID, classID
		}
		return v.address(ctx), slogaudit.KeyClientAddress, classAddress
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
