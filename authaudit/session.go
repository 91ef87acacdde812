package authaudit

import (
	"context"
	"log/slog"

	"github.com/secaudit/auditkit/slogaudit"
)

// Event types of session events (the event_type attribute). The session
// itself is identified by session.id, which httpaudit puts in the request
// scope as a keyed hash of the cookie.
const (
	EventSessionCreated        = "session.created"          // SessionCreated
	EventSessionRenewed        = "session.renewed"          // SessionRenewed
	EventSessionExpired        = "session.expired"          // SessionExpired
	EventSessionUseAfterExpire = "session.use_after_expire" // SessionUsedAfterExpiry
)

var (
	sessionCreated = event{typ: EventSessionCreated, owasp: "session_created",
		level: slog.LevelInfo, body: EventSessionCreated, outcome: outcomeSuccess}
	sessionRenewed = event{typ: EventSessionRenewed, owasp: "session_renewed",
		level: slog.LevelInfo, body: EventSessionRenewed, outcome: outcomeSuccess}
	// An expiry is neither a success nor a failure of anything the user did,
	// so it has no outcome (like the seed's auth.logout.unknown).
	sessionExpired = event{typ: EventSessionExpired, owasp: "session_expired",
		level: slog.LevelInfo, body: EventSessionExpired}
	sessionUseAfterExpire = event{typ: EventSessionUseAfterExpire, owasp: "session_use_after_expire",
		level: slogaudit.LevelCritical, body: EventSessionUseAfterExpire, outcome: outcomeFail}
)

// SessionCreated records that a session was created for userID
// (session.created, INFO).
func SessionCreated(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &sessionCreated, &params{userID: userID}, attrs)
}

// SessionCreated is the package function SessionCreated, logged through lg.
func (lg *Logger) SessionCreated(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &sessionCreated, &params{userID: userID}, attrs)
}

// SessionRenewed records that userID's session was renewed or its id rotated
// (session.renewed, INFO).
func SessionRenewed(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &sessionRenewed, &params{userID: userID}, attrs)
}

// SessionRenewed is the package function SessionRenewed, logged through lg.
func (lg *Logger) SessionRenewed(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &sessionRenewed, &params{userID: userID}, attrs)
}

// SessionExpired records that userID's session ended other than by logout
// (session.expired, INFO); reason is a short word such as ReasonTimeout or
// ReasonRevoked.
func SessionExpired(ctx context.Context, userID, reason string, attrs ...slog.Attr) {
	emit(ctx, nil, &sessionExpired, &params{userID: userID, reason: reason}, attrs)
}

// SessionExpired is the package function SessionExpired, logged through lg.
func (lg *Logger) SessionExpired(ctx context.Context, userID, reason string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &sessionExpired, &params{userID: userID, reason: reason}, attrs)
}

// SessionUsedAfterExpiry records a request that presented userID's expired
// session (session.use_after_expire, CRITICAL): a stolen cookie being
// replayed looks like this.
func SessionUsedAfterExpiry(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &sessionUseAfterExpire, &params{userID: userID}, attrs)
}

// SessionUsedAfterExpiry is the package function SessionUsedAfterExpiry,
// logged through lg.
func (lg *Logger) SessionUsedAfterExpiry(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &sessionUseAfterExpire, &params{userID: userID}, attrs)
}
