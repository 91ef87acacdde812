package grpcaudit_test

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/grpcaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// wantCode is the status code table, written out independently of the
// package's: a change to the mapping must change this test.
var wantCode = []struct {
	code    codes.Code
	name    string
	event   string
	level   string
	outcome string
}{
	{codes.OK, "OK", grpcaudit.EventSuccess, "INFO", "success"},
	{codes.Canceled, "CANCELLED", grpcaudit.EventClientError, "INFO", "failure"},
	{codes.Unknown, "UNKNOWN", grpcaudit.EventServerError, "ERROR", "failure"},
	{codes.InvalidArgument, "INVALID_ARGUMENT", grpcaudit.EventClientError, "WARN", "failure"},
	{codes.DeadlineExceeded, "DEADLINE_EXCEEDED", grpcaudit.EventServerError, "WARN", "failure"},
	{codes.NotFound, "NOT_FOUND", grpcaudit.EventClientError, "WARN", "failure"},
	{codes.AlreadyExists, "ALREADY_EXISTS", grpcaudit.EventClientError, "WARN", "failure"},
	{codes.PermissionDenied, "PERMISSION_DENIED", grpcaudit.EventClientError, "WARN", "failure"},
	{codes.ResourceExhausted, "RESOURCE_EXHAUSTED", grpcaudit.EventClientError, "WARN", "failure"},
	{codes.FailedPrecondition, "FAILED_PRECONDITION", grpcaudit.EventClientError, "WARN", "failure"},
	{codes.Aborted, "ABORTED", grpcaudit.EventClientError, "WARN", "failure"},
	{codes.OutOfRange, "OUT_OF_RANGE", grpcaudit.EventClientError, "WARN", "failure"},
	{codes.Unimplemented, "UNIMPLEMENTED", grpcaudit.EventServerError, "WARN", "failure"},
	{codes.Internal, "INTERNAL", grpcaudit.EventServerError, "ERROR", "failure"},
	{codes.Unavailable, "UNAVAILABLE", grpcaudit.EventServerError, "WARN", "failure"},
	{codes.DataLoss, "DATA_LOSS", grpcaudit.EventServerError, "ERROR", "failure"},
	{codes.Unauthenticated, "UNAUTHENTICATED", grpcaudit.EventClientError, "WARN", "failure"},
}

// TestStatusCodes sends every status code through a real server, from a
// unary method and from a bidi stream's, and checks the event.
func TestStatusCodes(t *testing.T) {
	if len(wantCode) != 17 {
		t.Fatal("the table must cover all 17 codes")
	}
	fail := func(c codes.Code) error {
		if c == codes.OK {
			return nil
		}
		return status.Error(c, "the method's message")
	}
	for _, kind := range []string{"unary", "stream"} {
		for _, tc := range wantCode {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				f := newFixture(t, fixtureOpts{
					audit: &grpcaudit.Options{LogOKCalls: true},
					svc: &service{
						unary: func(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
							return &testgrpc.SimpleResponse{}, fail(tc.code)
						},
						fullDuplex: func(st testgrpc.TestService_FullDuplexCallServer) error {
							if _, err := st.Recv(); err != nil {
								return err
							}
							return fail(tc.code)
						},
					},
				})
				ctx := ctxTimeout(t)
				var err error
				method := "grpc.testing.TestService/UnaryCall"
				if kind == "unary" {
					_, err = f.client.UnaryCall(ctx, &testgrpc.SimpleRequest{})
				} else {
					method = "grpc.testing.TestService/FullDuplexCall"
					st, serr := f.client.FullDuplexCall(ctx)
					if serr != nil {
						t.Fatal(serr)
					}
					if serr := st.Send(&testgrpc.StreamingOutputCallRequest{}); serr != nil {
						t.Fatal(serr)
					}
					_, err = st.Recv()
					if err == io.EOF {
						err = nil
					}
				}
				if got := status.Code(err); got != tc.code {
					t.Fatalf("client got %v, want %v", got, tc.code)
				}
				ev := f.out.waitCalls(t, 1)
				if len(ev) != 1 {
					t.Fatalf("%d events, want 1", len(ev))
				}
				e := ev[0]
				if e.str("event_type") != tc.event || e.Severity != tc.level || e.str("outcome") != tc.outcome {
					t.Errorf("event %s %s %s, want %s %s %s", e.str("event_type"), e.Severity, e.str("outcome"), tc.event, tc.level, tc.outcome)
				}
				if e.str(grpcaudit.KeyRPCStatusCode) != tc.name {
					t.Errorf("status code %q, want %q", e.str(grpcaudit.KeyRPCStatusCode), tc.name)
				}
				wantErrType := tc.name
				if tc.code == codes.OK {
					wantErrType = ""
				}
				if e.str(grpcaudit.KeyErrorType) != wantErrType {
					t.Errorf("error.type %q, want %q", e.str(grpcaudit.KeyErrorType), wantErrType)
				}
				if e.str(grpcaudit.KeyRPCMethod) != method || e.str(grpcaudit.KeyRPCSystem) != "grpc" {
					t.Errorf("rpc %q %q", e.str(grpcaudit.KeyRPCSystem), e.str(grpcaudit.KeyRPCMethod))
				}
				if strings.Contains(e.raw, "the method's message") {
					t.Error("the status message is logged")
				}
				if ev, lvl := grpcaudit.CodeEvent(tc.code); ev != tc.event || lvl.String() != tc.level {
					t.Errorf("CodeEvent = %s %s", ev, lvl)
				}
			})
		}
	}
}

