package modelaudit

import (
	"context"
	"log/slog"
)

// Created records that the object id of model was created (model.create,
// INFO). The acting user is read from ctx (slogaudit.UserFromContext).
func Created(ctx context.Context, model string, id any, attrs ...slog.Attr) {
	emit(ctx, nil, false, &create, model, id, nil, attrs)
}

// Created is the package function Created, logged through lg.
func (lg *Logger) Created(ctx context.Context, model string, id any, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), lg.isSensitive(model), &create, model, id, nil, attrs)
}

// Updated records that the object id of model was changed (model.update,
// INFO). changed lists the names of the changed fields, never their values
// (use Diff); it is written as changed_fields, and omitted when empty.
func Updated(ctx context.Context, model string, id any, changed []string, attrs ...slog.Attr) {
	emit(ctx, nil, false, &update, model, id, changed, attrs)
}

// Updated is the package function Updated, logged through lg.
func (lg *Logger) Updated(ctx context.Context, model string, id any, changed []string, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), lg.isSensitive(model), &update, model, id, changed, attrs)
}

// Deleted records that the object id of model was deleted (model.delete,
// INFO).
func Deleted(ctx context.Context, model string, id any, attrs ...slog.Attr) {
	emit(ctx, nil, false, &del, model, id, nil, attrs)
}

// Deleted is the package function Deleted, logged through lg.
func (lg *Logger) Deleted(ctx context.Context, model string, id any, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), lg.isSensitive(model), &del, model, id, nil, attrs)
}

// Accessed records that the object id of model was read (model.access,
// INFO): use it for records whose reading must be accountable (health,
// payment, personal data).
func Accessed(ctx context.Context, model string, id any, attrs ...slog.Attr) {
	emit(ctx, nil, false, &access, model, id, nil, attrs)
}

// Accessed is the package function Accessed, logged through lg.
func (lg *Logger) Accessed(ctx context.Context, model string, id any, attrs ...slog.Attr) {
	emit(ctx, lg.logger(), lg.isSensitive(model), &access, model, id, nil, attrs)
}
