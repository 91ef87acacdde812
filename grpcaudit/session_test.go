package grpcaudit_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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
// once per call; and its id's keyed hash is written although session.id is
// a sensitive key.
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
			if len(ev) != 1 {
				t.Fatalf("events:\n%s", out)
			}
			got := ev[0].str("session.id")
			if tc.want == "" && got != "" || tc.want != "" && (!hex32.MatchString(got) || got == tc.want) {
				t.Fatalf("session.id %q for the hook's %q:\n%s", got, tc.want, out)
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
// rule); then it passed the value rules, which missed many spellings of a
// token (red team 2, B4: base64 of a JWT, "s%3A<JWT>", "Bearer%20<JWT>",
// tokens with spaces, 32-hex random tokens). A session id is a bearer
// credential, so the hook's id is never written: session.id is its keyed
// hash, with SessionKey (stable across instances), else with a random key
// of the process (stable within it, so one session's calls still join).
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
	call := func(t *testing.T, opts *grpcaudit.Options, auth string) (string, string) {
		t.Helper()
		out := &sink{}
		// A plain JSON handler: nothing downstream redacts session.id.
		audit, err := grpcaudit.New(slog.New(slog.NewJSONHandler(out, nil)), opts)
		if err != nil {
			t.Fatal(err)
		}
		ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", auth))
		_, _ = audit.UnaryServerInterceptor()(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/s.S/M"},
			func(ctx context.Context, _ any) (any, error) { return nil, status.Error(codes.PermissionDenied, "") })
		var line map[string]any
		if err := json.Unmarshal([]byte(out.String()), &line); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		got, _ := line["session.id"].(string)
		return got, out.String()
	}
	if got, out := call(t, &grpcaudit.Options{SessionID: naive, SessionKey: key}, "Bearer "+jwt); got != hashed || strings.Contains(out, "dozjg") {
		t.Errorf("SessionKey: session.id %q, want %q: %s", got, hashed, out)
	}
	seen := map[string]string{}
	for _, v := range []string{
		"Bearer " + jwt,
		base64.StdEncoding.EncodeToString([]byte(jwt)),
		"s%3A" + jwt,
		"Bearer%20" + jwt,
		"eyJhbGciOiJIUzI1NiJ9 . eyJzdWIiOiIxIn0 . sig",
		"3f9a1c0d8e7b6a5f4e3d2c1b0a998877",
		"sess-42",
	} {
		for _, red := range []*redact.Redactor{nil, redact.None()} {
			got, out := call(t, &grpcaudit.Options{SessionID: naive, Redactor: red}, v)
			again, _ := call(t, &grpcaudit.Options{SessionID: naive, Redactor: red}, v)
			if !hex32.MatchString(got) || got != again {
				t.Errorf("%q: session.id %q then %q, want one 32-hex keyed hash: %s", v, got, again, out)
			}
			for _, part := range []string{"dozjg", "eyJ", "3f9a1c0d", "sess-42"} {
				if strings.Contains(out, part) {
					t.Errorf("%q: output contains %q: %s", v, part, out)
				}
			}
			if other, dup := seen[got]; dup && other != v {
				t.Errorf("%q and %q share session.id %s", v, other, got)
			}
			seen[got] = v
		}
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
