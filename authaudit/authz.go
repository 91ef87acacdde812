package authaudit

import (
	"context"
	"log/slog"

	"github.com/secaudit/auditkit/slogaudit"
)

// Event types of authorization events (the event_type attribute).
const (
	EventAccessDenied     = "authz.access.denied"     // AccessDenied
	EventPrivilegeChanged = "authz.privilege.changed" // PrivilegeChanged
	EventAdminAction      = "authz.admin.action"      // AdminAction
)

var (
	accessDenied = event{typ: EventAccessDenied, owasp: "authz_fail",
		level: slogaudit.LevelCritical, body: EventAccessDenied, outcome: outcomeFail}
	privilegeChanged = event{typ: EventPrivilegeChanged, owasp: "authz_change",
		level: slog.LevelWarn, body: EventPrivilegeChanged, outcome: outcomeSuccess}
	adminAction = event{typ: EventAdminAction, owasp: "authz_admin",
		level: slog.LevelWarn, body: EventAdminAction, outcome: outcomeSuccess}
)

// AccessDenied records that userID (empty for an anonymous caller) was
// refused access to resource (authz.access.denied, CRITICAL, as OWASP rates
// authz_fail: a user reaching for what the interface never offered them).
// resource names what was refused: a route template, an object type and id.
func AccessDenied(ctx context.Context, userID, resource string, attrs ...slog.Attr) {
	emit(ctx, nil, &accessDenied, &params{userID: userID, resource: resource}, attrs)
}

// AccessDenied is the package function AccessDenied, logged through lg.
func (lg *Logger) AccessDenied(ctx context.Context, userID, resource string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &accessDenied, &params{userID: userID, resource: resource}, attrs)
}

// PrivilegeChanged records that the authorization of targetUserID changed
// from one level or role to another (authz.privilege.changed, WARN). The
// user who made the change is the acting user in ctx (slogaudit.SetUser),
// written as user.id; without one, pass it in attrs as
// slog.String(slogaudit.KeyUserID, adminID). The changed user is
// audit.target.user.id.
func PrivilegeChanged(ctx context.Context, targetUserID, from, to string, attrs ...slog.Attr) {
	emit(ctx, nil, &privilegeChanged, &params{actor: true, target: targetUserID, from: from, to: to}, attrs)
}

// PrivilegeChanged is the package function PrivilegeChanged, logged through
// lg.
func (lg *Logger) PrivilegeChanged(ctx context.Context, targetUserID, from, to string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &privilegeChanged, &params{actor: true, target: targetUserID, from: from, to: to}, attrs)
}

// AdminAction records a privileged action by userID (authz.admin.action,
// WARN): OWASP asks for every administrator's activity to be logged. action
// is a short dotted name (user.delete, config.update); put the object acted
// on in attrs.
func AdminAction(ctx context.Context, userID, action string, attrs ...slog.Attr) {
	emit(ctx, nil, &adminAction, &params{userID: userID, action: action}, attrs)
}

// AdminAction is the package function AdminAction, logged through lg.
func (lg *Logger) AdminAction(ctx context.Context, userID, action string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &adminAction, &params{userID: userID, action: action}, attrs)
}
