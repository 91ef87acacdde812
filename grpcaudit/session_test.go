package grpcaudit_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/grpcaudit"
)

// TestSessionHookHostile: a SessionID hook that panics costs the session
// id, not the event; one that logs with the call's context (and so asks for
// its own session.id) neither deadlocks nor recurses; the hook runs at most
// once per call; and its id is written as it is although session.id is a
// sensitive key.
func TestSessionHookHostile(t *testing.T) {
	var logger *slog.Logger
	calls := 0
	for _, tc := range []struct {
		name string
		hook func(context.Context) string
		want string
	}{
		{"panics", func(context.Context) string { panic("hook broke") }, ""},
		{"logs with the call's context", func(ctx context.Context) string {
			calls++
			logger.InfoContext(ctx, "looking up the session")
			return "sess-1"
		}, "sess-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := &sink{}
			logger = newLogger(out, nil)
			audit, err := grpcaudit.New(logger, &grpcaudit.Options{SessionID: tc.hook})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				_, _ = audit.UnaryServerInterceptor()(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/s.S/M"},
					func(ctx context.Context, _ any) (any, error) {
						logger.InfoContext(ctx, "inside")
						return nil, status.Error(codes.PermissionDenied, "")
					})
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("deadlock")
			}
			ev := out.calls(t)
			if len(ev) != 1 || ev[0].str("session.id") != tc.want {
				t.Fatalf("events:\n%s", out)
			}
			if strings.Contains(out.String(), "hook broke") {
				t.Error("the panic's text was logged")
			}
		})
	}
	if calls != 1 {
		t.Errorf("the hook ran %d times", calls)
	}
}
