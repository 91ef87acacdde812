package authaudit

import (
	"context"
	"log/slog"
)

// Event types (the event_type attribute). User-administration events of OWASP's USER family. The user who acts is the acting user in ctx (user.id); the user acted on is audit.target.user.id.
const (
	EventUserCreated  = "user.created"  // UserCreated
	EventUserUpdated  = "user.updated"  // UserUpdated
	EventUserArchived = "user.archived" // UserArchived
	EventUserDeleted  = "user.deleted"  // UserDeleted
)

var (
	userCreatedEvent = event{typ: EventUserCreated, owasp: "user_created",
		level: slog.LevelWarn, body: EventUserCreated, outcome: outcomeSuccess}
	userUpdatedEvent = event{typ: EventUserUpdated, owasp: "user_updated",
		level: slog.LevelWarn, body: EventUserUpdated, outcome: outcomeSuccess}
	userArchivedEvent = event{typ: EventUserArchived, owasp: "user_archived",
		level: slog.LevelWarn, body: EventUserArchived, outcome: outcomeSuccess}
	userDeletedEvent = event{typ: EventUserDeleted, owasp: "user_deleted",
		level: slog.LevelWarn, body: EventUserDeleted, outcome: outcomeSuccess}
)

// UserCreated records that the account newUserID was created with the named
// attributes (user.created, WARN); attributes are names, never values.
func UserCreated(ctx context.Context, newUserID string, attributes []string, attrs ...slog.Attr) {
	emit(ctx, nil, &userCreatedEvent, &params{actor: true, target: newUserID, list: attributes, listKey: KeyAttributes}, attrs)
}

// UserCreated is the package function UserCreated, logged through lg.
func (lg *Logger) UserCreated(ctx context.Context, newUserID string, attributes []string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &userCreatedEvent, &params{actor: true, target: newUserID, list: attributes, listKey: KeyAttributes}, attrs)
}

// UserUpdated records that the named attributes of account onUserID changed
// (user.updated, WARN); attributes are names, never values.
func UserUpdated(ctx context.Context, onUserID string, attributes []string, attrs ...slog.Attr) {
	emit(ctx, nil, &userUpdatedEvent, &params{actor: true, target: onUserID, list: attributes, listKey: KeyAttributes}, attrs)
}

// UserUpdated is the package function UserUpdated, logged through lg.
func (lg *Logger) UserUpdated(ctx context.Context, onUserID string, attributes []string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &userUpdatedEvent, &params{actor: true, target: onUserID, list: attributes, listKey: KeyAttributes}, attrs)
}

// UserArchived records that the account onUserID was archived or disabled
// (user.archived, WARN).
func UserArchived(ctx context.Context, onUserID string, attrs ...slog.Attr) {
	emit(ctx, nil, &userArchivedEvent, &params{actor: true, target: onUserID}, attrs)
}

// UserArchived is the package function UserArchived, logged through lg.
func (lg *Logger) UserArchived(ctx context.Context, onUserID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &userArchivedEvent, &params{actor: true, target: onUserID}, attrs)
}

// UserDeleted records that the account onUserID was deleted (user.deleted,
// WARN).
func UserDeleted(ctx context.Context, onUserID string, attrs ...slog.Attr) {
	emit(ctx, nil, &userDeletedEvent, &params{actor: true, target: onUserID}, attrs)
}

// UserDeleted is the package function UserDeleted, logged through lg.
func (lg *Logger) UserDeleted(ctx context.Context, onUserID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &userDeletedEvent, &params{actor: true, target: onUserID}, attrs)
}
