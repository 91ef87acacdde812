package authaudit

import (
	"context"
	"log/slog"

	"github.com/secaudit/auditkit/slogaudit"
)

// Event types (the event_type attribute). File-upload events of OWASP's UPLOAD family.
const (
	EventUploadComplete = "upload.complete" // UploadCompleted
	EventUploadStored   = "upload.stored"   // UploadStored
	EventUploadDelete   = "upload.deleted"  // UploadDeleted
)

var (
	uploadCompletedEvent = event{typ: EventUploadComplete, owasp: "upload_complete",
		level: slog.LevelInfo, body: EventUploadComplete, outcome: outcomeSuccess}
	uploadStoredEvent = event{typ: EventUploadStored, owasp: "upload_stored",
		level: slog.LevelInfo, body: EventUploadStored, outcome: outcomeSuccess}
	uploadDeletedEvent = event{typ: EventUploadDelete, owasp: "upload_delete",
		level: slog.LevelInfo, body: EventUploadDelete, outcome: outcomeSuccess}
)

// UploadCompleted records that userID uploaded fileName of type fileType
// (upload.complete, INFO).
func UploadCompleted(ctx context.Context, userID, fileName, fileType string, attrs ...slog.Attr) {
	emit(ctx, nil, &uploadCompletedEvent, &params{userID: userID, kv: kv2(KeyFileName, fileName, KeyFileType, fileType)}, attrs)
}

// UploadCompleted is the package function UploadCompleted, logged through lg.
func (lg *Logger) UploadCompleted(ctx context.Context, userID, fileName, fileType string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &uploadCompletedEvent, &params{userID: userID, kv: kv2(KeyFileName, fileName, KeyFileType, fileType)}, attrs)
}

// UploadStored records that the upload fileName was moved from where it was
// received to where it is kept (upload.stored, INFO).
func UploadStored(ctx context.Context, fileName, from, to string, attrs ...slog.Attr) {
	emit(ctx, nil, &uploadStoredEvent, &params{from: from, to: to, kv: kv1(KeyFileName, fileName)}, attrs)
}

// UploadStored is the package function UploadStored, logged through lg.
func (lg *Logger) UploadStored(ctx context.Context, fileName, from, to string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &uploadStoredEvent, &params{from: from, to: to, kv: kv1(KeyFileName, fileName)}, attrs)
}

// UploadDeleted records that userID deleted the upload fileID
// (upload.deleted, INFO).
func UploadDeleted(ctx context.Context, userID, fileID string, attrs ...slog.Attr) {
	emit(ctx, nil, &uploadDeletedEvent, &params{userID: userID, kv: kv1(KeyFileID, fileID)}, attrs)
}

// UploadDeleted is the package function UploadDeleted, logged through lg.
func (lg *Logger) UploadDeleted(ctx context.Context, userID, fileID string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), &uploadDeletedEvent, &params{userID: userID, kv: kv1(KeyFileID, fileID)}, attrs)
}

// Results of an upload check (KeyValidationResult).
const (
	ResultPassed     = "passed"
	ResultFailed     = "FAILED"
	ResultIncomplete = "incomplete"
)

// EventUploadValidation is the event_type of UploadValidated.
const EventUploadValidation = "upload.validation"

var (
	uploadValidationPassed = event{typ: EventUploadValidation, owasp: "upload_validation",
		level: slog.LevelInfo, body: EventUploadValidation, outcome: outcomeSuccess}
	uploadValidationFailed = event{typ: EventUploadValidation, owasp: "upload_validation",
		level: slogaudit.LevelCritical, body: EventUploadValidation, outcome: outcomeFail}
)

// UploadValidated records the result of check (virusscan, imagemagick, ...)
// on the upload fileName (upload.validation): INFO when result is
// ResultPassed, CRITICAL otherwise, as OWASP rates it.
func UploadValidated(ctx context.Context, fileName, check, result string, attrs ...slog.Attr) {
	emit(ctx, nil, validationEvent(result), &params{kv: kv3(KeyFileName, fileName, KeyValidationCheck, check, KeyValidationResult, result)}, attrs)
}

// UploadValidated is the package function UploadValidated, logged through lg.
func (lg *Logger) UploadValidated(ctx context.Context, fileName, check, result string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), validationEvent(result), &params{kv: kv3(KeyFileName, fileName, KeyValidationCheck, check, KeyValidationResult, result)}, attrs)
}

func validationEvent(result string) *event {
	if result == ResultPassed {
		return &uploadValidationPassed
	}
	return &uploadValidationFailed
}

func kv3(k1, v1, k2, v2, k3, v3 string) (kv [4][2]string) {
	kv[0], kv[1], kv[2] = [2]string{k1, v1}, [2]string{k2, v2}, [2]string{k3, v3}
	return kv
}
