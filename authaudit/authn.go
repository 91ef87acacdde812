package authaudit

import (
	"context"
	"log/slog"

	"github.com/secaudit/auditkit/slogaudit"
)

// Event types of authentication events (the event_type attribute). The
// package documentation lists each one's level, OWASP identifier and
// attributes.
const (
	EventLoginSuccess          = "auth.login.success"            // LoginSucceeded
	EventLoginSuccessAfterFail = "auth.login.success_after_fail" // LoginSucceededAfterFailures
	EventLoginFailed           = "auth.login.failed"             // LoginFailed
	EventLoginFailLimitReached = "auth.login.fail_limit_reached" // LoginFailLimitReached
	EventLoginLocked           = "auth.login.locked"             // AccountLocked
	EventLogoutSuccess         = "auth.logout.success"           // LoggedOut with a user
	EventLogoutUnknown         = "auth.logout.unknown"           // LoggedOut without one
	EventPasswordChanged       = "auth.password.changed"         // PasswordChanged
	EventPasswordChangeFailed  = "auth.password.change_failed"   // PasswordChangeFailed
	EventTokenCreated          = "auth.token.created"            // TokenCreated
	EventTokenRevoked          = "auth.token.revoked"            // TokenRevoked
	EventTokenReused           = "auth.token.reused"             // TokenReused
)

// The seed's logout body is shared by both logout events.
const bodyLogout = "auth.logout"

const (
	outcomeSuccess = slogaudit.OutcomeSuccess
	outcomeFail    = slogaudit.OutcomeFailure
)

// Reasons: short machine-readable words for KeyReason. Any other word works
// too; these keep dashboards and alerts consistent across applications.
const (
	ReasonBadPassword = "bad_password" // the password did not match
	ReasonUnknownUser = "unknown_user" // no such account
	ReasonLocked      = "locked"       // the account is locked
	ReasonDisabled    = "disabled"     // the account is disabled or archived
	ReasonMFAFailed   = "mfa_failed"   // the second factor was wrong or missing
	ReasonExpired     = "expired"      // the credential or session expired
	ReasonMaxRetries  = "max_retries"  // too many failed attempts (OWASP "maxretries")
	ReasonRevoked     = "revoked"      // revoked by the user, an admin or the system
	ReasonTimeout     = "timeout"      // idle or absolute session timeout
	ReasonPolicy      = "policy"       // rejected by a password or access policy
)

var (
	loginSuccess = event{typ: EventLoginSuccess, owasp: "authn_login_success",
		level: slog.LevelInfo, body: EventLoginSuccess, outcome: outcomeSuccess}
	loginSuccessAfterFail = event{typ: EventLoginSuccessAfterFail, owasp: "authn_login_successafterfail",
		level: slog.LevelInfo, body: EventLoginSuccessAfterFail, outcome: outcomeSuccess, withRetries: true}
	loginFailed = event{typ: EventLoginFailed, owasp: "authn_login_fail",
		level: slog.LevelWarn, body: EventLoginFailed, outcome: outcomeFail}
	loginFailLimit = event{typ: EventLoginFailLimitReached, owasp: "authn_login_fail_max",
		level: slog.LevelWarn, body: EventLoginFailLimitReached, outcome: outcomeFail, withLimit: true}
	loginLocked = event{typ: EventLoginLocked, owasp: "authn_login_lock",
		level: slog.LevelWarn, body: EventLoginLocked, outcome: outcomeFail}
	logoutSuccess = event{typ: EventLogoutSuccess, owasp: "session_logout",
		level: slog.LevelInfo, body: bodyLogout, outcome: outcomeSuccess}
	logoutUnknown = event{typ: EventLogoutUnknown, owasp: "session_logout",
		level: slog.LevelInfo, body: bodyLogout}
	passwordChanged = event{typ: EventPasswordChanged, owasp: "authn_password_change",
		level: slog.LevelInfo, body: EventPasswordChanged, outcome: outcomeSuccess}
	passwordChangeFailed = event{typ: EventPasswordChangeFailed, owasp: "authn_password_change_fail",
		level: slogaudit.LevelCritical, body: EventPasswordChangeFailed, outcome: outcomeFail}
	tokenCreated = event{typ: EventTokenCreated, owasp: "authn_token_created",
		level: slog.LevelInfo, body: EventTokenCreated, outcome: outcomeSuccess}
	tokenRevoked = event{typ: EventTokenRevoked, owasp: "authn_token_revoked",
		level: slog.LevelInfo, body: EventTokenRevoked, outcome: outcomeSuccess}
	tokenReused = event{typ: EventTokenReused, owasp: "authn_token_reuse",
		level: slogaudit.LevelCritical, body: EventTokenReused, outcome: outcomeFail}
)

