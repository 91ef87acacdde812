package authaudit_test

import (
	"context"
	"log/slog"
	"maps"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

const scopeName = "github.com/secaudit/auditkit/authaudit"

// helperCase is one helper, called both as a package function and as a
// *Logger method, with what it must log. Literals, not the package's
// constants, state the expectations, so a renamed constant fails the test.
type helperCase struct {
	name   string
	pkg    func(ctx context.Context)
	method func(ctx context.Context, lg *authaudit.Logger)
	typ    string
	owasp  string
	level  slog.Level
	body   string
	attrs  map[string]any // besides event_type, owasp.event and otel.scope.name
}

var extra = slog.String("app.note", "n1")

func helperCases() []helperCase {
	return append([]helperCase{
		{
			name:   "LoginSucceeded",
			pkg:    func(ctx context.Context) { authaudit.LoginSucceeded(ctx, "42", extra) },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.LoginSucceeded(ctx, "42", extra) },
			typ:    "auth.login.success", owasp: "authn_login_success", level: slog.LevelInfo, body: "auth.login.success",
			attrs: map[string]any{"outcome": "success", "user.id": "42", "app.note": "n1"},
		},
		{
			name:   "LoginSucceededAfterFailures",
			pkg:    func(ctx context.Context) { authaudit.LoginSucceededAfterFailures(ctx, "42", 3) },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.LoginSucceededAfterFailures(ctx, "42", 3) },
			typ:    "auth.login.success_after_fail", owasp: "authn_login_successafterfail", level: slog.LevelInfo,
			body:  "auth.login.success_after_fail",
			attrs: map[string]any{"outcome": "success", "user.id": "42", "audit.retries": int64(3)},
		},
		{
			name: "LoginFailed",
			pkg:  func(ctx context.Context) { authaudit.LoginFailed(ctx, "maya", authaudit.ReasonBadPassword, extra) },
			method: func(ctx context.Context, lg *authaudit.Logger) {
				lg.LoginFailed(ctx, "maya", authaudit.ReasonBadPassword, extra)
			},
			typ: "auth.login.failed", owasp: "authn_login_fail", level: slog.LevelWarn, body: "auth.login.failed",
			attrs: map[string]any{"outcome": "failure", "user.name": "maya", "audit.reason": "bad_password", "app.note": "n1"},
		},
		{
			name:   "LoginFailed/empty",
			pkg:    func(ctx context.Context) { authaudit.LoginFailed(ctx, "", "") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.LoginFailed(ctx, "", "") },
			typ:    "auth.login.failed", owasp: "authn_login_fail", level: slog.LevelWarn, body: "auth.login.failed",
			attrs: map[string]any{"outcome": "failure"},
		},
		{
			name:   "LoginFailLimitReached",
			pkg:    func(ctx context.Context) { authaudit.LoginFailLimitReached(ctx, "42", 5) },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.LoginFailLimitReached(ctx, "42", 5) },
			typ:    "auth.login.fail_limit_reached", owasp: "authn_login_fail_max", level: slog.LevelWarn,
			body:  "auth.login.fail_limit_reached",
			attrs: map[string]any{"outcome": "failure", "user.id": "42", "audit.limit": int64(5)},
		},
		{
			name: "AccountLocked",
			pkg:  func(ctx context.Context) { authaudit.AccountLocked(ctx, "42", authaudit.ReasonMaxRetries) },
			method: func(ctx context.Context, lg *authaudit.Logger) {
				lg.AccountLocked(ctx, "42", authaudit.ReasonMaxRetries)
			},
			typ: "auth.login.locked", owasp: "authn_login_lock", level: slog.LevelWarn, body: "auth.login.locked",
			attrs: map[string]any{"outcome": "failure", "user.id": "42", "audit.reason": "max_retries"},
		},
		{
			name:   "LoggedOut",
			pkg:    func(ctx context.Context) { authaudit.LoggedOut(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.LoggedOut(ctx, "42") },
			typ:    "auth.logout.success", owasp: "session_logout", level: slog.LevelInfo, body: "auth.logout",
			attrs: map[string]any{"outcome": "success", "user.id": "42"},
		},
		{
			name:   "LoggedOut/unknown",
			pkg:    func(ctx context.Context) { authaudit.LoggedOut(ctx, "") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.LoggedOut(ctx, "") },
			typ:    "auth.logout.unknown", owasp: "session_logout", level: slog.LevelInfo, body: "auth.logout",
			attrs: map[string]any{},
		},
		{
			name:   "PasswordChanged",
			pkg:    func(ctx context.Context) { authaudit.PasswordChanged(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.PasswordChanged(ctx, "42") },
			typ:    "auth.password.changed", owasp: "authn_password_change", level: slog.LevelInfo, body: "auth.password.changed",
			attrs: map[string]any{"outcome": "success", "user.id": "42"},
		},
		{
			name: "PasswordChangeFailed",
			pkg:  func(ctx context.Context) { authaudit.PasswordChangeFailed(ctx, "42", authaudit.ReasonPolicy) },
			method: func(ctx context.Context, lg *authaudit.Logger) {
				lg.PasswordChangeFailed(ctx, "42", authaudit.ReasonPolicy)
			},
			typ: "auth.password.change_failed", owasp: "authn_password_change_fail", level: slog.LevelError + 1,
			body:  "auth.password.change_failed",
			attrs: map[string]any{"outcome": "failure", "user.id": "42", "audit.reason": "policy"},
		},
		{
			name: "TokenCreated",
			pkg:  func(ctx context.Context) { authaudit.TokenCreated(ctx, "42", "jti-7", []string{"read", "write"}) },
			method: func(ctx context.Context, lg *authaudit.Logger) {
				lg.TokenCreated(ctx, "42", "jti-7", []string{"read", "write"})
			},
			typ: "auth.token.created", owasp: "authn_token_created", level: slog.LevelInfo, body: "auth.token.created",
			attrs: map[string]any{"outcome": "success", "user.id": "42", "audit.token.id": "jti-7",
				"audit.entitlements": []string{"read", "write"}},
		},
		{
			name:   "TokenCreated/noEntitlements",
			pkg:    func(ctx context.Context) { authaudit.TokenCreated(ctx, "42", "jti-7", nil) },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.TokenCreated(ctx, "42", "jti-7", []string{}) },
			typ:    "auth.token.created", owasp: "authn_token_created", level: slog.LevelInfo, body: "auth.token.created",
			attrs: map[string]any{"outcome": "success", "user.id": "42", "audit.token.id": "jti-7"},
		},
		{
			name:   "TokenRevoked",
			pkg:    func(ctx context.Context) { authaudit.TokenRevoked(ctx, "42", "jti-7") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.TokenRevoked(ctx, "42", "jti-7") },
			typ:    "auth.token.revoked", owasp: "authn_token_revoked", level: slog.LevelInfo, body: "auth.token.revoked",
			attrs: map[string]any{"outcome": "success", "user.id": "42", "audit.token.id": "jti-7"},
		},
		{
			name:   "TokenReused",
			pkg:    func(ctx context.Context) { authaudit.TokenReused(ctx, "42", "jti-7") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.TokenReused(ctx, "42", "jti-7") },
			typ:    "auth.token.reused", owasp: "authn_token_reuse", level: slog.LevelError + 1, body: "auth.token.reused",
			attrs: map[string]any{"outcome": "failure", "user.id": "42", "audit.token.id": "jti-7"},
		},
		{
			name:   "AccessDenied",
			pkg:    func(ctx context.Context) { authaudit.AccessDenied(ctx, "42", "/admin/{page}") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.AccessDenied(ctx, "42", "/admin/{page}") },
			typ:    "authz.access.denied", owasp: "authz_fail", level: slog.LevelError + 1, body: "authz.access.denied",
			attrs: map[string]any{"outcome": "failure", "user.id": "42", "audit.resource": "/admin/{page}"},
		},
		{
			name:   "PrivilegeChanged",
			pkg:    func(ctx context.Context) { authaudit.PrivilegeChanged(ctx, "7", "user", "admin") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.PrivilegeChanged(ctx, "7", "user", "admin") },
			typ:    "authz.privilege.changed", owasp: "authz_change", level: slog.LevelWarn, body: "authz.privilege.changed",
			attrs: map[string]any{"outcome": "success", "audit.target.user.id": "7",
				"audit.change.from": "user", "audit.change.to": "admin"},
		},
		{
			name: "AdminAction",
			pkg: func(ctx context.Context) {
				authaudit.AdminAction(ctx, "1", "user.delete", slog.String("audit.resource", "user/7"))
			},
			method: func(ctx context.Context, lg *authaudit.Logger) {
				lg.AdminAction(ctx, "1", "user.delete", slog.String("audit.resource", "user/7"))
			},
			typ: "authz.admin.action", owasp: "authz_admin", level: slog.LevelWarn, body: "authz.admin.action",
			attrs: map[string]any{"outcome": "success", "user.id": "1", "audit.action": "user.delete", "audit.resource": "user/7"},
		},
		{
			name:   "SessionCreated",
			pkg:    func(ctx context.Context) { authaudit.SessionCreated(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.SessionCreated(ctx, "42") },
			typ:    "session.created", owasp: "session_created", level: slog.LevelInfo, body: "session.created",
			attrs: map[string]any{"outcome": "success", "user.id": "42"},
		},
		{
			name:   "SessionRenewed",
			pkg:    func(ctx context.Context) { authaudit.SessionRenewed(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.SessionRenewed(ctx, "42") },
			typ:    "session.renewed", owasp: "session_renewed", level: slog.LevelInfo, body: "session.renewed",
			attrs: map[string]any{"outcome": "success", "user.id": "42"},
		},
		{
			name:   "SessionExpired",
			pkg:    func(ctx context.Context) { authaudit.SessionExpired(ctx, "42", authaudit.ReasonRevoked) },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.SessionExpired(ctx, "42", authaudit.ReasonRevoked) },
			typ:    "session.expired", owasp: "session_expired", level: slog.LevelInfo, body: "session.expired",
			attrs: map[string]any{"user.id": "42", "audit.reason": "revoked"},
		},
		{
			name:   "SessionUsedAfterExpiry",
			pkg:    func(ctx context.Context) { authaudit.SessionUsedAfterExpiry(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.SessionUsedAfterExpiry(ctx, "42") },
			typ:    "session.use_after_expire", owasp: "session_use_after_expire", level: slog.LevelError + 1,
			body:  "session.use_after_expire",
			attrs: map[string]any{"outcome": "failure", "user.id": "42"},
		},
		{
			name:   "RateLimitExceeded/anonymous",
			pkg:    func(ctx context.Context) { authaudit.RateLimitExceeded(ctx, "", 100) },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.RateLimitExceeded(ctx, "", 100) },
			typ:    "rate_limit.exceeded", owasp: "excess_rate_limit_exceeded", level: slog.LevelWarn, body: "rate_limit.exceeded",
			attrs: map[string]any{"outcome": "failure", "audit.limit": int64(100)},
		},
		{
			name: "InputValidationFailed",
			pkg:  func(ctx context.Context) { authaudit.InputValidationFailed(ctx, "42", []string{"email", "age"}) },
			method: func(ctx context.Context, lg *authaudit.Logger) {
				lg.InputValidationFailed(ctx, "42", []string{"email", "age"})
			},
			typ: "input.validation.failed", owasp: "input_validation_fail", level: slog.LevelWarn, body: "input.validation.failed",
			attrs: map[string]any{"outcome": "failure", "user.id": "42", "audit.input.fields": []string{"email", "age"}},
		},
	}, vocabularyCases()...)
}

