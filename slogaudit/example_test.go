package slogaudit_test

import (
	"context"
	"log/slog"
	"os"
	"time"

	slogmulti "github.com/samber/slog-multi"

	"github.com/secaudit/auditkit/slogaudit"
)

// exampleOptions fixes the clock so the examples' output is deterministic;
// real code leaves Now nil.
func exampleOptions() *slogaudit.Options {
	return &slogaudit.Options{
		ServiceName: "billing",
		Now:         func() time.Time { return time.Unix(1712345678, 1000) },
	}
}

// withoutTime drops the record time (so timestamp is omitted), only to keep
// the examples' output deterministic.
type withoutTime struct{ slog.Handler }

func (h withoutTime) Handle(ctx context.Context, r slog.Record) error {
	r.Time = time.Time{}
	return h.Handler.Handle(ctx, r)
}

func ExampleNewHandler() {
	h := slogaudit.NewHandler(os.Stdout, exampleOptions())
	logger := slog.New(withoutTime{h})

	logger.Warn("auth.login.failed",
		slogaudit.KeyEventType, "auth.login.failed",
		slog.Group("auth", "method", "password", "password", "hunter2"),
		"attempts", 3,
	)
	// Output:
	// {"observed_timestamp":1712345678000001000,"severity_text":"WARN","severity_number":13,"body":"auth.login.failed","resource":{"service.name":"billing"},"instrumentation_scope":{"name":"github.com/secaudit/auditkit/slogaudit"},"attributes":{"event_type":"auth.login.failed","schema_version":"1.0","auth.method":"password","auth.password":"[REDACTED]","attempts":3},"event_name":"auth.login.failed"}
}

func ExampleContextWithAttrs() {
	logger := slog.New(withoutTime{slogaudit.NewHandler(os.Stdout, exampleOptions())})

	// Middleware opens the request scope...
	ctx := slogaudit.ContextWithAttrs(context.Background(),
		slog.String(slogaudit.KeyRequestID, "8bdc1a77fb744594ad67a59004a4a42b"),
		slog.String(slogaudit.KeyClientAddress, "203.0.113.10"))
	// ...authentication names the acting user...
	slogaudit.SetUser(ctx, slogaudit.User{ID: "42", Name: "maya"})
	// ...and every record logged with ctx carries both. The user name is
	// left out unless Options.IncludeUsernames is set.
	logger.InfoContext(ctx, "model.update", slogaudit.KeyEventType, "model.update", "model", "invoice")
	// Output:
	// {"observed_timestamp":1712345678000001000,"severity_text":"INFO","severity_number":9,"body":"model.update","resource":{"service.name":"billing"},"instrumentation_scope":{"name":"github.com/secaudit/auditkit/slogaudit"},"attributes":{"event_type":"model.update","schema_version":"1.0","request_id":"8bdc1a77fb744594ad67a59004a4a42b","client.address":"203.0.113.10","user.id":"42","model":"invoice"},"event_name":"model.update"}
}

func ExampleIsAudit() {
	audit := slogaudit.NewHandler(os.Stdout, exampleOptions())
	app := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})
	// Audit events go to the audit handler, everything else to the app log.
	logger := slog.New(slogmulti.Router().
		Add(withoutTime{audit}, slogaudit.IsAudit).
		Add(app, func(ctx context.Context, r slog.Record) bool { return !slogaudit.IsAudit(ctx, r) }).
		Handler())

	logger.Info("cache warmed", "entries", 120)
	logger.Info("auth.logout", slogaudit.KeyEventType, "auth.logout.success", "user.id", "42")
	// Output:
	// level=INFO msg="cache warmed" entries=120
	// {"observed_timestamp":1712345678000001000,"severity_text":"INFO","severity_number":9,"body":"auth.logout","resource":{"service.name":"billing"},"instrumentation_scope":{"name":"github.com/secaudit/auditkit/slogaudit"},"attributes":{"event_type":"auth.logout.success","schema_version":"1.0","user.id":"42"},"event_name":"auth.logout.success"}
}

// Fan out every record to the audit line format and to a plain text log.
func Example_fanout() {
	logger := slog.New(slogmulti.Fanout(
		withoutTime{slogaudit.NewHandler(os.Stdout, exampleOptions())},
		slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}),
	))
	logger.Error("payment.refused", slogaudit.KeyEventType, "payment.refused", "amount", 12.5)
	// Output:
	// {"observed_timestamp":1712345678000001000,"severity_text":"ERROR","severity_number":17,"body":"payment.refused","resource":{"service.name":"billing"},"instrumentation_scope":{"name":"github.com/secaudit/auditkit/slogaudit"},"attributes":{"event_type":"payment.refused","schema_version":"1.0","amount":12.5},"event_name":"payment.refused"}
	// level=ERROR msg=payment.refused event_type=payment.refused amount=12.5
}
