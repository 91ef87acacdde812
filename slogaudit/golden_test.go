package slogaudit

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden compares whole lines for realistic events with
// testdata/<name>.golden; run with -update to rewrite them after a reviewed
// change of the output.
func TestGolden(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	spanCtx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled,
	}))
	reqCtx := func() context.Context {
		ctx := ContextWithAttrs(spanCtx,
			slog.String(KeyRequestID, "8bdc1a77fb744594ad67a59004a4a42b"),
			slog.String(KeyClientAddress, "203.0.113.10"),
			slog.String(KeyPeerAddress, "10.0.0.3"),
			slog.String(keyHTTPRoute, "/api/{account}/transfer"))
		SetUser(ctx, User{ID: "42", Name: "maya"})
		return ctx
	}
	opts := Options{ServiceName: "billing", ServiceVersion: "1.4.2", Scope: Scope{Name: "github.com/secaudit/auditkit/slogaudit", Version: "v0.1.0"}}
	tests := []struct {
		name string
		opts Options
		ctx  context.Context
		log  func(l *slog.Logger, ctx context.Context)
	}{
		{"http_client_error", opts, reqCtx(), func(l *slog.Logger, ctx context.Context) {
			l.LogAttrs(ctx, slog.LevelWarn, "http.response",
				slog.String(KeyScopeName, "github.com/secaudit/auditkit/httpaudit"),
				slog.String(KeyScopeVersion, "v0.1.0"),
				slog.String(KeyEventType, "http.response.client_error"),
				slog.String(keyHTTPMethod, "POST"), slog.String(keyURLScheme, "https"),
				slog.String(keyURLPath, "/api/acct-9/transfer"), slog.Int(keyHTTPStatusCode, 404),
				slog.String(KeyOutcome, OutcomeFailure), slog.Duration(keyDurationNS, 183*time.Microsecond),
				slog.Any(keyRequestBody, map[string]any{"amount": 12.5, "password": "hunter2", "to": "acct-7"}))
		}},
		{"login_failed_grouped", opts, reqCtx(), func(l *slog.Logger, ctx context.Context) {
			l.With("component", "auth").WithGroup("app").LogAttrs(ctx, slog.LevelWarn, "auth.login.failed",
				slog.String(KeyEventType, "auth.login.failed"), slog.String(KeyUserName, "maya"),
				slog.String("reason", "bad_password"), slog.Any("error", errors.New("invalid credentials")))
		}},
		{"critical_with_usernames", Options{ServiceName: "billing", IncludeUsernames: true}, reqCtx(), func(l *slog.Logger, ctx context.Context) {
			l.LogAttrs(ctx, LevelCritical, "authz.admin",
				slog.String(KeyEventType, "authz.admin"), slog.String("target", "user:7"))
		}},
		{"fallback", Options{ServiceName: "billing", Limits: Limits{MaxRecordBytes: 1024}}, reqCtx(), func(l *slog.Logger, ctx context.Context) {
			l.LogAttrs(ctx, slog.LevelInfo, "m", slog.String(KeyEventType, strings.Repeat("x", 1500)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf lineBuffer
			l := slog.New(&fixedTime{NewHandler(&buf, withClock(&tt.opts))})
			tt.log(l, tt.ctx)
			got := buf.String()
			checkJSON(t, strings.TrimSuffix(got, "\n"))
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run Golden -update)", err)
			}
			if got != string(want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// fixedTime gives every record the fixed test time, so logger calls can be
// golden.
type fixedTime struct{ slog.Handler }

func (h *fixedTime) Handle(ctx context.Context, r slog.Record) error {
	r.Time = recTime
	return h.Handler.Handle(ctx, r)
}
func (h *fixedTime) WithAttrs(as []slog.Attr) slog.Handler {
	return &fixedTime{h.Handler.WithAttrs(as)}
}
func (h *fixedTime) WithGroup(g string) slog.Handler { return &fixedTime{h.Handler.WithGroup(g)} }