// setDefault installs l as slog's default for the test and restores the
// previous one afterwards; tests using it must not run in parallel.
func setDefault(t *testing.T, l *slog.Logger) {
	t.Helper()
	old := slog.Default()
	slog.SetDefault(l)
	t.Cleanup(func() { slog.SetDefault(old) })
}

func TestHelpers(t *testing.T) {
	for _, tc := range helperCases() {
		want := maps.Clone(tc.attrs)
		want["event_type"] = tc.typ
		want["owasp.event"] = tc.owasp
		want["otel.scope.name"] = scopeName

		check := func(t *testing.T, h *recorder) {
			r := h.Only(t)
			if r.Level != tc.level {
				t.Errorf("level = %v, want %v", r.Level, tc.level)
			}
			if r.Message != tc.body {
				t.Errorf("body = %q, want %q", r.Message, tc.body)
			}
			if r.Time.IsZero() {
				t.Error("record has no time")
			}
			got, dups := attrMap(r)
			if len(dups) > 0 {
				t.Errorf("duplicate keys %v", dups)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("attrs\n got %v\nwant %v", got, want)
			}
			// The PC is the caller's (this file), never the package's.
			f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
			if !strings.HasSuffix(f.File, "/authaudit_test.go") && !strings.HasSuffix(f.File, "/vocabulary_test.go") {
				t.Errorf("source = %s:%d (%s), want the call site in the test file", f.File, f.Line, f.Function)
			}
		}

		t.Run(tc.name+"/pkg", func(t *testing.T) {
			h := &recorder{Level: slog.LevelDebug}
			setDefault(t, slog.New(h))
			tc.pkg(context.Background())
			check(t, h)
		})
		t.Run(tc.name+"/method", func(t *testing.T) {
			h := &recorder{Level: slog.LevelDebug}
			tc.method(context.Background(), authaudit.New(slog.New(h)))
			check(t, h)
		})
	}
}

