package grpcaudit_test

import (
	"testing"

	testgrpc "google.golang.org/grpc/interop/grpc_testing"

	"github.com/secaudit/auditkit/grpcaudit"
)

// TestPayloadStreamBudget (red team): PayloadStreamMessages was unbounded
// and every captured copy was kept until the stream ended, so one stream
// could pin gigabytes. Now the option is bounded (TestNewValidates) and a
// stream's copies together hold at most 16 × MaxPayloadBytes: here 100
// messages of ~4000 bytes under the default 4096 keep 16, and the rest is
// reported too_large.
func TestPayloadStreamBudget(t *testing.T) {
	f := newFixture(t, fixtureOpts{audit: &grpcaudit.Options{
		CapturePayloads: true, PayloadFields: []string{"response_type"},
		PayloadStreamMessages: grpcaudit.MaxPayloadStreamMessages, LogOKCalls: true,
	}})
	st, err := f.client.FullDuplexCall(ctxTimeout(t))
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 4000)
	for i := 0; i < 150; i++ {
		if err := st.Send(&testgrpc.StreamingOutputCallRequest{Payload: &testgrpc.Payload{Body: body}}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	_ = st.CloseSend()
	_, _ = st.Recv()
	e := f.out.waitCalls(t, 1)[0]
	list, _ := e.Attributes[grpcaudit.KeyRequestBody].([]any)
	if len(list) != 16 || e.str(grpcaudit.KeyRequestBodyParseStatus) != grpcaudit.ParseTooLarge {
		t.Errorf("captured %d, status %q: %.500s", len(list), e.str(grpcaudit.KeyRequestBodyParseStatus), e.raw)
	}
	if n, _ := e.Attributes[grpcaudit.KeyMessagesReceived].(float64); n != 150 {
		t.Errorf("received %v", e.Attributes[grpcaudit.KeyMessagesReceived])
	}
}
