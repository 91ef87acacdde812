// Package modelaudit logs data-change events: an object of some model was
// created, updated, deleted or read, by whom, and which fields changed — the
// names of the fields only, never their values.
//
// A repository layer calls it after the change is committed:
//
//	if err := tx.Commit(); err != nil {
//		return err
//	}
//	modelaudit.Updated(ctx, "invoice", inv.ID, modelaudit.Diff(old, inv))
//
// The package functions log through [slog.Default], looked up on every call,
// so slog.SetDefault is the whole set-up; [New] binds another *slog.Logger and
// has the same functions as methods. As in authaudit, each function first
// asks the handler whether INFO is enabled and does nothing else if not, and
// records the caller's program counter so a handler with AddSource reports
// the application's line.
//
// # Events
//
//	function  event_type    level  body         attributes
//	Created   model.create  INFO   model.event  model, object_id, crud_action=create, user.id
//	Updated   model.update  INFO   model.event  model, object_id, crud_action=update, user.id, changed_fields
//	Deleted   model.delete  INFO   model.event  model, object_id, crud_action=delete, user.id
//	Accessed  model.access  INFO   model.event  model, object_id, crud_action=access, user.id
//
// object_id is the id as a string (integers in decimal, fmt's rendering
// otherwise, omitted for a nil id). user.id is the acting user of the request
// scope in ctx ([slogaudit.SetUser], which authaudit.LoginSucceeded calls),
// omitted when there is none. changed_fields is omitted when empty. Every
// event also carries otel.scope.name = [ScopeName]. Extra attrs follow the
// event's own; one whose key the event already sets is ignored, so a call
// cannot relabel its event. Model events carry no outcome: they are logged
// after the change succeeded.
//
// # Sensitive models
//
// [Logger.Sensitive] marks models whose every event is an OWASP DATA event:
// on those models the four functions log at WARN and add owasp.event
// sensitive_create, sensitive_read (Accessed), sensitive_update or
// sensitive_delete. The package functions never do (they have no
// configuration); bind a Logger:
//
//	ml := modelaudit.New(nil).Sensitive("patient", "card")
//
// # Changed fields
//
// [Diff] compares two versions of a struct or map and returns the sorted
// names of what differs, using the names encoding/json would (json tags,
// promoted embedded fields), so the names in the audit log match the
// application's API.
package modelaudit