// TestHelpersDisabled: a handler above every level gets no Handle call.
func TestHelpersDisabled(t *testing.T) {
	h := &recorder{Level: slog.Level(100)}
	setDefault(t, slog.New(h))
	lg := authaudit.New(slog.New(h))
	for _, tc := range helperCases() {
		tc.pkg(context.Background())
		tc.method(context.Background(), lg)
	}
	if h.Calls() != 0 {
		t.Fatalf("disabled handler got %d Handle calls", h.Calls())
	}
}

// TestHelpersLevelThreshold: at WARN, INFO events are dropped and WARN and
// CRITICAL ones written, which proves Enabled is asked with the event level.
func TestHelpersLevelThreshold(t *testing.T) {
	for _, tc := range helperCases() {
		h := &recorder{Level: slog.LevelWarn}
		tc.method(context.Background(), authaudit.New(slog.New(h)))
		if got, want := h.Calls(), tc.level >= slog.LevelWarn; (got == 1) != want || got > 1 {
			t.Errorf("%s: %d records at handler level WARN, event level %v", tc.name, got, tc.level)
		}
	}
}

func TestDisabledAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	lg := authaudit.New(slog.New(&recorder{Level: slog.Level(100)}))
	ctx := context.Background()
	// Lists are built up front: a slice literal at the call site escapes
	// (its contents are logged when enabled), as with slog.Any.
	fields := []string{"email"}
	// The package functions use slog.Default(): disable it too.
	setDefault(t, slog.New(&recorder{Level: slog.Level(100)}))
	allocs := testing.AllocsPerRun(100, func() {
		lg.LoginFailed(ctx, "maya", authaudit.ReasonBadPassword, slog.Int("attempt", 3), slog.String("k", "v"))
		lg.LoginFailLimitReached(ctx, "42", 5)
		lg.AccountLocked(ctx, "42", authaudit.ReasonMaxRetries)
		lg.LoggedOut(ctx, "")
		lg.LoggedOut(ctx, "42", slog.String("k", "v"))
		lg.PasswordChanged(ctx, "42")
		lg.PasswordChangeFailed(ctx, "42", authaudit.ReasonPolicy)
		lg.TokenCreated(ctx, "42", "jti", fields)
		lg.TokenRevoked(ctx, "42", "jti")
		lg.TokenReused(ctx, "42", "jti")
		lg.AccessDenied(ctx, "42", "/admin")
		lg.PrivilegeChanged(ctx, "7", "user", "admin")
		lg.AdminAction(ctx, "1", "user.delete")
		lg.SessionCreated(ctx, "42")
		lg.SessionRenewed(ctx, "42")
		lg.SessionExpired(ctx, "42", authaudit.ReasonTimeout)
		lg.SessionUsedAfterExpiry(ctx, "42")
		lg.RateLimitExceeded(ctx, "", 100)
		lg.InputValidationFailed(ctx, "42", fields)
		authaudit.LoginFailed(ctx, "maya", authaudit.ReasonBadPassword, slog.String("k", "v"))
		authaudit.AccessDenied(ctx, "42", "/admin")
		authaudit.InputValidationFailed(ctx, "42", fields)
	})
	if allocs != 0 {
		t.Errorf("disabled helpers allocate %v times per run, want 0", allocs)
	}

	// LoginSucceeded sets the acting user even when disabled. Without a
	// scope that should cost nothing, but slogaudit.SetUser's parameter
	// escapes (moved to heap before its nil-scope check): at most 1.
	allocs = testing.AllocsPerRun(100, func() {
		lg.LoginSucceeded(ctx, "42", slog.String("k", "v"))
		lg.LoginSucceededAfterFailures(ctx, "42", 2)
	})
	if allocs > 2 {
		t.Errorf("disabled LoginSucceeded* allocate %v times per run, want at most 2", allocs)
	}
}