func TestCodeNameOutsideTable(t *testing.T) {
	if got := grpcaudit.CodeName(codes.Code(42)); got != "42" {
		t.Errorf("CodeName(42) = %q", got)
	}
	if ev, lvl := grpcaudit.CodeEvent(codes.Code(42)); ev != grpcaudit.EventServerError || lvl.String() != "ERROR" {
		t.Errorf("CodeEvent(42) = %s %s", ev, lvl)
	}
}

// TestCallAttributes checks what one call's event says, against a real
// server and client.
func TestCallAttributes(t *testing.T) {
	f := newFixture(t, fixtureOpts{svc: &service{
		unary: func(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
			time.Sleep(time.Millisecond)
			return nil, status.Error(codes.NotFound, "no such account")
		},
	}})
	_, err := f.client.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{})
	if status.Code(err) != codes.NotFound {
		t.Fatal(err)
	}
	e := f.out.waitCalls(t, 1)[0]
	want := map[string]string{
		"event_type":               grpcaudit.EventClientError,
		"client.address":           "127.0.0.1",
		"network.peer.address":     "127.0.0.1",
		"server.address":           "127.0.0.1",
		"rpc.system.name":          "grpc",
		"rpc.method":               "grpc.testing.TestService/UnaryCall",
		"rpc.response.status_code": "NOT_FOUND",
		"error.type":               "NOT_FOUND",
		"outcome":                  "failure",
	}
	for k, v := range want {
		if got := e.str(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(e.str("request_id")) {
		t.Errorf("request_id %q", e.str("request_id"))
	}
	if !strings.HasPrefix(e.str("user_agent.original"), "grpc-go/") {
		t.Errorf("user agent %q", e.str("user_agent.original"))
	}
	if d, _ := e.Attributes["duration_ns"].(float64); d < float64(time.Millisecond) {
		t.Errorf("duration_ns %v", e.Attributes["duration_ns"])
	}
	if e.Body != "rpc.call" || e.Scope["name"] != grpcaudit.ScopeName {
		t.Errorf("body %q scope %v", e.Body, e.Scope)
	}
	for _, k := range []string{"rpc.messages_received", "session.id", "user.id", "rpc.request.body"} {
		if _, ok := e.Attributes[k]; ok {
			t.Errorf("unexpected %s", k)
		}
	}
}

func TestOKCalls(t *testing.T) {
	draws := []float64{0.1, 0.9, 0.49, 0.5}
	for _, tc := range []struct {
		name string
		opts *grpcaudit.Options
		want int
	}{
		{"default: not logged", nil, 0},
		{"LogOKCalls", &grpcaudit.Options{LogOKCalls: true}, 4},
		{"sampled at 0.5", &grpcaudit.Options{LogOKCalls: true, SampleRate: 0.5, Rand: func() float64 {
			d := draws[0]
			draws = draws[1:]
			return d
		}}, 2},
		{"ignored code", &grpcaudit.Options{LogOKCalls: true, IgnoreCodes: []codes.Code{codes.OK}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{audit: tc.opts})
			for range 4 {
				if _, err := f.client.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{}); err != nil {
					t.Fatal(err)
				}
			}
			if got := len(f.out.calls(t)); got != tc.want {
				t.Errorf("%d events, want %d", got, tc.want)
			}
		})
	}
}

func TestIgnoreCodesLeavesOthers(t *testing.T) {
	f := newFixture(t, fixtureOpts{
		audit: &grpcaudit.Options{IgnoreCodes: []codes.Code{codes.NotFound}},
		svc: &service{unary: func(_ context.Context, r *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
			return nil, status.Error(codes.Code(r.GetResponseSize()), "x")
		}},
	})
	for _, c := range []codes.Code{codes.NotFound, codes.PermissionDenied} {
		_, _ = f.client.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{ResponseSize: int32(c)})
	}
	ev := f.out.calls(t)
	if len(ev) != 1 || ev[0].str(grpcaudit.KeyRPCStatusCode) != "PERMISSION_DENIED" {
		t.Fatalf("events %v", ev)
	}
}

