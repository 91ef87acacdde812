package authaudit

import (
	"context"
	"log/slog"
)

// Event types (the event_type attribute). Events of OWASP's CRYPT, EXCESS and INPUT families not covered elsewhere.
const (
	EventDecryptFailed       = "crypt.decrypt.failed"             // DecryptFailed
	EventEncryptFailed       = "crypt.encrypt.failed"             // EncryptFailed
	EventSessionsExceeded    = "session.limit_exceeded"           // SessionsExceeded
	EventInputDiscreteFailed = "input.validation.discrete_failed" // InputValidationDiscreteFailed
)

var (
	decryptFailedEvent = event{typ: EventDecryptFailed, owasp: "crypt_decrypt_fail",
		level: slog.LevelWarn, body: EventDecryptFailed, outcome: outcomeFail}
	encryptFailedEvent = event{typ: EventEncryptFailed, owasp: "crypt_encrypt_fail",
		level: slog.LevelWarn, body: EventEncryptFailed, outcome: outcomeFail}
	sessionsExceededEvent = event{typ: EventSessionsExceeded, owasp: "excess_sessions_exceeded",
		level: slog.LevelWarn, body: EventSessionsExceeded, outcome: outcomeFail, withLimit: true}
	inputValidationDiscreteFailedEvent = event{typ: EventInputDiscreteFailed, owasp: "input_validation_discrete_fail",
		level: slog.LevelWarn, body: EventInputDiscreteFailed, outcome: outcomeFail}
)

// DecryptFailed records that decrypting data for userID failed
// (crypt.decrypt.failed, WARN): tampered ciphertext or a wrong key. Never
// pass the data or the key.
func DecryptFailed(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &decryptFailedEvent, &params{userID: userID}, attrs)
}

// DecryptFailed is the package function DecryptFailed, logged through lg.
func (lg *Logger) DecryptFailed(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &decryptFailedEvent, &params{userID: userID}, attrs)
}

// EncryptFailed records that encrypting data for userID failed
// (crypt.encrypt.failed, WARN).
func EncryptFailed(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, nil, &encryptFailedEvent, &params{userID: userID}, attrs)
}

// EncryptFailed is the package function EncryptFailed, logged through lg.
func (lg *Logger) EncryptFailed(ctx context.Context, userID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &encryptFailedEvent, &params{userID: userID}, attrs)
}

// SessionsExceeded records that userID tried to open more than limit
// concurrent sessions (session.limit_exceeded, WARN).
func SessionsExceeded(ctx context.Context, userID string, limit int, attrs ...slog.Attr) {
	emit(ctx, nil, &sessionsExceededEvent, &params{userID: userID, limit: limit}, attrs)
}

// SessionsExceeded is the package function SessionsExceeded, logged through lg.
func (lg *Logger) SessionsExceeded(ctx context.Context, userID string, limit int, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &sessionsExceededEvent, &params{userID: userID, limit: limit}, attrs)
}

// InputValidationDiscreteFailed records that the value of a discrete field (a
// select, a radio button: a value the interface never offered) failed
// validation (input.validation.discrete_failed, WARN): a tampering client.
// field is the field's name, never its value.
func InputValidationDiscreteFailed(ctx context.Context, userID, field string, attrs ...slog.Attr) {
	emit(ctx, nil, &inputValidationDiscreteFailedEvent, &params{userID: userID, single: field, listKey: KeyInputFields}, attrs)
}

// InputValidationDiscreteFailed is the package function InputValidationDiscreteFailed, logged through lg.
func (lg *Logger) InputValidationDiscreteFailed(ctx context.Context, userID, field string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &inputValidationDiscreteFailedEvent, &params{userID: userID, single: field, listKey: KeyInputFields}, attrs)
}
