package authaudit

import (
	"context"
	"log/slog"

	"github.com/secaudit/auditkit/slogaudit"
)

// Event types (the event_type attribute). Events of OWASP's MALICIOUS family: requests only an attacker sends. The client's address and user agent (OWASP's IP and useragent parameters) come from the request scope httpaudit sets (client.address, user_agent.original); userID is empty for an anonymous caller. The detect package raises malicious_excess_404, malicious_attack_tool and malicious_direct_reference from the audit stream by itself.
const (
	EventExcess404       = "malicious.excess_404"       // Excess404
	EventExtraneous      = "malicious.extraneous"       // ExtraneousInput
	EventAttackTool      = "malicious.attack_tool"      // AttackTool
	EventSQLi            = "malicious.sqli"             // SQLInjection
	EventCORS            = "malicious.cors"             // CORSViolation
	EventDirectReference = "malicious.direct_reference" // DirectReference
	EventCSRF            = "malicious.csrf"             // CSRFDetected
	EventCSPViolation    = "malicious.csp_violation"    // CSPViolation
)

var (
	excess404Event = event{typ: EventExcess404, owasp: "malicious_excess_404",
		level: slog.LevelWarn, body: EventExcess404, outcome: outcomeFail}
	extraneousInputEvent = event{typ: EventExtraneous, owasp: "malicious_extraneous",
		level: slogaudit.LevelCritical, body: EventExtraneous, outcome: outcomeFail}
	attackToolEvent = event{typ: EventAttackTool, owasp: "malicious_attack_tool",
		level: slogaudit.LevelCritical, body: EventAttackTool, outcome: outcomeFail}
	sQLInjectionEvent = event{typ: EventSQLi, owasp: "malicious_sqli",
		level: slogaudit.LevelCritical, body: EventSQLi, outcome: outcomeFail}
	cORSViolationEvent = event{typ: EventCORS, owasp: "malicious_cors",
		level: slogaudit.LevelCritical, body: EventCORS, outcome: outcomeFail}
	directReferenceEvent = event{typ: EventDirectReference, owasp: "malicious_direct_reference",
		level: slogaudit.LevelCritical, body: EventDirectReference, outcome: outcomeFail}
	cSRFDetectedEvent = event{typ: EventCSRF, owasp: "malicious_csrf",
		level: slog.LevelWarn, body: EventCSRF, outcome: outcomeFail}
	cSPViolationEvent = event{typ: EventCSPViolation, owasp: "malicious_csp_violation",
		level: slog.LevelWarn, body: EventCSPViolation, outcome: outcomeFail}
)

// Excess404 records that a client requested an unusual number of missing
// pages (malicious.excess_404, WARN): force browsing.
func Excess404(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &excess404Event, &params{userID: userID}, attrs)
}

// Excess404 is the package function Excess404, logged through lg.
func (lg *Logger) Excess404(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &excess404Event, &params{userID: userID}, attrs)
}

// ExtraneousInput records a request carrying an input the form never had,
// inputName (malicious.extraneous, CRITICAL).
func ExtraneousInput(ctx context.Context, userID, inputName string, attrs ...slog.Attr) {
	emit(ctx, nil, &extraneousInputEvent, &params{userID: userID, single: inputName, listKey: KeyInputFields}, attrs)
}

// ExtraneousInput is the package function ExtraneousInput, logged through lg.
func (lg *Logger) ExtraneousInput(ctx context.Context, userID, inputName string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &extraneousInputEvent, &params{userID: userID, single: inputName, listKey: KeyInputFields}, attrs)
}

// AttackTool records a request from a recognised attack tool, toolName
// (malicious.attack_tool, CRITICAL).
func AttackTool(ctx context.Context, userID, toolName string, attrs ...slog.Attr) {
	emit(ctx, nil, &attackToolEvent, &params{userID: userID, kv: kv1(KeyToolName, toolName)}, attrs)
}

// AttackTool is the package function AttackTool, logged through lg.
func (lg *Logger) AttackTool(ctx context.Context, userID, toolName string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &attackToolEvent, &params{userID: userID, kv: kv1(KeyToolName, toolName)}, attrs)
}

// SQLInjection records an SQL injection attempt in parameter, caught by rule
// ruleID (malicious.sqli, CRITICAL). The parameter's name only, never its
// value.
func SQLInjection(ctx context.Context, userID, parameter, ruleID string, attrs ...slog.Attr) {
	emit(ctx, nil, &sQLInjectionEvent, &params{userID: userID, single: parameter, listKey: KeyInputFields, kv: kv1(KeyRuleID, ruleID)}, attrs)
}

// SQLInjection is the package function SQLInjection, logged through lg.
func (lg *Logger) SQLInjection(ctx context.Context, userID, parameter, ruleID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &sQLInjectionEvent, &params{userID: userID, single: parameter, listKey: KeyInputFields, kv: kv1(KeyRuleID, ruleID)}, attrs)
}

// CORSViolation records a cross-origin request from an origin the policy
// refuses, with its Referer (malicious.cors, CRITICAL).
func CORSViolation(ctx context.Context, userID, referer string, attrs ...slog.Attr) {
	emit(ctx, nil, &cORSViolationEvent, &params{userID: userID, kv: kv1(KeyReferer, referer)}, attrs)
}

// CORSViolation is the package function CORSViolation, logged through lg.
func (lg *Logger) CORSViolation(ctx context.Context, userID, referer string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &cORSViolationEvent, &params{userID: userID, kv: kv1(KeyReferer, referer)}, attrs)
}

// DirectReference records a request for an object the caller was never
// offered, by changing its id (malicious.direct_reference, CRITICAL).
func DirectReference(ctx context.Context, userID, resource string, attrs ...slog.Attr) {
	emit(ctx, nil, &directReferenceEvent, &params{userID: userID, resource: resource}, attrs)
}

// DirectReference is the package function DirectReference, logged through lg.
func (lg *Logger) DirectReference(ctx context.Context, userID, resource string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &directReferenceEvent, &params{userID: userID, resource: resource}, attrs)
}

// CSRFDetected records a request with a missing or wrong anti-CSRF token
// (malicious.csrf, WARN).
func CSRFDetected(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &cSRFDetectedEvent, &params{userID: userID}, attrs)
}

// CSRFDetected is the package function CSRFDetected, logged through lg.
func (lg *Logger) CSRFDetected(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &cSRFDetectedEvent, &params{userID: userID}, attrs)
}

// CSPViolation records a Content Security Policy violation report
// (malicious.csp_violation, WARN): the effective directive and the blocked
// URI.
func CSPViolation(ctx context.Context, userID, directive, blockedURI string, attrs ...slog.Attr) {
	emit(ctx, nil, &cSPViolationEvent, &params{userID: userID, kv: kv2(KeyCSPDirective, directive, KeyCSPBlockedURI, blockedURI)}, attrs)
}

// CSPViolation is the package function CSPViolation, logged through lg.
func (lg *Logger) CSPViolation(ctx context.Context, userID, directive, blockedURI string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &cSPViolationEvent, &params{userID: userID, kv: kv2(KeyCSPDirective, directive, KeyCSPBlockedURI, blockedURI)}, attrs)
}
