// Package authaudit logs authentication, authorization and session events:
// the OWASP Logging Vocabulary as typed functions on top of log/slog.
//
// Each function builds one ordinary [slog.Record] with an event_type and the
// OWASP identifier, and hands it to a slog handler. With the slogaudit
// handler installed as the default, a failed login is one call:
//
//	slog.SetDefault(slog.New(slogaudit.NewHandler(os.Stdout, nil)))
//	...
//	authaudit.LoginFailed(r.Context(), form.Username, authaudit.ReasonBadPassword)
//
// The package functions log through [slog.Default], looked up on every call,
// so slog.SetDefault is the whole set-up. [New] binds another *slog.Logger
// (a router, a fan-out, one with a group) and has the same functions as
// methods.
//
// # Cost and source location
//
// Every function first asks the handler whether its level is enabled and
// returns at once if not: a disabled event costs no allocation (the login
// functions still set the acting user, which the request needs either way).
// It records the caller's program counter, so a handler with AddSource
// reports the application's file and line, not this package's. An enabled
// event costs one allocation besides the handler's own, for the attributes
// past the five a slog.Record keeps inline.
//
// # Events
//
// Event types are dotted like the rest of auditkit's (auth.login.failed);
// owasp.event carries the OWASP identifier, in the heading spelling, lower
// case and without parameters, which become attributes. Levels are OWASP's:
// CRITICAL is [slogaudit.LevelCritical] (OpenTelemetry severity 18, written
// as CRITICAL by the slogaudit handler; slog's own handlers call it
// ERROR+1), WARN is slog.LevelWarn (13), INFO is slog.LevelInfo (9). The body (record message)
// is the event type, except for the two logout events, whose body is
// auth.logout as in the seed. outcome is success or failure, or absent where
// neither applies.
//
//	function                     event_type                     owasp.event                   level     outcome  attributes
//	LoginSucceeded               auth.login.success             authn_login_success           INFO      success  user.id
//	LoginSucceededAfterFailures  auth.login.success_after_fail  authn_login_successafterfail  INFO      success  user.id, audit.retries
//	LoginFailed                  auth.login.failed              authn_login_fail              WARN      failure  user.name, audit.reason
//	LoginFailLimitReached        auth.login.fail_limit_reached  authn_login_fail_max          WARN      failure  user.id, audit.limit
//	AccountLocked                auth.login.locked              authn_login_lock              WARN      failure  user.id, audit.reason
//	LoggedOut (user)             auth.logout.success            session_logout                INFO      success  user.id
//	LoggedOut ("")               auth.logout.unknown            session_logout                INFO      -        -
//	PasswordChanged              auth.password.changed          authn_password_change         INFO      success  user.id
//	PasswordChangeFailed         auth.password.change_failed    authn_password_change_fail    CRITICAL  failure  user.id, audit.reason
//	TokenCreated                 auth.token.created             authn_token_created           INFO      success  user.id, audit.token.id, audit.entitlements
//	TokenRevoked                 auth.token.revoked             authn_token_revoked           INFO      success  user.id, audit.token.id
//	TokenReused                  auth.token.reused              authn_token_reuse             CRITICAL  failure  user.id, audit.token.id
//	AccessDenied                 authz.access.denied            authz_fail                    CRITICAL  failure  user.id, audit.resource
//	PrivilegeChanged             authz.privilege.changed        authz_change                  WARN      success  user.id (actor, from ctx), audit.target.user.id, audit.change.from, audit.change.to
//	AdminAction                  authz.admin.action             authz_admin                   WARN      success  user.id, audit.action
//	SessionCreated               session.created                session_created               INFO      success  user.id
//	SessionRenewed               session.renewed                session_renewed               INFO      success  user.id
//	SessionExpired               session.expired                session_expired               INFO      -        user.id, audit.reason
//	SessionUsedAfterExpiry       session.use_after_expire       session_use_after_expire      CRITICAL  failure  user.id
//	RateLimitExceeded            rate_limit.exceeded            excess_rate_limit_exceeded    WARN      failure  user.id, audit.limit
//	InputValidationFailed        input.validation.failed        input_validation_fail         WARN      failure  user.id, audit.input.fields
//
// Every event also carries otel.scope.name = [ScopeName], which the slogaudit
// handler lifts into instrumentation_scope. Session, request and client facts
// (session.id, request_id, client.address) come from the request scope that
// httpaudit puts in ctx, not from these functions.
//
// # Attributes
//
// OWASP parameters map to OpenTelemetry names where one exists (userid is
// user.id) and otherwise to one frozen audit.* namespace, since
// OpenTelemetry defines no audit attributes: reason is audit.reason,
// retries audit.retries, maxlimit and max audit.limit, tokenid audit.token.id,
// entitlements audit.entitlements (a list), resource audit.resource,
// from/to audit.change.from/audit.change.to, the event of authz_admin
// audit.action, the fields of input_validation_fail audit.input.fields (a
// list of names), and the user acted upon audit.target.user.id. The Key
// constants name them all.
//
// An empty string parameter is omitted, as is an empty list; integer
// parameters are always written. Extra attrs are appended after the event's
// own; an attr whose key the function sets itself (event_type, owasp.event,
// user.id, ...) is ignored, so a call cannot relabel its event.
//
// # What is never logged
//
// No function takes a password, a token or a session cookie. A failed
// login's username is user.name, which the slogaudit handler drops by default
// (Options.IncludeUsernames) because people type passwords into username
// fields. Tokens are identified by an id or keyed hash in audit.token.id,
// which the default redactor still treats as sensitive because its key
// contains "token": give the Redactor an HMAC key to get a stable pseudonym,
// or allowlist the key when the ids are not secret.
package authaudit
