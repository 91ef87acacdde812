package grpcaudit_test

import (
	"context"
	"encoding/base64"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/secaudit/auditkit/grpcaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

const bearer = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl"

// TestPayloadUnary captures a unary request over a real server: the method
// receives exactly what the client sent, what it does to its message after
// does not reach the record, only listed fields are kept, and values are
// redacted.
func TestPayloadUnary(t *testing.T) {
	sent := &testgrpc.SimpleRequest{
		ResponseSize:   7,
		Payload:        &testgrpc.Payload{Body: []byte("hello")},
		FillUsername:   true,
		ResponseStatus: &testgrpc.EchoStatus{Code: 5, Message: bearer},
	}
	var got *testgrpc.SimpleRequest
	f := newFixture(t, fixtureOpts{
		audit: &grpcaudit.Options{
			CapturePayloads: true,
			PayloadFields:   []string{"response_size", "payload", "responseStatus"}, // proto and JSON names
		},
		svc: &service{unary: func(_ context.Context, r *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
			got = proto.Clone(r).(*testgrpc.SimpleRequest)
			r.ResponseSize = 999 // the method owns its message
			r.Payload.Body = []byte("changed")
			return nil, status.Error(codes.InvalidArgument, "no")
		}},
	})
	_, _ = f.client.UnaryCall(ctxTimeout(t), sent)
	if !proto.Equal(got, sent) {
		t.Errorf("the method received %v, the client sent %v", got, sent)
	}
	e := f.out.waitCalls(t, 1)[0]
	body, ok := e.Attributes["rpc.request.body"].(map[string]any)
	if !ok {
		t.Fatalf("no body: %s", e.raw)
	}
	if body["response_size"] != 7.0 {
		t.Errorf("response_size %v", body["response_size"])
	}
	if p, _ := body["payload"].(map[string]any); p["body"] != base64.StdEncoding.EncodeToString([]byte("hello")) {
		t.Errorf("payload %v", body["payload"])
	}
	if rs, _ := body["response_status"].(map[string]any); rs["code"] != 5.0 || rs["message"] != "[REDACTED]" {
		t.Errorf("response_status %v", body["response_status"])
	}
	if _, ok := body["fill_username"]; ok {
		t.Error("a field not listed is kept")
	}
	if strings.Contains(e.raw, "eyJhbGci") {
		t.Error("the bearer token reached the line")
	}
}

func TestPayloadTooLargeAndMethods(t *testing.T) {
	var n int
	f := newFixture(t, fixtureOpts{
		audit: &grpcaudit.Options{
			CapturePayloads: true, PayloadFields: []string{"*"}, MaxPayloadBytes: 64,
			PayloadMethods: []string{`^/grpc\.testing\.TestService/UnaryCall$`},
		},
		svc: &service{unary: func(_ context.Context, r *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
			n = len(r.GetPayload().GetBody())
			return nil, status.Error(codes.NotFound, "no")
		}},
	})
	_, _ = f.client.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{Payload: &testgrpc.Payload{Body: make([]byte, 100000)}})
	if n != 100000 {
		t.Errorf("the method received %d bytes", n)
	}
	_, _ = f.client.UnaryCall(ctxTimeout(t), &testgrpc.SimpleRequest{ResponseSize: 3})
	st, _ := f.client.FullDuplexCall(ctxTimeout(t)) // not a listed method
	_ = st.Send(&testgrpc.StreamingOutputCallRequest{})
	_ = st.CloseSend()
	_, _ = st.Recv()
	_, _ = st.Recv()
	ev := f.out.calls(t)
	if len(ev) != 2 {
		t.Fatalf("events:\n%s", f.out)
	}
	if ev[0].str("rpc.request.body.parse_status") != grpcaudit.ParseTooLarge || ev[0].Attributes["rpc.request.body"] != nil {
		t.Errorf("too large: %s", ev[0].raw)
	}
	if b, _ := ev[1].Attributes["rpc.request.body"].(map[string]any); b["response_size"] != 3.0 {
		t.Errorf("small: %s", ev[1].raw)
	}
}