// LoginSucceeded records a successful login of userID (auth.login.success,
// INFO) and makes userID the acting user of the request scope in ctx
// (slogaudit.SetUser), so the request's later events, including httpaudit's
// response event, carry it too. The user is set even when the event itself
// is disabled.
func LoginSucceeded(ctx context.Context, userID string, attrs ...slog.Attr) {
	setUser(ctx, userID)
	emit(ctx, nil, &loginSuccess, &params{userID: userID}, attrs)
}

// LoginSucceeded is the package function LoginSucceeded, logged through lg.
func (lg *Logger) LoginSucceeded(ctx context.Context, userID string, attrs ...slog.Attr) {
	setUser(ctx, userID)
	emit(ctx, lg.logger(), &loginSuccess, &params{userID: userID}, attrs)
}

func setUser(ctx context.Context, userID string) {
	if ctx != nil && userID != "" {
		slogaudit.SetUser(ctx, slogaudit.User{ID: userID})
	}
}

// LoginSucceededAfterFailures records a successful login of userID that
// followed retries failed attempts (auth.login.success_after_fail, INFO),
// which can mean a guessed password. Like LoginSucceeded it sets the acting
// user; call it instead of LoginSucceeded, not as well.
func LoginSucceededAfterFailures(ctx context.Context, userID string, retries int, attrs ...slog.Attr) {
	setUser(ctx, userID)
	emit(ctx, nil, &loginSuccessAfterFail, &params{userID: userID, retries: retries}, attrs)
}

// LoginSucceededAfterFailures is the package function
// LoginSucceededAfterFailures, logged through lg.
func (lg *Logger) LoginSucceededAfterFailures(ctx context.Context, userID string, retries int, attrs ...slog.Attr) {
	setUser(ctx, userID)
	emit(ctx, lg.logger(), &loginSuccessAfterFail, &params{userID: userID, retries: retries}, attrs)
}

// LoginFailed records a failed login attempt (auth.login.failed, WARN).
// username is what was typed, which may be another person's password or an
// address: it is written as user.name, which the slogaudit handler drops
// unless Options.IncludeUsernames is set, or replaces with a pseudonym when
// its Redactor has an HMAC key. reason is a short word such as
// ReasonBadPassword.
func LoginFailed(ctx context.Context, username, reason string, attrs ...slog.Attr) {
	emit(ctx, nil, &loginFailed, &params{userName: username, reason: reason}, attrs)
}

// LoginFailed is the package function LoginFailed, logged through lg.
func (lg *Logger) LoginFailed(ctx context.Context, username, reason string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &loginFailed, &params{userName: username, reason: reason}, attrs)
}

// LoginFailLimitReached records that userID reached limit failed logins
// (auth.login.fail_limit_reached, WARN): the point at which an application
// throttles, challenges or locks.
func LoginFailLimitReached(ctx context.Context, userID string, limit int, attrs ...slog.Attr) {
	emit(ctx, nil, &loginFailLimit, &params{userID: userID, limit: limit}, attrs)
}

// LoginFailLimitReached is the package function LoginFailLimitReached,
// logged through lg.
func (lg *Logger) LoginFailLimitReached(ctx context.Context, userID string, limit int, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &loginFailLimit, &params{userID: userID, limit: limit}, attrs)
}

