package grpcaudit_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/grpcaudit"
	"github.com/secaudit/auditkit/redact"
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

// TestSessionHookSecret (red team): a naive hook that returns the
// authorization metadata was logged raw (a redact.Pseudonym skips every
// rule). The id now passes the value rules (the Redactor's and the default
// detectors, whatever the Redactor) and a flagged one is "[REDACTED]"; with
// SessionKey the hook may return the token, and session.id is its keyed
// hash.
func TestSessionHookSecret(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	key := []byte("0123456789abcdef")
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("Bearer " + jwt))
	hashed := hex.EncodeToString(mac.Sum(nil)[:16])
	naive := func(ctx context.Context) string {
		md, _ := metadata.FromIncomingContext(ctx)
		if v := md.Get("authorization"); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for _, tc := range []struct {
		name string
		opts *grpcaudit.Options
		want string
	}{
		{"default redactor", &grpcaudit.Options{SessionID: naive}, "[REDACTED]"},
		{"redact.None", &grpcaudit.Options{SessionID: naive, Redactor: redact.None()}, "[REDACTED]"},
		{"SessionKey", &grpcaudit.Options{SessionID: naive, SessionKey: key}, hashed},
		{"an ordinary id", &grpcaudit.Options{SessionID: func(context.Context) string { return "sess-42" }}, "sess-42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := &sink{}
			// A plain JSON handler: nothing downstream redacts session.id.
			audit, err := grpcaudit.New(slog.New(slog.NewJSONHandler(out, nil)), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+jwt))
			_, _ = audit.UnaryServerInterceptor()(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/s.S/M"},
				func(ctx context.Context, _ any) (any, error) { return nil, status.Error(codes.PermissionDenied, "") })
			var line map[string]any
			if err := json.Unmarshal([]byte(out.String()), &line); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got, _ := line["session.id"].(string); got != tc.want || strings.Contains(out.String(), "dozjg") {
				t.Errorf("session.id %q, want %q: %s", got, tc.want, out)
			}
		})
	}
	for _, o := range []*grpcaudit.Options{
		{SessionKey: key}, // nothing to hash
		{SessionID: naive, SessionKey: []byte("short")}, // too short
	} {
		if _, err := grpcaudit.New(nil, o); err == nil || !strings.Contains(err.Error(), "SessionKey") {
			t.Errorf("%+v: err %v", o, err)
		}
	}
}
