package modelaudit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"testing"

	"github.com/secaudit/auditkit/modelaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// TestEndToEnd runs a repository-style update through slogaudit's handler:
// the line carries the event, the acting user from the request scope and
// the changed field names, and none of the values.
func TestEndToEnd(t *testing.T) {
	type invoice struct {
		ID     int    `json:"id"`
		Amount int    `json:"amount"`
		Status string `json:"status"`
		Note   string `json:"note"`
	}
	old := invoice{ID: 7, Amount: 100, Status: "open", Note: "call Bob"}
	cur := old
	cur.Amount, cur.Note = 250, "SECRET-NOTE-VALUE"

	var buf bytes.Buffer
	ctx := slogaudit.ContextWithAttrs(context.Background())
	slogaudit.SetUser(ctx, slogaudit.User{ID: "42", Name: "maya"})
	modelaudit.New(slog.New(slogaudit.NewHandler(&buf, nil))).Updated(ctx, "invoice", cur.ID, modelaudit.Diff(old, cur))

	var line struct {
		SeverityText string         `json:"severity_text"`
		Body         string         `json:"body"`
		EventName    string         `json:"event_name"`
		Scope        map[string]any `json:"instrumentation_scope"`
		Attributes   map[string]any `json:"attributes"`
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%v in %q", err, buf.String())
	}
	if line.SeverityText != "INFO" || line.Body != "model.event" || line.EventName != "model.update" {
		t.Errorf("severity %q body %q event_name %q", line.SeverityText, line.Body, line.EventName)
	}
	if line.Scope["name"] != scopeName {
		t.Errorf("instrumentation_scope %v", line.Scope)
	}
	want := map[string]any{
		"event_type": "model.update", "schema_version": "1.0", "model": "invoice", "object_id": "7",
		"crud_action": "update", "user.id": "42", "changed_fields": []any{"amount", "note"},
	}
	if !reflect.DeepEqual(line.Attributes, want) {
		t.Errorf("attributes\n got %v\nwant %v", line.Attributes, want)
	}
	// The values never appear, in any attribute (the timestamps are digits
	// too, so "250" is looked for in the attributes only).
	attrs, _ := json.Marshal(line.Attributes)
	for _, value := range []string{"SECRET-NOTE-VALUE", "call Bob", "250", "maya"} {
		if bytes.Contains(attrs, []byte(value)) || (value != "250" && bytes.Contains(buf.Bytes(), []byte(value))) {
			t.Errorf("line contains %q: %s", value, buf.String())
		}
	}
}
