package modelaudit_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/secaudit/auditkit/modelaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// Diff names what changed, with the application's JSON names; the values
// stay out of the log.
func ExampleDiff() {
	type Invoice struct {
		ID       int    `json:"id"`
		Amount   int64  `json:"amount"`
		Status   string `json:"status"`
		Internal string `json:"-"`
	}
	before := Invoice{ID: 7, Amount: 100, Status: "open"}
	after := Invoice{ID: 7, Amount: 250, Status: "paid", Internal: "x"}

	fmt.Println(modelaudit.Diff(before, after))
	fmt.Println(modelaudit.Diff(nil, &after)) // a creation: every field
	fmt.Println(modelaudit.Diff(
		map[string]any{"plan": "free", "seats": 1},
		map[string]any{"plan": "team", "seats": 1, "sso": true},
	))
	// Output:
	// [amount status]
	// [amount id status]
	// [plan sso]
}

// A repository layer logs an update after it commits; the acting user comes
// from the request scope (httpaudit creates it, authaudit.LoginSucceeded sets
// the user).
func ExampleUpdated() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{} // stable output
			}
			return a
		},
	}))
	ctx := slogaudit.ContextWithAttrs(context.Background())
	slogaudit.SetUser(ctx, slogaudit.User{ID: "42"})

	type Invoice struct {
		ID     int    `json:"id"`
		Status string `json:"status"`
	}
	old, cur := Invoice{7, "open"}, Invoice{7, "paid"}
	modelaudit.New(logger).Updated(ctx, "invoice", cur.ID, modelaudit.Diff(old, cur))
	// Output:
	// {"level":"INFO","msg":"model.event","event_type":"model.update","otel.scope.name":"github.com/secaudit/auditkit/modelaudit","model":"invoice","object_id":"7","crud_action":"update","user.id":"42","changed_fields":["status"]}
}