func TestLoginSucceededSetsUser(t *testing.T) {
	ctx := slogaudit.ContextWithAttrs(context.Background())
	child := slogaudit.ContextWithAttrs(ctx) // set deep in the request ...
	// ... with auditing disabled: the acting user must still be recorded.
	authaudit.New(slog.New(&recorder{Level: slog.Level(100)})).LoginSucceeded(child, "42")
	if u, ok := slogaudit.UserFromContext(ctx); !ok || u.ID != "42" {
		t.Fatalf("UserFromContext = %+v, %v; want ID 42", u, ok)
	}

	ctx = slogaudit.ContextWithAttrs(context.Background())
	authaudit.New(slog.New(&recorder{})).LoginSucceededAfterFailures(ctx, "43", 2)
	if u, _ := slogaudit.UserFromContext(ctx); u.ID != "43" {
		t.Fatalf("after LoginSucceededAfterFailures user = %+v, want ID 43", u)
	}

	// A failed login or a logout does not change the acting user.
	lg := authaudit.New(slog.New(&recorder{}))
	lg.LoginFailed(ctx, "mallory", authaudit.ReasonBadPassword)
	lg.LoggedOut(ctx, "")
	if u, _ := slogaudit.UserFromContext(ctx); u.ID != "43" {
		t.Fatalf("user = %+v after LoginFailed/LoggedOut, want ID 43", u)
	}
}

