package authaudit

import (
	"context"
	"log/slog"
)

// Event types of abuse-detection events (the event_type attribute), from
// OWASP's EXCESS and INPUT families.
const (
	EventRateLimitExceeded     = "rate_limit.exceeded"     // RateLimitExceeded
	EventInputValidationFailed = "input.validation.failed" // InputValidationFailed
)

var (
	rateLimitExceeded = event{typ: EventRateLimitExceeded, owasp: "excess_rate_limit_exceeded",
		level: slog.LevelWarn, body: EventRateLimitExceeded, outcome: outcomeFail, withLimit: true}
	inputValidationFailed = event{typ: EventInputValidationFailed, owasp: "input_validation_fail",
		level: slog.LevelWarn, body: EventInputValidationFailed, outcome: outcomeFail}
)

// RateLimitExceeded records that userID (empty for an anonymous client, which
// client.address then identifies) exceeded a rate limit of limit requests
// (rate_limit.exceeded, WARN). Put the window or the limited action in attrs.
func RateLimitExceeded(ctx context.Context, userID string, limit int, attrs ...slog.Attr) {
	emit(ctx, nil, &rateLimitExceeded, &params{userID: userID, limit: limit}, attrs)
}

// RateLimitExceeded is the package function RateLimitExceeded, logged
// through lg.
func (lg *Logger) RateLimitExceeded(ctx context.Context, userID string, limit int, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &rateLimitExceeded, &params{userID: userID, limit: limit}, attrs)
}

// InputValidationFailed records that input from userID (empty when
// anonymous) failed server-side validation (input.validation.failed, WARN).
// fields are the names of the offending fields, never their values: the
// values are attacker-controlled and may hold secrets.
func InputValidationFailed(ctx context.Context, userID string, fields []string, attrs ...slog.Attr) {
	emit(ctx, nil, &inputValidationFailed, &params{userID: userID, list: fields, listKey: KeyInputFields}, attrs)
}

// InputValidationFailed is the package function InputValidationFailed,
// logged through lg.
func (lg *Logger) InputValidationFailed(ctx context.Context, userID string, fields []string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &inputValidationFailed, &params{userID: userID, list: fields, listKey: KeyInputFields}, attrs)
}
