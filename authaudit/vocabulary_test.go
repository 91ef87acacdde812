package authaudit_test

import (
	"context"
	"log/slog"

	"github.com/secaudit/auditkit/authaudit"
)

// vocabularyCases are the helpers of the rest of the OWASP vocabulary (see
// helperCases).
func vocabularyCases() []helperCase {
	return []helperCase{
		{
			name:   "ImpossibleTravel",
			pkg:    func(ctx context.Context) { authaudit.ImpossibleTravel(ctx, "42", "eu-west", "ap-south") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.ImpossibleTravel(ctx, "42", "eu-west", "ap-south") },
			typ:    "auth.impossible_travel", owasp: "authn_impossible_travel", level: slog.LevelError + 1, body: "auth.impossible_travel",
			attrs: map[string]any{"outcome": "failure", "user.id": "42", "audit.geo.from": "eu-west", "audit.geo.to": "ap-south"},
		},
		{
			name:   "TokenDeleted",
			pkg:    func(ctx context.Context) { authaudit.TokenDeleted(ctx, "billing-app") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.TokenDeleted(ctx, "billing-app") },
			typ:    "auth.token.deleted", owasp: "authn_token_delete", level: slog.LevelWarn, body: "auth.token.deleted",
			attrs: map[string]any{"outcome": "success", "audit.app.id": "billing-app"},
		},
		{
			name:   "PermissionsChanged",
			pkg:    func(ctx context.Context) { authaudit.PermissionsChanged(ctx, "doc/7", "read", "write") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.PermissionsChanged(ctx, "doc/7", "read", "write") },
			typ:    "privilege.permissions.changed", owasp: "privilege_permissions_changed", level: slog.LevelWarn, body: "privilege.permissions.changed",
			attrs: map[string]any{"outcome": "success", "audit.resource": "doc/7", "audit.change.from": "read", "audit.change.to": "write"},
		},
		{
			name:   "SequenceFailed",
			pkg:    func(ctx context.Context) { authaudit.SequenceFailed(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.SequenceFailed(ctx, "42") },
			typ:    "sequence.failed", owasp: "sequence_fail", level: slog.LevelError + 1, body: "sequence.failed",
			attrs: map[string]any{"outcome": "failure", "user.id": "42"},
		},
		{
			name:   "SystemStarted",
			pkg:    func(ctx context.Context) { authaudit.SystemStarted(ctx, "ops") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.SystemStarted(ctx, "ops") },
			typ:    "sys.startup", owasp: "sys_startup", level: slog.LevelWarn, body: "sys.startup",
			attrs: map[string]any{"user.id": "ops"},
		},
		{
			name:   "SystemShutdown",
			pkg:    func(ctx context.Context) { authaudit.SystemShutdown(ctx, "") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.SystemShutdown(ctx, "") },
			typ:    "sys.shutdown", owasp: "sys_shutdown", level: slog.LevelWarn, body: "sys.shutdown",
			attrs: map[string]any{},
		},
		{
			name:   "SystemRestarted",
			pkg:    func(ctx context.Context) { authaudit.SystemRestarted(ctx, "ops") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.SystemRestarted(ctx, "ops") },
			typ:    "sys.restart", owasp: "sys_restart", level: slog.LevelWarn, body: "sys.restart",
			attrs: map[string]any{"user.id": "ops"},
		},
		{
			name:   "SystemCrashed",
			pkg:    func(ctx context.Context) { authaudit.SystemCrashed(ctx, "oom") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.SystemCrashed(ctx, "oom") },
			typ:    "sys.crash", owasp: "sys_crash", level: slog.LevelWarn, body: "sys.crash",
			attrs: map[string]any{"outcome": "failure", "audit.reason": "oom"},
		},
		{
			name:   "MonitorDisabled",
			pkg:    func(ctx context.Context) { authaudit.MonitorDisabled(ctx, "ops", "waf") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.MonitorDisabled(ctx, "ops", "waf") },
			typ:    "sys.monitor.disabled", owasp: "sys_monitor_disabled", level: slog.LevelWarn, body: "sys.monitor.disabled",
			attrs: map[string]any{"user.id": "ops", "audit.monitor": "waf"},
		},
		{
			name:   "MonitorEnabled",
			pkg:    func(ctx context.Context) { authaudit.MonitorEnabled(ctx, "ops", "waf") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.MonitorEnabled(ctx, "ops", "waf") },
			typ:    "sys.monitor.enabled", owasp: "sys_monitor_enabled", level: slog.LevelWarn, body: "sys.monitor.enabled",
			attrs: map[string]any{"user.id": "ops", "audit.monitor": "waf"},
		},
		{
			name:   "UserCreated",
			pkg:    func(ctx context.Context) { authaudit.UserCreated(ctx, "77", []string{"email", "role"}) },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.UserCreated(ctx, "77", []string{"email", "role"}) },
			typ:    "user.created", owasp: "user_created", level: slog.LevelWarn, body: "user.created",
			attrs: map[string]any{"outcome": "success", "audit.target.user.id": "77", "audit.attributes": []string{"email", "role"}},
		},
		{
			name:   "UserUpdated",
			pkg:    func(ctx context.Context) { authaudit.UserUpdated(ctx, "77", []string{"role"}) },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.UserUpdated(ctx, "77", []string{"role"}) },
			typ:    "user.updated", owasp: "user_updated", level: slog.LevelWarn, body: "user.updated",
			attrs: map[string]any{"outcome": "success", "audit.target.user.id": "77", "audit.attributes": []string{"role"}},
		},
		{
			name:   "UserArchived",
			pkg:    func(ctx context.Context) { authaudit.UserArchived(ctx, "77") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.UserArchived(ctx, "77") },
			typ:    "user.archived", owasp: "user_archived", level: slog.LevelWarn, body: "user.archived",
			attrs: map[string]any{"outcome": "success", "audit.target.user.id": "77"},
		},
		{
			name:   "UserDeleted",
			pkg:    func(ctx context.Context) { authaudit.UserDeleted(ctx, "77") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.UserDeleted(ctx, "77") },
			typ:    "user.deleted", owasp: "user_deleted", level: slog.LevelWarn, body: "user.deleted",
			attrs: map[string]any{"outcome": "success", "audit.target.user.id": "77"},
		},
		{
			name: "UploadCompleted",
			pkg:  func(ctx context.Context) { authaudit.UploadCompleted(ctx, "42", "cv.pdf", "application/pdf") },
			method: func(ctx context.Context, lg *authaudit.Logger) {
				lg.UploadCompleted(ctx, "42", "cv.pdf", "application/pdf")
			},
			typ: "upload.complete", owasp: "upload_complete", level: slog.LevelInfo, body: "upload.complete",
			attrs: map[string]any{"outcome": "success", "user.id": "42", "audit.file.name": "cv.pdf", "audit.file.type": "application/pdf"},
		},
		{
			name:   "UploadStored",
			pkg:    func(ctx context.Context) { authaudit.UploadStored(ctx, "cv.pdf", "tmp", "s3") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.UploadStored(ctx, "cv.pdf", "tmp", "s3") },
			typ:    "upload.stored", owasp: "upload_stored", level: slog.LevelInfo, body: "upload.stored",
			attrs: map[string]any{"outcome": "success", "audit.file.name": "cv.pdf", "audit.change.from": "tmp", "audit.change.to": "s3"},
		},
		{
			name: "UploadValidated",
			pkg: func(ctx context.Context) {
				authaudit.UploadValidated(ctx, "cv.pdf", "virusscan", authaudit.ResultPassed)
			},
			method: func(ctx context.Context, lg *authaudit.Logger) {
				lg.UploadValidated(ctx, "cv.pdf", "virusscan", authaudit.ResultPassed)
			},
			typ: "upload.validation", owasp: "upload_validation", level: slog.LevelInfo, body: "upload.validation",
			attrs: map[string]any{"outcome": "success", "audit.file.name": "cv.pdf", "audit.validation.check": "virusscan", "audit.validation.result": "passed"},
		},
		{
			name: "UploadValidated/failed",
			pkg: func(ctx context.Context) {
				authaudit.UploadValidated(ctx, "cv.pdf", "virusscan", authaudit.ResultFailed)
			},
			method: func(ctx context.Context, lg *authaudit.Logger) {
				lg.UploadValidated(ctx, "cv.pdf", "virusscan", authaudit.ResultFailed)
			},
			typ: "upload.validation", owasp: "upload_validation", level: slog.LevelError + 1, body: "upload.validation",
			attrs: map[string]any{"outcome": "failure", "audit.file.name": "cv.pdf", "audit.validation.check": "virusscan", "audit.validation.result": "FAILED"},
		},
		{
			name:   "UploadDeleted",
			pkg:    func(ctx context.Context) { authaudit.UploadDeleted(ctx, "42", "f-9") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.UploadDeleted(ctx, "42", "f-9") },
			typ:    "upload.deleted", owasp: "upload_delete", level: slog.LevelInfo, body: "upload.deleted",
			attrs: map[string]any{"outcome": "success", "user.id": "42", "audit.file.id": "f-9"},
		},
		{
			name:   "DecryptFailed",
			pkg:    func(ctx context.Context) { authaudit.DecryptFailed(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.DecryptFailed(ctx, "42") },
			typ:    "crypt.decrypt.failed", owasp: "crypt_decrypt_fail", level: slog.LevelWarn, body: "crypt.decrypt.failed",
			attrs: map[string]any{"outcome": "failure", "user.id": "42"},
		},
		{
			name:   "EncryptFailed",
			pkg:    func(ctx context.Context) { authaudit.EncryptFailed(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.EncryptFailed(ctx, "42") },
			typ:    "crypt.encrypt.failed", owasp: "crypt_encrypt_fail", level: slog.LevelWarn, body: "crypt.encrypt.failed",
			attrs: map[string]any{"outcome": "failure", "user.id": "42"},
		},
		{
			name:   "SessionsExceeded",
			pkg:    func(ctx context.Context) { authaudit.SessionsExceeded(ctx, "42", 3) },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.SessionsExceeded(ctx, "42", 3) },
			typ:    "session.limit_exceeded", owasp: "excess_sessions_exceeded", level: slog.LevelWarn, body: "session.limit_exceeded",
			attrs: map[string]any{"outcome": "failure", "user.id": "42", "audit.limit": int64(3)},
		},
		{
			name: "InputValidationDiscreteFailed",
			pkg:  func(ctx context.Context) { authaudit.InputValidationDiscreteFailed(ctx, "42", "country") },
			method: func(ctx context.Context, lg *authaudit.Logger) {
				lg.InputValidationDiscreteFailed(ctx, "42", "country")
			},
			typ: "input.validation.discrete_failed", owasp: "input_validation_discrete_fail", level: slog.LevelWarn, body: "input.validation.discrete_failed",
			attrs: map[string]any{"outcome": "failure", "user.id": "42", "audit.input.fields": []string{"country"}},
		},
		{
			name:   "Excess404",
			pkg:    func(ctx context.Context) { authaudit.Excess404(ctx, "") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.Excess404(ctx, "") },
			typ:    "malicious.excess_404", owasp: "malicious_excess_404", level: slog.LevelWarn, body: "malicious.excess_404",
			attrs: map[string]any{"outcome": "failure"},
		},
		{
			name:   "ExtraneousInput",
			pkg:    func(ctx context.Context) { authaudit.ExtraneousInput(ctx, "42", "is_admin") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.ExtraneousInput(ctx, "42", "is_admin") },
			typ:    "malicious.extraneous", owasp: "malicious_extraneous", level: slog.LevelError + 1, body: "malicious.extraneous",
			attrs: map[string]any{"outcome": "failure", "user.id": "42", "audit.input.fields": []string{"is_admin"}},
		},
		{
			name:   "AttackTool",
			pkg:    func(ctx context.Context) { authaudit.AttackTool(ctx, "", "sqlmap") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.AttackTool(ctx, "", "sqlmap") },
			typ:    "malicious.attack_tool", owasp: "malicious_attack_tool", level: slog.LevelError + 1, body: "malicious.attack_tool",
			attrs: map[string]any{"outcome": "failure", "audit.tool.name": "sqlmap"},
		},
		{
			name:   "SQLInjection",
			pkg:    func(ctx context.Context) { authaudit.SQLInjection(ctx, "", "q", "942100") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.SQLInjection(ctx, "", "q", "942100") },
			typ:    "malicious.sqli", owasp: "malicious_sqli", level: slog.LevelError + 1, body: "malicious.sqli",
			attrs: map[string]any{"outcome": "failure", "audit.input.fields": []string{"q"}, "audit.rule.id": "942100"},
		},
		{
			name:   "CORSViolation",
			pkg:    func(ctx context.Context) { authaudit.CORSViolation(ctx, "", "https://evil.example") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.CORSViolation(ctx, "", "https://evil.example") },
			typ:    "malicious.cors", owasp: "malicious_cors", level: slog.LevelError + 1, body: "malicious.cors",
			attrs: map[string]any{"outcome": "failure", "http.request.header.referer": "https://evil.example"},
		},
		{
			name:   "DirectReference",
			pkg:    func(ctx context.Context) { authaudit.DirectReference(ctx, "42", "invoice/9") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.DirectReference(ctx, "42", "invoice/9") },
			typ:    "malicious.direct_reference", owasp: "malicious_direct_reference", level: slog.LevelError + 1, body: "malicious.direct_reference",
			attrs: map[string]any{"outcome": "failure", "user.id": "42", "audit.resource": "invoice/9"},
		},
		{
			name:   "CSRFDetected",
			pkg:    func(ctx context.Context) { authaudit.CSRFDetected(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.CSRFDetected(ctx, "42") },
			typ:    "malicious.csrf", owasp: "malicious_csrf", level: slog.LevelWarn, body: "malicious.csrf",
			attrs: map[string]any{"outcome": "failure", "user.id": "42"},
		},
		{
			name: "CSPViolation",
			pkg:  func(ctx context.Context) { authaudit.CSPViolation(ctx, "", "script-src", "https://cdn.evil") },
			method: func(ctx context.Context, lg *authaudit.Logger) {
				lg.CSPViolation(ctx, "", "script-src", "https://cdn.evil")
			},
			typ: "malicious.csp_violation", owasp: "malicious_csp_violation", level: slog.LevelWarn, body: "malicious.csp_violation",
			attrs: map[string]any{"outcome": "failure", "audit.csp.directive": "script-src", "audit.csp.blocked_uri": "https://cdn.evil"},
		},
		{
			name:   "MCPPromptInjection",
			pkg:    func(ctx context.Context) { authaudit.MCPPromptInjection(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.MCPPromptInjection(ctx, "42") },
			typ:    "mcp.prompt_injection", owasp: "mcp_prompt_injection", level: slog.LevelWarn, body: "mcp.prompt_injection",
			attrs: map[string]any{"outcome": "failure", "user.id": "42"},
		},
		{
			name:   "MCPResourceExhaustion",
			pkg:    func(ctx context.Context) { authaudit.MCPResourceExhaustion(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.MCPResourceExhaustion(ctx, "42") },
			typ:    "mcp.resource_exhaustion", owasp: "mcp_resource_exhaustion", level: slog.LevelWarn, body: "mcp.resource_exhaustion",
			attrs: map[string]any{"outcome": "failure", "user.id": "42"},
		},
		{
			name:   "MCPToolPoisoning",
			pkg:    func(ctx context.Context) { authaudit.MCPToolPoisoning(ctx, "42") },
			method: func(ctx context.Context, lg *authaudit.Logger) { lg.MCPToolPoisoning(ctx, "42") },
			typ:    "mcp.tool_poisoning", owasp: "mcp_tool_poisoning", level: slog.LevelWarn, body: "mcp.tool_poisoning",
			attrs: map[string]any{"outcome": "failure", "user.id": "42"},
		},
	}
}
