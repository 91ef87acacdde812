package authaudit

import (
	"context"
	"log/slog"

	"github.com/secaudit/auditkit/slogaudit"
)

// Event types (the event_type attribute). Events of OWASP's PRIVILEGE and SEQUENCE families.
const (
	EventPermissionsChanged = "privilege.permissions.changed" // PermissionsChanged
	EventSequenceFailed     = "sequence.failed"               // SequenceFailed
)

var (
	permissionsChangedEvent = event{typ: EventPermissionsChanged, owasp: "privilege_permissions_changed",
		level: slog.LevelWarn, body: EventPermissionsChanged, outcome: outcomeSuccess}
	sequenceFailedEvent = event{typ: EventSequenceFailed, owasp: "sequence_fail",
		level: slogaudit.LevelCritical, body: EventSequenceFailed, outcome: outcomeFail}
)

// PermissionsChanged records that the permissions on object (a file, a
// record) changed from one level to another (privilege.permissions.changed,
// WARN). The user who changed them is the acting user in ctx (user.id);
// object is audit.resource.
func PermissionsChanged(ctx context.Context, object, from, to string, attrs ...slog.Attr) {
	emit(ctx, nil, &permissionsChangedEvent, &params{actor: true, resource: object, from: from, to: to}, attrs)
}

// PermissionsChanged is the package function PermissionsChanged, logged through lg.
func (lg *Logger) PermissionsChanged(ctx context.Context, object, from, to string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &permissionsChangedEvent, &params{actor: true, resource: object, from: from, to: to}, attrs)
}

// SequenceFailed records that userID (empty when anonymous) broke the
// application's intended flow (sequence.failed, CRITICAL): a step skipped or
// replayed, which only a tampering client does. Put the step in attrs.
func SequenceFailed(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &sequenceFailedEvent, &params{userID: userID}, attrs)
}

// SequenceFailed is the package function SequenceFailed, logged through lg.
func (lg *Logger) SequenceFailed(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &sequenceFailedEvent, &params{userID: userID}, attrs)
}
