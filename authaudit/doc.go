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
//	ImpossibleTravel             auth.impossible_travel             authn_impossible_travel         CRITICAL  failure  user.id, audit.geo.from, audit.geo.to
//	TokenDeleted                 auth.token.deleted                 authn_token_delete              WARN      success  user.id (actor, from ctx), audit.app.id
//	PermissionsChanged           privilege.permissions.changed      privilege_permissions_changed   WARN      success  user.id (actor, from ctx), audit.resource, audit.change.from, audit.change.to
//	SequenceFailed               sequence.failed                    sequence_fail                   CRITICAL  failure  user.id
//	SystemStarted                sys.startup                        sys_startup                     WARN      -        user.id
//	SystemShutdown               sys.shutdown                       sys_shutdown                    WARN      -        user.id
//	SystemRestarted              sys.restart                        sys_restart                     WARN      -        user.id
//	SystemCrashed                sys.crash                          sys_crash                       WARN      failure  audit.reason
//	MonitorDisabled              sys.monitor.disabled               sys_monitor_disabled            WARN      -        user.id, audit.monitor
//	MonitorEnabled               sys.monitor.enabled                sys_monitor_enabled             WARN      -        user.id, audit.monitor
//	UserCreated                  user.created                       user_created                    WARN      success  user.id (actor, from ctx), audit.target.user.id, audit.attributes
//	UserUpdated                  user.updated                       user_updated                    WARN      success  user.id (actor, from ctx), audit.target.user.id, audit.attributes
//	UserArchived                 user.archived                      user_archived                   WARN      success  user.id (actor, from ctx), audit.target.user.id
//	UserDeleted                  user.deleted                       user_deleted                    WARN      success  user.id (actor, from ctx), audit.target.user.id
//	UploadCompleted              upload.complete                    upload_complete                 INFO      success  user.id, audit.file.name, audit.file.type
//	UploadStored                 upload.stored                      upload_stored                   INFO      success  audit.file.name, audit.change.from, audit.change.to
//	UploadValidated              upload.validation                  upload_validation               INFO/CRITICAL success/failure audit.file.name, audit.validation.check, audit.validation.result
//	UploadDeleted                upload.deleted                     upload_delete                   INFO      success  user.id, audit.file.id
//	DecryptFailed                crypt.decrypt.failed               crypt_decrypt_fail              WARN      failure  user.id
//	EncryptFailed                crypt.encrypt.failed               crypt_encrypt_fail              WARN      failure  user.id
//	SessionsExceeded             session.limit_exceeded             excess_sessions_exceeded        WARN      failure  user.id, audit.limit
//	InputValidationDiscreteFailed input.validation.discrete_failed   input_validation_discrete_fail  WARN      failure  user.id, audit.input.fields
//	Excess404                    malicious.excess_404               malicious_excess_404            WARN      failure  user.id
//	ExtraneousInput              malicious.extraneous               malicious_extraneous            CRITICAL  failure  user.id, audit.input.fields
//	AttackTool                   malicious.attack_tool              malicious_attack_tool           CRITICAL  failure  user.id, audit.tool.name
//	SQLInjection                 malicious.sqli                     malicious_sqli                  CRITICAL  failure  user.id, audit.input.fields, audit.rule.id
//	CORSViolation                malicious.cors                     malicious_cors                  CRITICAL  failure  user.id, http.request.header.referer
//	DirectReference              malicious.direct_reference         malicious_direct_reference      CRITICAL  failure  user.id, audit.resource
//	CSRFDetected                 malicious.csrf                     malicious_csrf                  WARN      failure  user.id
//	CSPViolation                 malicious.csp_violation            malicious_csp_violation         WARN      failure  user.id, audit.csp.directive, audit.csp.blocked_uri
//	MCPPromptInjection           mcp.prompt_injection               mcp_prompt_injection            WARN      failure  user.id
//	MCPResourceExhaustion        mcp.resource_exhaustion            mcp_resource_exhaustion         WARN      failure  user.id
//	MCPToolPoisoning             mcp.tool_poisoning                 mcp_tool_poisoning              WARN      failure  user.id
//
// Every event also carries otel.scope.name = [ScopeName], which the slogaudit
// handler lifts into instrumentation_scope. Session, request and client facts
// (session.id, request_id, client.address) come from the request scope that
// httpaudit puts in ctx, not from these functions.
//
// The MALICIOUS events' OWASP parameters IP and useragent are the request
// scope's client.address and httpaudit's user_agent.original. The detect
// package raises malicious_excess_404, malicious_attack_tool,
// malicious_direct_reference, authn_login_fail_max and
// excess_rate_limit_exceeded by itself, from the audit stream; the
// functions here are for what the application decides. The DATA family
// (sensitive_create/read/update/delete) is modelaudit's Logger.Sensitive.
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
