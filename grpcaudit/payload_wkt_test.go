package grpcaudit_test

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/typepb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/secaudit/auditkit/grpcaudit"
)

// secretInAny is an Any holding t.Inner{secret_code: "s3cret-code",
// favorite_color: "t0p-c0lor" (both debug_redact; no key rule flags the
// second, so only debug_redact protects it), note: "in-any"}.
func secretInAny(t *testing.T) *anypb.Any {
	t.Helper()
	m := loginMessage(t, 0)
	in := m.Get(m.Descriptor().Fields().ByName("inner")).Message().Interface()
	in.ProtoReflect().Set(in.ProtoReflect().Descriptor().Fields().ByName("note"), protoreflect.ValueOfString("in-any"))
	in.ProtoReflect().Set(in.ProtoReflect().Descriptor().Fields().ByName("favorite_color"), protoreflect.ValueOfString("t0p-c0lor"))
	a, err := anypb.New(in)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// leaks reports whether the debug_redact value is in raw, as text or in
// base64 (the packed bytes of an Any).
func leaks(raw string) bool {
	if strings.Contains(raw, "s3cret-code") || strings.Contains(raw, "t0p-c0lor") {
		return true
	}
	for _, m := range regexp.MustCompile(`"([A-Za-z0-9+/=_-]{8,})"`).FindAllStringSubmatch(raw, -1) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding} {
			if b, err := enc.DecodeString(m[1]); err == nil && (strings.Contains(string(b), "s3cret-code") || strings.Contains(string(b), "t0p-c0lor")) {
				return true
			}
		}
	}
	return false
}

func body(t *testing.T, e event) map[string]any {
	t.Helper()
	b, _ := e.Attributes[grpcaudit.KeyRequestBody].(map[string]any)
	if b == nil {
		t.Fatalf("no body: %s", e.raw)
	}
	return b
}

// TestPayloadAnyTopLevel (red team): a request that is itself an Any was
// written as its raw type_url and value bytes, and the debug_redact field
// reached the line in base64. It is rendered as the message it holds, with
// PayloadFields applied to that message's fields.
func TestPayloadAnyTopLevel(t *testing.T) {
	e := captureOne(t, nil, &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"*"}}, secretInAny(t))
	if leaks(e.raw) {
		t.Errorf("debug_redact value reached the line: %s", e.raw)
	}
	b := body(t, e)
	if b["@type"] != "type.googleapis.com/t.Inner" || b["secret_code"] != "[REDACTED]" || b["favorite_color"] != "[REDACTED]" || b["note"] != "in-any" || b["value"] != nil {
		t.Errorf("body %v", b)
	}

	e = captureOne(t, nil, &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"note"}}, secretInAny(t))
	if b := body(t, e); len(b) != 2 || b["note"] != "in-any" {
		t.Errorf("PayloadFields on the held message: %v", b)
	}

	// A type not linked in: "@type" alone, never the bytes.
	unknown := &anypb.Any{TypeUrl: "type.googleapis.com/nowhere.Secret", Value: []byte("\n\x0bs3cret-code")}
	e = captureOne(t, nil, &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"*"}}, unknown)
	if b := body(t, e); len(b) != 1 || leaks(e.raw) {
		t.Errorf("unknown Any: %s", e.raw)
	}
}

// TestPayloadAnyInsideWellKnown (red team): an Any inside a well-known type
// that is not a leaf (google.protobuf.Type's options) went to protojson,
// which knows nothing of debug_redact. Only leaf well-known types go there
// now; the rest is walked.
func TestPayloadAnyInsideWellKnown(t *testing.T) {
	req := &typepb.Type{Name: "x", Options: []*typepb.Option{{Name: "o", Value: secretInAny(t)}}}
	e := captureOne(t, nil, &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"name", "options"}}, req)
	if leaks(e.raw) {
		t.Errorf("debug_redact value reached the line: %s", e.raw)
	}
	opts, _ := body(t, e)["options"].([]any)
	if len(opts) != 1 {
		t.Fatalf("options %s", e.raw)
	}
	o, _ := opts[0].(map[string]any)
	v, _ := o["value"].(map[string]any)
	if o["name"] != "o" || v["@type"] != "type.googleapis.com/t.Inner" || v["secret_code"] != "[REDACTED]" || v["favorite_color"] != "[REDACTED]" || v["note"] != "in-any" {
		t.Errorf("option %v", o)
	}
}

// TestPayloadLeafWellKnownTopLevel: a leaf well-known type as the request is
// its JSON form: a Struct's keys are fields (filtered, redacted), a
// wrapper's value is under "value" and passes the value rules.
func TestPayloadLeafWellKnownTopLevel(t *testing.T) {
	st, err := structpb.NewStruct(map[string]any{"region": "eu", "password": "hunter2", "other": 1})
	if err != nil {
		t.Fatal(err)
	}
	e := captureOne(t, nil, &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"region", "password"}}, st)
	if b := body(t, e); len(b) != 2 || b["region"] != "eu" || b["password"] != "[REDACTED]" {
		t.Errorf("Struct: %s", e.raw)
	}
	e = captureOne(t, nil, &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"*"}}, wrapperspb.Bytes([]byte(bearer)))
	if b := body(t, e); b["value"] != "[REDACTED]" || strings.Contains(e.raw, "eyJ") {
		t.Errorf("BytesValue: %s", e.raw)
	}
	e = captureOne(t, nil, &grpcaudit.Options{CapturePayloads: true, PayloadFields: []string{"*"}}, wrapperspb.Int64(1<<60))
	if b := body(t, e); b["value"] != "1152921504606846976" {
		t.Errorf("Int64Value: %s", e.raw)
	}
}