// TestPayloadStream captures the first PayloadStreamMessages messages of a
// stream, as a list.
func TestPayloadStream(t *testing.T) {
	f := newFixture(t, fixtureOpts{
		audit: &grpcaudit.Options{LogOKCalls: true, CapturePayloads: true, PayloadFields: []string{"payload"}, PayloadStreamMessages: 2},
		svc: &service{fullDuplex: func(st testgrpc.TestService_FullDuplexCallServer) error {
			for {
				m, err := st.Recv()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				m.Payload = nil // the method changes what it got: not the record
			}
		}},
	})
	st, err := f.client.FullDuplexCall(ctxTimeout(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"one", "two", "three"} {
		if err := st.Send(&testgrpc.StreamingOutputCallRequest{Payload: &testgrpc.Payload{Body: []byte(s)}}); err != nil {
			t.Fatal(err)
		}
	}
	_ = st.CloseSend()
	if _, err := st.Recv(); err != io.EOF {
		t.Fatal(err)
	}
	e := f.out.waitCalls(t, 1)[0]
	list, _ := e.Attributes["rpc.request.body"].([]any)
	if len(list) != 2 || e.Attributes["rpc.messages_received"] != 3.0 {
		t.Fatalf("event %s", e.raw)
	}
	for i, s := range []string{"one", "two"} {
		m, _ := list[i].(map[string]any)
		p, _ := m["payload"].(map[string]any)
		if p["body"] != base64.StdEncoding.EncodeToString([]byte(s)) {
			t.Errorf("message %d: %v", i, list[i])
		}
	}
}

// captureOne runs one call with msg through the unary interceptor and
// returns its event.
func captureOne(t *testing.T, ho *slogaudit.Options, o *grpcaudit.Options, msg any) event {
	t.Helper()
	out := &sink{}
	audit, err := grpcaudit.New(newLogger(out, ho), o)
	if err != nil {
		t.Fatal(err)
	}
	var before proto.Message
	if pm, ok := msg.(proto.Message); ok {
		before = proto.Clone(pm)
	}
	_, _ = audit.UnaryServerInterceptor()(context.Background(), msg, &grpc.UnaryServerInfo{FullMethod: "/t.Svc/Login"},
		func(_ context.Context, req any) (any, error) {
			if before != nil && !proto.Equal(req.(proto.Message), before) {
				t.Error("the method got a changed message")
			}
			return nil, status.Error(codes.Unauthenticated, "no")
		})
	if before != nil && !proto.Equal(msg.(proto.Message), before) {
		t.Error("capture changed the message")
	}
	ev := out.calls(t)
	if len(ev) != 1 {
		t.Fatalf("events:\n%s", out)
	}
	return ev[0]
}

// TestPayloadDebugRedact: fields marked debug_redact are redacted at any
// depth (inside Any too), the Redactor's key and value rules apply inside
// maps, lists and Struct, 64-bit integers and enums are written as protojson
// writes them, and user name fields follow IncludeUsernames.
func TestPayloadDebugRedact(t *testing.T) {
	o := &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"*"}}
	e := captureOne(t, nil, o, loginMessage(t, 0))
	b, _ := e.Attributes["rpc.request.body"].(map[string]any)
	if b == nil {
		t.Fatalf("no body: %s", e.raw)
	}
	for _, secret := range []string{"my-dog-rex", "s3cret-code", "hunter2", "zzz", "eyJhbGci", "1234", "maya"} {
		if strings.Contains(e.raw, secret) {
			t.Errorf("%q reached the line: %s", secret, e.raw)
		}
	}
	inner, _ := b["inner"].(map[string]any)
	extra, _ := b["extra"].(map[string]any)
	meta, _ := b["meta"].(map[string]any)
	labels, _ := b["labels"].(map[string]any)
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"password_hint", b["password_hint"], "[REDACTED]"},
		{"pin", b["pin"], "[REDACTED]"},
		{"inner.secret_code", inner["secret_code"], "[REDACTED]"},
		{"inner.note", inner["note"], "top"},
		{"extra.@type", extra["@type"], "type.googleapis.com/t.Inner"},
		{"extra.secret_code", extra["secret_code"], "[REDACTED]"},
		{"extra.note", extra["note"], "in-any"},
		{"big", b["big"], "1152921504606846976"},
		{"color", b["color"], "RED"},
		{"meta.password", meta["password"], "[REDACTED]"},
		{"meta.region", meta["region"], "eu"},
		{"labels.env", labels["env"], "prod"},
		{"labels.api_token", labels["api_token"], "[REDACTED]"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if tags, _ := b["tags"].([]any); len(tags) != 2 || tags[0] != "a" || tags[1] != "[REDACTED]" {
		t.Errorf("tags %v", b["tags"])
	}
	if _, ok := b["username"]; ok {
		t.Error("username kept without IncludeUsernames")
	}

	e = captureOne(t, &slogaudit.Options{IncludeUsernames: true}, o, loginMessage(t, 0))
	if b, _ := e.Attributes["rpc.request.body"].(map[string]any); b["username"] != "maya" {
		t.Errorf("username with IncludeUsernames: %s", e.raw)
	}
}