// AccountLocked records that the account userID was locked (auth.login.locked,
// WARN); reason is a short word such as ReasonMaxRetries.
func AccountLocked(ctx context.Context, userID, reason string, attrs ...slog.Attr) {
	emit(ctx, nil, &loginLocked, &params{userID: userID, reason: reason}, attrs)
}

// AccountLocked is the package function AccountLocked, logged through lg.
func (lg *Logger) AccountLocked(ctx context.Context, userID, reason string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &loginLocked, &params{userID: userID, reason: reason}, attrs)
}

// LoggedOut records a logout (INFO, body auth.logout): auth.logout.success
// for userID, or auth.logout.unknown, without user.id or outcome, when userID
// is empty because the session had already ended.
func LoggedOut(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, logoutEvent(userID), &params{userID: userID}, attrs)
}

// LoggedOut is the package function LoggedOut, logged through lg.
func (lg *Logger) LoggedOut(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), logoutEvent(userID), &params{userID: userID}, attrs)
}

func logoutEvent(userID string) *event {
	if userID == "" {
		return &logoutUnknown
	}
	return &logoutSuccess
}

// PasswordChanged records that userID's password was changed
// (auth.password.changed, INFO).
func PasswordChanged(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &passwordChanged, &params{userID: userID}, attrs)
}

// PasswordChanged is the package function PasswordChanged, logged through lg.
func (lg *Logger) PasswordChanged(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &passwordChanged, &params{userID: userID}, attrs)
}

// PasswordChangeFailed records a failed password change for userID
// (auth.password.change_failed, CRITICAL, as OWASP rates it: a wrong current
// password here suggests a hijacked session). reason is a short word such
// as ReasonBadPassword or ReasonPolicy.
func PasswordChangeFailed(ctx context.Context, userID, reason string, attrs ...slog.Attr) {
	emit(ctx, nil, &passwordChangeFailed, &params{userID: userID, reason: reason}, attrs)
}

// PasswordChangeFailed is the package function PasswordChangeFailed, logged
// through lg.
func (lg *Logger) PasswordChangeFailed(ctx context.Context, userID, reason string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &passwordChangeFailed, &params{userID: userID, reason: reason}, attrs)
}

// TokenCreated records that a token was issued to userID with the given
// entitlements (auth.token.created, INFO). tokenID identifies the token for
// later revocation and reuse events: an id (a JWT jti, a database key) or a
// keyed hash, never the token itself (see KeyTokenID).
func TokenCreated(ctx context.Context, userID, tokenID string, entitlements []string, attrs ...slog.Attr) {
	emit(ctx, nil, &tokenCreated, &params{userID: userID, tokenID: tokenID, list: entitlements, listKey: KeyEntitlements}, attrs)
}

// TokenCreated is the package function TokenCreated, logged through lg.
func (lg *Logger) TokenCreated(ctx context.Context, userID, tokenID string, entitlements []string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &tokenCreated, &params{userID: userID, tokenID: tokenID, list: entitlements, listKey: KeyEntitlements}, attrs)
}

// TokenRevoked records that userID's token tokenID was revoked
// (auth.token.revoked, INFO). tokenID is an id or keyed hash, as for
// TokenCreated.
func TokenRevoked(ctx context.Context, userID, tokenID string, attrs ...slog.Attr) {
	emit(ctx, nil, &tokenRevoked, &params{userID: userID, tokenID: tokenID}, attrs)
}

// TokenRevoked is the package function TokenRevoked, logged through lg.
func (lg *Logger) TokenRevoked(ctx context.Context, userID, tokenID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &tokenRevoked, &params{userID: userID, tokenID: tokenID}, attrs)
}

// TokenReused records an attempt to use userID's revoked token tokenID
// (auth.token.reused, CRITICAL): the token leaked or was replayed.
func TokenReused(ctx context.Context, userID, tokenID string, attrs ...slog.Attr) {
	emit(ctx, nil, &tokenReused, &params{userID: userID, tokenID: tokenID}, attrs)
}

// TokenReused is the package function TokenReused, logged through lg.
func (lg *Logger) TokenReused(ctx context.Context, userID, tokenID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &tokenReused, &params{userID: userID, tokenID: tokenID}, attrs)
}
