package grpcaudit_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/grpcaudit"
)

// gatewayCall sends one HTTP request with the headers hdr from
// 198.51.100.77 through a real grpc-gateway mux (its AnnotateContext, built
// with opts) to a gRPC server on loopback that trusts the gateway's address,
// and returns the call's event.
func gatewayCall(t *testing.T, audit *grpcaudit.Options, hdr map[string]string, opts ...runtime.ServeMuxOption) event {
	t.Helper()
	out := &sink{}
	a, err := grpcaudit.New(newLogger(out, nil), audit)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(a.ServerOptions()...)
	testgrpc.RegisterTestServiceServer(srv, &service{unary: func(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
		return nil, status.Error(codes.PermissionDenied, "")
	}})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	client := testgrpc.NewTestServiceClient(dial(t, lis.Addr().String(), ""))
	mux := runtime.NewServeMux(opts...)
	err = mux.HandlePath("POST", "/v1/unary", func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		ctx, err := runtime.AnnotateContext(r.Context(), mux, r, "/grpc.testing.TestService/UnaryCall", runtime.WithHTTPPathPattern("/v1/unary"))
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = client.UnaryCall(ctx, &testgrpc.SimpleRequest{})
	})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/v1/unary", nil)
	req.RemoteAddr = "198.51.100.77:5555" // the gateway's HTTP client
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	mux.ServeHTTP(httptest.NewRecorder(), req)
	return out.waitCalls(t, 1)[0]
}

// TestGateway (red team): grpc-gateway, a trusted proxy, forwards every
// Grpc-Metadata-* header of its HTTP client as metadata. With the default
// matcher the client chooses request_id, and with ClientIPHeader or
// ForwardedHeader its own address; x-forwarded-for is safe, because the
// gateway appends the client's address last. GatewayHeaderMatcher drops
// those keys, so the call gets a generated id and the real client.
func TestGateway(t *testing.T) {
	const real = "198.51.100.77"
	trusted := []string{"127.0.0.1"}
	for _, tc := range []struct {
		name    string
		audit   *grpcaudit.Options
		hdr     map[string]string
		spoofed bool // with the default matcher
	}{
		{"x-request-id", &grpcaudit.Options{TrustedProxies: trusted}, map[string]string{"Grpc-Metadata-X-Request-Id": "victim-req-0001"}, true},
		{"x-real-ip", &grpcaudit.Options{TrustedProxies: trusted, ClientIPHeader: "x-real-ip"}, map[string]string{"Grpc-Metadata-X-Real-Ip": "203.0.113.9"}, true},
		{"forwarded", &grpcaudit.Options{TrustedProxies: trusted, ForwardedHeader: "forwarded"}, map[string]string{"Grpc-Metadata-Forwarded": "for=203.0.113.9"}, true},
		{"x-forwarded-for", &grpcaudit.Options{TrustedProxies: trusted},
			map[string]string{"Grpc-Metadata-X-Forwarded-For": "203.0.113.9", "X-Forwarded-For": "198.51.100.1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spoofed := func(e event) bool {
				return e.str("request_id") == "victim-req-0001" || e.str("client.address") == "203.0.113.9"
			}
			e := gatewayCall(t, tc.audit, tc.hdr)
			if spoofed(e) != tc.spoofed {
				t.Errorf("default matcher: client.address %q request_id %q, spoofed %v", e.str("client.address"), e.str("request_id"), tc.spoofed)
			}
			// The gateway writes only x-forwarded-for: reading another
			// key, the peer (the gateway) is the client.
			want := real
			if tc.audit.ForwardedHeader != "" || tc.audit.ClientIPHeader != "" {
				want = "127.0.0.1"
			}
			e = gatewayCall(t, tc.audit, tc.hdr, runtime.WithIncomingHeaderMatcher(grpcaudit.GatewayHeaderMatcher(runtime.DefaultHeaderMatcher)))
			if spoofed(e) || e.str("client.address") != want || !hex32.MatchString(e.str("request_id")) {
				t.Errorf("GatewayHeaderMatcher: client.address %q (want %q) request_id %q", e.str("client.address"), want, e.str("request_id"))
			}
		})
	}
}

// TestGatewayHeaderMatcher: the wrapper drops what next maps to a believed
// key, any spelling, plus the extra keys, and passes the rest through.
func TestGatewayHeaderMatcher(t *testing.T) {
	m := grpcaudit.GatewayHeaderMatcher(runtime.DefaultHeaderMatcher, "X-Envoy-External-Address")
	for h, want := range map[string]string{
		"Grpc-Metadata-X-Request-Id":               "",
		"Grpc-Metadata-X-Forwarded-For":            "",
		"Grpc-Metadata-Forwarded":                  "",
		"Grpc-Metadata-X-Real-Ip":                  "",
		"Grpc-Metadata-X-Envoy-External-Address":   "",
		"Grpc-Metadata-Tenant":                     "Tenant",
		"Authorization":                            "grpcgateway-Authorization",
		"Grpc-Metadata-X-Request-Id-Not-Really-It": "X-Request-Id-Not-Really-It",
	} {
		got, ok := m(h)
		if got != want || ok != (want != "") {
			t.Errorf("%s → %q %v, want %q", h, got, ok, want)
		}
	}
}