// TestIgnoreMethods: health checks and reflection are passed through with no
// event, even with every call logged; other methods are not.
func TestIgnoreMethods(t *testing.T) {
	f := newFixture(t, fixtureOpts{audit: &grpcaudit.Options{
		LogOKCalls:    true,
		IgnoreMethods: append(grpcaudit.HealthAndReflection(), "/grpc.testing.TestService/EmptyCall"),
	}})
	ctx := ctxTimeout(t)
	if _, err := f.health.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	_, _ = f.client.EmptyCall(ctx, &testgrpc.Empty{})
	if _, err := f.client.UnaryCall(ctx, &testgrpc.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	ev := f.out.calls(t)
	if len(ev) != 1 || ev[0].str("rpc.method") != "grpc.testing.TestService/UnaryCall" {
		t.Fatalf("events: %s", f.out)
	}
}

// TestRequestScope: authaudit events logged inside a method carry the call's
// request id, addresses and method; the user an inner auth interceptor sets
// reaches the call's event; the session hook names the session.
func TestRequestScope(t *testing.T) {
	var f *fixture
	var inside string
	f = newFixture(t, fixtureOpts{
		audit: &grpcaudit.Options{SessionID: func(ctx context.Context) string {
			if v := metadata.ValueFromIncomingContext(ctx, "session"); len(v) == 1 {
				return "sess-" + v[0]
			}
			return ""
		}},
		inner: []grpc.UnaryServerInterceptor{func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if !slogaudit.SetUser(ctx, slogaudit.User{ID: "u-42"}) {
				t.Error("SetUser: no scope")
			}
			return h(ctx, req)
		}},
		svc: &service{unary: func(ctx context.Context, _ *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
			inside = grpcaudit.RequestID(ctx)
			authaudit.New(f.logger).LoginFailed(ctx, "mallory", authaudit.ReasonBadPassword)
			return nil, status.Error(codes.Unauthenticated, "bad password")
		}},
	})
	ctx := metadata.AppendToOutgoingContext(ctxTimeout(t), "session", "abc")
	_, _ = f.client.UnaryCall(ctx, &testgrpc.SimpleRequest{})
	all := f.out.events(t)
	if len(all) != 2 {
		t.Fatalf("want login failure and call event:\n%s", f.out)
	}
	login, callEv := all[0], all[1]
	if login.str("event_type") != "auth.login.failed" || callEv.str("event_type") != grpcaudit.EventClientError {
		t.Fatalf("events %q %q", login.str("event_type"), callEv.str("event_type"))
	}
	for _, k := range []string{"request_id", "client.address", "network.peer.address", "session.id", "rpc.method", "rpc.system.name", "user.id"} {
		if login.str(k) == "" || login.str(k) != callEv.str(k) {
			t.Errorf("%s: login %q, call %q", k, login.str(k), callEv.str(k))
		}
	}
	if callEv.str("request_id") != inside {
		t.Errorf("RequestID inside %q, event %q", inside, callEv.str("request_id"))
	}
	if callEv.str("user.id") != "u-42" || !hex32.MatchString(callEv.str("session.id")) {
		t.Errorf("user %q session %q", callEv.str("user.id"), callEv.str("session.id"))
	}
	if callEv.Severity != "WARN" {
		t.Errorf("UNAUTHENTICATED at %s", callEv.Severity)
	}
	if grpcaudit.RequestID(context.Background()) != "" {
		t.Error("RequestID outside a call")
	}
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts grpcaudit.Options
		want string
	}{
		{"sample rate", grpcaudit.Options{SampleRate: 1.5}, "grpcaudit: SampleRate 1.5"},
		{"method without slash", grpcaudit.Options{IgnoreMethods: []string{"grpc.health.v1.Health/Check"}}, `IgnoreMethods[0] "grpc.health.v1.Health/Check"`},
		{"method without name", grpcaudit.Options{IgnoreMethods: []string{"/svc"}}, `IgnoreMethods[0]`},
		{"code", grpcaudit.Options{IgnoreCodes: []codes.Code{99}}, `IgnoreCodes[0] "99"`},
		{"bad CIDR", grpcaudit.Options{TrustedProxies: []string{"10.0.0.0/33"}}, `grpcaudit: TrustedProxies[0] "10.0.0.0/33"`},
		{"header without proxies", grpcaudit.Options{ClientIPHeader: "x-real-ip"}, `ClientIPHeader "x-real-ip": needs TrustedProxies`},
		{"binary header", grpcaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "x-ip-bin"}, "not a header name"},
		{"forwarded", grpcaudit.Options{TrustedProxyCount: 1, ForwardedHeader: "x-real-ip"}, `must be "x-forwarded-for" or "forwarded"`},
		{"capture without fields", grpcaudit.Options{CapturePayloads: true}, "PayloadFields is empty"},
		{"payload regexp", grpcaudit.Options{PayloadMethods: []string{"("}}, `PayloadMethods[0] "("`},
		{"payload size", grpcaudit.Options{MaxPayloadBytes: 2 << 20}, "MaxPayloadBytesLimit"},
		{"stream messages", grpcaudit.Options{PayloadStreamMessages: -1}, "PayloadStreamMessages -1"},
		// Red team: unbounded, empty, half-done and trust-everything settings.
		{"stream messages bound", grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"*"}, PayloadStreamMessages: 1 << 40}, "MaxPayloadStreamMessages"},
		{"stream messages 101", grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"*"}, PayloadStreamMessages: 101}, "PayloadStreamMessages 101"},
		{"empty field", grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"a", ""}}, `PayloadFields[1] "": empty field name`},
		{"empty field after *", grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"*", ""}}, `PayloadFields[1] "": empty field name`},
		{"fields without capture", grpcaudit.Options{PayloadFields: []string{"a"}}, "PayloadFields set without CapturePayloads"},
		{"stream messages without capture", grpcaudit.Options{PayloadStreamMessages: 2}, "PayloadStreamMessages set without CapturePayloads"},
		{"trust everything v4", grpcaudit.Options{TrustedProxies: []string{"0.0.0.0/0"}}, "trusts every address"},
		{"trust everything v6", grpcaudit.Options{TrustedProxies: []string{"::/0"}, ClientIPHeader: "x-real-ip"}, "trusts every address"},
		{"proxy count bound", grpcaudit.Options{TrustedProxyCount: 1 << 62}, "above the limit of 32"},
		{"header user-agent", grpcaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "user-agent"}, "another purpose"},
		{"header x-request-id", grpcaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "X-Request-Id"}, "another purpose"},
		{"pseudo header", grpcaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: ":authority"}, "not a header name"},
		// Red team 2 (B3): trust-everything in parts, too wide a public
		// prefix, and keys clients send for another purpose.
		{"halves v4", grpcaudit.Options{TrustedProxies: []string{"0.0.0.0/1", "128.0.0.0/1"}}, `grpcaudit: TrustedProxies[1] "128.0.0.0/1": prefix 128.0.0.0/1 is wider than /8`},
		{"halves mapped", grpcaudit.Options{TrustedProxies: []string{"::ffff:0:0/97", "::ffff:128.0.0.0/97"}}, `TrustedProxies[0] "::ffff:0:0/97": prefix 0.0.0.0/1`},
		{"halves v6", grpcaudit.Options{TrustedProxies: []string{"::/1", "8000::/1"}}, `TrustedProxies[0] "::/1": prefix ::/1 is wider than /16`},
		{"global unicast", grpcaudit.Options{TrustedProxies: []string{"2000::/3"}}, `"2000::/3"`},
		{"header traceparent", grpcaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "traceparent"}, "another purpose"},
		{"header x-api-key", grpcaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "x-api-key"}, "another purpose"},
		{"header proxy-authorization", grpcaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "proxy-authorization"}, "another purpose"},
		{"header sec-", grpcaudit.Options{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "sec-fetch-site"}, "another purpose"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := grpcaudit.New(nil, &tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	// Every problem is reported at once.
	_, err := grpcaudit.New(nil, &grpcaudit.Options{SampleRate: -1, TrustedProxies: []string{"x"}, IgnoreMethods: []string{"y"}})
	if n := strings.Count(err.Error(), "grpcaudit:"); n != 3 {
		t.Errorf("%d errors joined: %v", n, err)
	}
	if _, err := grpcaudit.New(nil, &grpcaudit.Options{
		TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "X-Real-IP", CapturePayloads: true, PayloadFields: []string{"*"},
		IgnoreMethods: grpcaudit.HealthAndReflection(), SampleRate: 0.5, LogOKCalls: true,
		PayloadStreamMessages: grpcaudit.MaxPayloadStreamMessages, MaxPayloadBytes: grpcaudit.MaxPayloadBytesLimit,
	}); err != nil {
		t.Errorf("valid options refused: %v", err)
	}
}

var _ = fmt.Sprint
