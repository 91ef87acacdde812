package authaudit

import (
	"context"
	"log/slog"
	"runtime"

	"github.com/secaudit/auditkit/internal/eventlog"
	"github.com/secaudit/auditkit/slogaudit"
)

// ScopeName is the instrumentation scope of every event this package logs,
// attached as the slogaudit.KeyScopeName attribute.
const ScopeName = "github.com/secaudit/auditkit/authaudit"

// Attribute keys for the OWASP parameters that have no OpenTelemetry name,
// all in one audit.* namespace (OpenTelemetry defines no audit attributes).
// user.id, user.name and outcome are the slogaudit keys.
const (
	// KeyOWASPEvent is the OWASP Logging Vocabulary identifier of the event
	// (authn_login_fail, authz_fail, ...), lower case, without parameters.
	KeyOWASPEvent = "owasp.event"
	// KeyReason is a short machine-readable word saying why (see the Reason
	// constants).
	KeyReason = "audit.reason"
	// KeyRetries is the number of failed attempts before a successful login.
	KeyRetries = "audit.retries"
	// KeyLimit is the limit that was reached (failed logins, request rate).
	KeyLimit = "audit.limit"
	// KeyTokenID identifies a token by an id or a keyed hash, never by its
	// value. Its name contains "token", so the default redactor treats it as
	// sensitive: it is written as a pseudonym when the Redactor has an HMAC
	// key, as the redaction marker otherwise, and as given only when
	// allowlisted.
	KeyTokenID = "audit.token.id"
	// KeyEntitlements lists the scopes or permissions granted to a token.
	KeyEntitlements = "audit.entitlements"
	// KeyResource names what access was denied to (a path, an object id).
	KeyResource = "audit.resource"
	// KeyTargetUserID is the user an action was performed on, when that is
	// not the acting user (ECS user.target.id).
	KeyTargetUserID = "audit.target.user.id"
	// KeyChangeFrom is the authorization level or role before a change.
	KeyChangeFrom = "audit.change.from"
	// KeyChangeTo is the authorization level or role after a change.
	KeyChangeTo = "audit.change.to"
	// KeyAction names a privileged action (user.delete, config.update, ...).
	KeyAction = "audit.action"
	// KeyInputFields lists the names (never the values) of input fields that
	// failed validation, or the unexpected one (malicious_extraneous) or the
	// attacked parameter (malicious_sqli).
	KeyInputFields = "audit.input.fields"
	// KeyGeoFrom and KeyGeoTo are the two regions of an impossible travel.
	KeyGeoFrom = "audit.geo.from"
	KeyGeoTo   = "audit.geo.to"
	// KeyAppID names the application whose token was deleted.
	KeyAppID = "audit.app.id"
	// KeyMonitor names a monitoring or security control (sys_monitor_*).
	KeyMonitor = "audit.monitor"
	// KeyAttributes lists the names (never the values) of a user's
	// attributes that were set or changed (user_created, user_updated).
	KeyAttributes = "audit.attributes"
	// KeyFileName, KeyFileType and KeyFileID describe an uploaded file.
	KeyFileName = "audit.file.name"
	KeyFileType = "audit.file.type"
	KeyFileID   = "audit.file.id"
	// KeyValidationCheck and KeyValidationResult are the check an upload
	// went through (virusscan, imagemagick) and its result (ResultPassed,
	// ResultFailed, ResultIncomplete).
	KeyValidationCheck  = "audit.validation.check"
	KeyValidationResult = "audit.validation.result"
	// KeyToolName names an attack tool recognised (malicious_attack_tool).
	KeyToolName = "audit.tool.name"
	// KeyRuleID identifies the rule that caught an attack (a WAF rule id).
	KeyRuleID = "audit.rule.id"
	// KeyReferer is the Referer of a cross-origin request (malicious_cors).
	KeyReferer = "http.request.header.referer"
	// KeyCSPDirective and KeyCSPBlockedURI describe a Content Security
	// Policy violation report.
	KeyCSPDirective  = "audit.csp.directive"
	KeyCSPBlockedURI = "audit.csp.blocked_uri"
)

// Logger writes the events of this package to a bound *slog.Logger. Its
// methods are the package functions, which use slog.Default() instead.
//
// A nil or zero Logger logs through slog.Default(), looked up on every call.
// A Logger is safe for concurrent use.
type Logger struct {
	l *slog.Logger
}

