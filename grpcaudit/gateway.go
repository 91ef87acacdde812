package grpcaudit

import "strings"

// GatewayHeaderMatcher wraps a grpc-gateway incoming header matcher (next,
// typically runtime.DefaultHeaderMatcher) so that the gateway's HTTP clients
// cannot set the metadata grpcaudit believes from a trusted proxy:
//
//	mux := runtime.NewServeMux(runtime.WithIncomingHeaderMatcher(
//		grpcaudit.GatewayHeaderMatcher(runtime.DefaultHeaderMatcher)))
//
// A gateway in Options.TrustedProxies is believed, but it forwards what its
// own client sends: every Grpc-Metadata-* header becomes metadata verbatim,
// so an HTTP client chooses the audited request id with
// Grpc-Metadata-X-Request-Id, and its own address with
// Grpc-Metadata-X-Real-Ip (when ClientIPHeader is x-real-ip) or
// Grpc-Metadata-Forwarded (when ForwardedHeader is forwarded). The wrapper
// drops any header that next maps to x-request-id, x-forwarded-for,
// forwarded, x-real-ip or one of keys (pass Options.ClientIPHeader when it
// is another key). The gateway still appends its HTTP client's address to
// x-forwarded-for itself, outside the matcher, which is the entry the
// interceptors read; the call then gets a generated request id.
//
// The gateway writes its client's address to x-forwarded-for only: keep
// ForwardedHeader at its default and set no ClientIPHeader for calls that
// come through it. Without the wrapper, know that its clients choose
// request_id (and, with ClientIPHeader or ForwardedHeader forwarded, their
// address).
//
// next and the result have the type of runtime.HeaderMatcherFunc, so
// grpcaudit needs no dependency on the gateway.
func GatewayHeaderMatcher(next func(string) (string, bool), keys ...string) func(string) (string, bool) {
	drop := map[string]bool{MetadataRequestID: true, "x-forwarded-for": true, "forwarded": true, "x-real-ip": true}
	for _, k := range keys {
		drop[strings.ToLower(k)] = true
	}
	return func(h string) (string, bool) {
		k, ok := next(h)
		if !ok || drop[strings.ToLower(k)] {
			return "", false
		}
		return k, true
	}
}
