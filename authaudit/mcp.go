package authaudit

import (
	"context"
	"log/slog"
)

// Event types (the event_type attribute). Events of OWASP's MCP family, for applications that serve or call Model Context Protocol tools.
const (
	EventMCPPromptInjection    = "mcp.prompt_injection"    // MCPPromptInjection
	EventMCPResourceExhaustion = "mcp.resource_exhaustion" // MCPResourceExhaustion
	EventMCPToolPoisoning      = "mcp.tool_poisoning"      // MCPToolPoisoning
)

var (
	mCPPromptInjectionEvent = event{typ: EventMCPPromptInjection, owasp: "mcp_prompt_injection",
		level: slog.LevelWarn, body: EventMCPPromptInjection, outcome: outcomeFail}
	mCPResourceExhaustionEvent = event{typ: EventMCPResourceExhaustion, owasp: "mcp_resource_exhaustion",
		level: slog.LevelWarn, body: EventMCPResourceExhaustion, outcome: outcomeFail}
	mCPToolPoisoningEvent = event{typ: EventMCPToolPoisoning, owasp: "mcp_tool_poisoning",
		level: slog.LevelWarn, body: EventMCPToolPoisoning, outcome: outcomeFail}
)

// MCPPromptInjection records a prompt-injection attempt against an MCP tool
// (mcp.prompt_injection, WARN).
func MCPPromptInjection(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &mCPPromptInjectionEvent, &params{userID: userID}, attrs)
}

// MCPPromptInjection is the package function MCPPromptInjection, logged through lg.
func (lg *Logger) MCPPromptInjection(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &mCPPromptInjectionEvent, &params{userID: userID}, attrs)
}

// MCPResourceExhaustion records that a caller exhausted an MCP server's
// resources (mcp.resource_exhaustion, WARN).
func MCPResourceExhaustion(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &mCPResourceExhaustionEvent, &params{userID: userID}, attrs)
}

// MCPResourceExhaustion is the package function MCPResourceExhaustion, logged through lg.
func (lg *Logger) MCPResourceExhaustion(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &mCPResourceExhaustionEvent, &params{userID: userID}, attrs)
}

// MCPToolPoisoning records a poisoned MCP tool description or result
// (mcp.tool_poisoning, WARN).
func MCPToolPoisoning(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &mCPToolPoisoningEvent, &params{userID: userID}, attrs)
}

// MCPToolPoisoning is the package function MCPToolPoisoning, logged through lg.
func (lg *Logger) MCPToolPoisoning(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &mCPToolPoisoningEvent, &params{userID: userID}, attrs)
}