// New returns a Logger that writes to l; a nil l means slog.Default(),
// looked up on every call so a later slog.SetDefault takes effect.
func New(l *slog.Logger) *Logger { return &Logger{l: l} }

// logger returns the bound logger, or nil for "slog.Default() at call time".
func (lg *Logger) logger() *slog.Logger {
	if lg == nil {
		return nil
	}
	return lg.l
}

// event is the fixed part of an event: what does not depend on the call.
type event struct {
	typ     string // event_type
	owasp   string // owasp.event
	level   slog.Level
	body    string
	outcome string // "" for none
	// withRetries and withLimit say which integer parameter the event has;
	// a zero count is meaningful, so presence cannot be read from the value.
	withRetries bool
	withLimit   bool
}

// params are the per-call facts of an event. Empty strings and nil slices
// are omitted, as the seed omits empty values.
type params struct {
	userID   string // user.id
	userName string // user.name
	target   string // audit.target.user.id
	reason   string
	tokenID  string
	resource string
	from, to string
	action   string
	retries  int
	limit    int
	list     []string // audit.entitlements or audit.input.fields
	listKey  string
	// actor adds user.id from the acting user in ctx, for events whose
	// userid parameter names the target rather than the actor.
	actor bool
	// single is a one-name list for listKey, built only once the event is
	// enabled (a disabled helper allocates nothing).
	single string
	// kv are further string parameters (key, value), empty ones omitted.
	kv [4][2]string
}

// stackAttrs is the room on the stack for a record's attributes: the at most
// eight a helper sets itself plus the caller's first ones. More spill to the
// heap.
const stackAttrs = 16

// emit logs ev with p and the caller's attrs. It must be called directly by
// an exported helper: the PC it records is that helper's caller, so
// AddSource reports the application's line.
//
// Nothing is computed before the Enabled check, which keeps a disabled
// helper free of allocations (the parameters are only read afterwards).
func emit(ctx context.Context, l *slog.Logger, ev *event, p *params, attrs []slog.Attr) {
	ctx, l, enabled := eventlog.Start(ctx, l, ev.level)
	if !enabled {
		return
	}
	var pcs [1]uintptr
	runtime.Callers(3, pcs[:]) // skip Callers, emit and the exported helper

	var buf [stackAttrs]slog.Attr
	all := buf[:0]
	addString := func(key, v string) {
		if v != "" {
			all = append(all, slog.String(key, v))
		}
	}

	all = append(all,
		slog.String(slogaudit.KeyEventType, ev.typ),
		slog.String(KeyOWASPEvent, ev.owasp),
		slog.String(slogaudit.KeyScopeName, ScopeName))
	addString(slogaudit.KeyOutcome, ev.outcome)
	if p.actor {
		if u, ok := slogaudit.UserFromContext(ctx); ok {
			addString(slogaudit.KeyUserID, u.ID)
		}
	}
	addString(slogaudit.KeyUserID, p.userID)
	addString(slogaudit.KeyUserName, p.userName)
	addString(KeyTargetUserID, p.target)
	addString(KeyReason, p.reason)
	addString(KeyTokenID, p.tokenID)
	addString(KeyResource, p.resource)
	addString(KeyChangeFrom, p.from)
	addString(KeyChangeTo, p.to)
	addString(KeyAction, p.action)
	for _, kv := range p.kv {
		addString(kv[0], kv[1])
	}
	if ev.withRetries {
		all = append(all, slog.Int(KeyRetries, p.retries))
	}
	if ev.withLimit {
		all = append(all, slog.Int(KeyLimit, p.limit))
	}
	if len(p.list) > 0 {
		all = append(all, slog.Any(p.listKey, p.list))
	} else if p.single != "" {
		all = append(all, slog.Any(p.listKey, []string{p.single}))
	}
	eventlog.Log(ctx, l, ev.level, ev.body, pcs[0], all, attrs)
}

// kv1 and kv2 fill params.kv.
func kv1(k, v string) (kv [4][2]string) {
	kv[0] = [2]string{k, v}
	return kv
}

func kv2(k1, v1, k2, v2 string) (kv [4][2]string) {
	kv[0], kv[1] = [2]string{k1, v1}, [2]string{k2, v2}
	return kv
}