func TestPrivilegeChangedActorFromContext(t *testing.T) {
	ctx := slogaudit.ContextWithAttrs(context.Background())
	slogaudit.SetUser(ctx, slogaudit.User{ID: "1"})
	h := &recorder{}
	authaudit.New(slog.New(h)).PrivilegeChanged(ctx, "7", "user", "admin")
	got, _ := attrMap(h.Only(t))
	if got["user.id"] != "1" || got["audit.target.user.id"] != "7" {
		t.Fatalf("user.id = %v, audit.target.user.id = %v; want actor 1, target 7", got["user.id"], got["audit.target.user.id"])
	}
}

// TestOwnKeysWin: caller attrs cannot relabel the event or contradict its
// parameters, and other attrs, groups included, pass through in order.
func TestOwnKeysWin(t *testing.T) {
	h := &recorder{}
	authaudit.New(slog.New(h)).AccessDenied(context.Background(), "42", "/admin",
		slog.String("event_type", "http.response.success"),
		slog.String("owasp.event", "authn_login_success"),
		slog.String("otel.scope.name", "evil"),
		slog.String("otel.scope.version", "v9"),
		slog.String("outcome", "success"),
		slog.String("user.id", "1"),
		slog.String("app.k", "v"),
		slog.Group("g", slog.Int("n", 1)),
	)
	r := h.Only(t)
	got, dups := attrMap(r)
	if len(dups) > 0 {
		t.Fatalf("duplicate keys %v", dups)
	}
	want := map[string]any{
		"event_type": "authz.access.denied", "owasp.event": "authz_fail", "otel.scope.name": scopeName,
		"outcome": "failure", "user.id": "42", "audit.resource": "/admin", "app.k": "v",
		"g": []slog.Attr{slog.Int("n", 1)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("attrs\n got %v\nwant %v", got, want)
	}
	var keys []string
	r.Attrs(func(a slog.Attr) bool { keys = append(keys, a.Key); return true })
	if keys[0] != "event_type" || keys[len(keys)-2] != "app.k" || keys[len(keys)-1] != "g" {
		t.Fatalf("key order %v: want event_type first, caller attrs last in call order", keys)
	}
}

// TestNilLoggerAndContext: a nil *Logger, New(nil) and a nil ctx all work
// and use slog.Default() at call time.
func TestNilLoggerAndContext(t *testing.T) {
	h := &recorder{}
	setDefault(t, slog.New(h))
	var nilCtx context.Context
	var nilLogger *authaudit.Logger
	nilLogger.LoginFailed(context.Background(), "a", "")
	authaudit.New(nil).LoginFailed(nilCtx, "b", "")
	authaudit.LoginFailed(nilCtx, "c", "")
	authaudit.LoginSucceeded(nilCtx, "d")
	if h.Calls() != 4 {
		t.Fatalf("default handler got %d records, want 4", h.Calls())
	}
}

// TestConstants pins the exported names users route and alert on.
func TestConstants(t *testing.T) {
	for got, want := range map[string]string{
		authaudit.EventLoginSuccess:          "auth.login.success",
		authaudit.EventLoginSuccessAfterFail: "auth.login.success_after_fail",
		authaudit.EventLoginFailed:           "auth.login.failed",
		authaudit.EventLoginFailLimitReached: "auth.login.fail_limit_reached",
		authaudit.EventLoginLocked:           "auth.login.locked",
		authaudit.EventLogoutSuccess:         "auth.logout.success",
		authaudit.EventLogoutUnknown:         "auth.logout.unknown",
		authaudit.EventPasswordChanged:       "auth.password.changed",
		authaudit.EventPasswordChangeFailed:  "auth.password.change_failed",
		authaudit.EventTokenCreated:          "auth.token.created",
		authaudit.EventTokenRevoked:          "auth.token.revoked",
		authaudit.EventTokenReused:           "auth.token.reused",
		authaudit.EventAccessDenied:          "authz.access.denied",
		authaudit.EventPrivilegeChanged:      "authz.privilege.changed",
		authaudit.EventAdminAction:           "authz.admin.action",
		authaudit.EventSessionCreated:        "session.created",
		authaudit.EventSessionRenewed:        "session.renewed",
		authaudit.EventSessionExpired:        "session.expired",
		authaudit.EventSessionUseAfterExpire: "session.use_after_expire",
		authaudit.EventRateLimitExceeded:     "rate_limit.exceeded",
		authaudit.EventInputValidationFailed: "input.validation.failed",
		authaudit.ReasonBadPassword:          "bad_password",
		authaudit.ReasonUnknownUser:          "unknown_user",
		authaudit.ReasonLocked:               "locked",
		authaudit.ReasonMFAFailed:            "mfa_failed",
		authaudit.ReasonExpired:              "expired",
		authaudit.ScopeName:                  scopeName,
	} {
		if got != want {
			t.Errorf("constant %q, want %q", got, want)
		}
	}
}