// TestPayloadDeep: a deeply nested message renders to a bounded value and a
// valid line; the debug_redact field at every level stays redacted.
func TestPayloadDeep(t *testing.T) {
	for _, depth := range []int{20, 500} {
		e := captureOne(t, &slogaudit.Options{Limits: slogaudit.Limits{MaxRecordBytes: 1 << 20, MaxDepth: 64}},
			&grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"inner"}, MaxPayloadBytes: 1 << 20}, loginMessage(t, depth))
		if strings.Contains(e.raw, "s3cret") || !strings.Contains(e.raw, "[TRUNCATED]") {
			t.Errorf("depth %d: %.500s", depth, e.raw)
		}
	}
}

// jsonMessage is a message of a custom codec: not protobuf.
type jsonMessage struct {
	Account  string `json:"account"`
	Password string `json:"password"`
	Note     string `json:"note"`
}

func TestPayloadNotProtobuf(t *testing.T) {
	e := captureOne(t, nil, &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"account", "password"}},
		&jsonMessage{Account: "acct-9", Password: "hunter2", Note: "x"})
	b, _ := e.Attributes["rpc.request.body"].(map[string]any)
	if b["account"] != "acct-9" || b["password"] != "[REDACTED]" || b["note"] != nil {
		t.Errorf("body %s", e.raw)
	}
	e = captureOne(t, nil, &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"*"}}, []int{1, 2})
	if e.str("rpc.request.body.parse_status") != grpcaudit.ParseUnsupported {
		t.Errorf("unsupported: %s", e.raw)
	}
	e = captureOne(t, nil, &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"*"}}, (*testgrpc.SimpleRequest)(nil))
	// A nil message is protobuf's empty message.
	if b, ok := e.Attributes["rpc.request.body"].(map[string]any); !ok || len(b) != 0 {
		t.Errorf("nil message: %s", e.raw)
	}
}

// TestPayloadHostileShapes: a Struct nested thousands deep and a map of
// many entries, within MaxPayloadBytes, render to bounded, valid lines.
func TestPayloadHostileShapes(t *testing.T) {
	deep := structpb.NewStringValue("bottom")
	for range 3000 {
		deep = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"k": deep}})
	}
	wide := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for i := range 20000 {
		wide.Fields[strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("y", i/26%5)+string(rune('0'+i%10))] = structpb.NewNumberValue(float64(i))
	}
	for name, msg := range map[string]proto.Message{"deep": deep.GetStructValue(), "wide": wide} {
		start := time.Now()
		e := captureOne(t, nil, &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"*"}, MaxPayloadBytes: grpcaudit.MaxPayloadBytesLimit}, msg)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: %v", name, d)
		}
		if len(e.raw) > 32768 {
			t.Errorf("%s: a %d-byte line", name, len(e.raw))
		}
	}
}
