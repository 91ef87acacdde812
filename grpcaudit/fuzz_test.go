package grpcaudit_test

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/grpcaudit"
)

// FuzzMetadata sends hostile metadata from a trusted or an untrusted peer
// through every client-address configuration: the line stays valid JSON,
// client.address is the peer or an address the metadata holds (and only a
// trusted peer's, where proxies are listed), and request_id is generated
// unless a trusted peer sent a well-formed one.
func FuzzMetadata(f *testing.F) {
	f.Add("10.0.0.3", "1.1.1.1, 8.8.8.8", `for="[2001:db8::1]:80"`, "9.9.9.9", "req-1")
	f.Add("203.0.113.7", "junk,,10.0.0.1", "for=unknown", "", `a"b\n`)
	f.Fuzz(func(t *testing.T, remote, xff, fwd, realIP, reqID string) {
		peerIP, err := netip.ParseAddr(remote)
		if err != nil {
			peerIP = netip.MustParseAddr("10.0.0.3")
		}
		for _, o := range []grpcaudit.Options{
			{TrustedProxies: []string{"10.0.0.0/8"}},
			{TrustedProxyCount: 2},
			{TrustedProxies: []string{"10.0.0.0/8"}, ForwardedHeader: "forwarded"},
			{TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "x-real-ip"},
		} {
			out := &sink{}
			audit, err := grpcaudit.New(newLogger(out, nil), &o)
			if err != nil {
				t.Fatal(err)
			}
			md := metadata.MD{"x-forwarded-for": {xff}, "forwarded": {fwd}, "x-real-ip": {realIP}, "x-request-id": {reqID}}
			ctx := metadata.NewIncomingContext(peer.NewContext(context.Background(),
				&peer.Peer{Addr: &net.TCPAddr{IP: peerIP.AsSlice(), Port: 1}}), md)
			_, _ = audit.UnaryServerInterceptor()(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/s.S/M"},
				func(context.Context, any) (any, error) { return nil, status.Error(codes.PermissionDenied, "") })
			ev := out.calls(t) // fails on a line that is not JSON
			if len(ev) != 1 {
				t.Fatalf("%d events", len(ev))
			}
			e := ev[0]
			peerStr := peerIP.Unmap().WithZone("").String()
			client := e.str("client.address")
			trusted := netip.MustParsePrefix("10.0.0.0/8").Contains(peerIP.Unmap())
			if peerIP.Unmap().IsUnspecified() {
				if client != "" {
					t.Fatalf("client %q for an unspecified peer", client)
				}
				continue
			}
			if client != peerStr {
				if len(o.TrustedProxies) > 0 && !trusted {
					t.Fatalf("untrusted peer %s chose client %q", peerStr, client)
				}
				if !containsAddr(xff+" "+fwd+" "+realIP, client) {
					t.Fatalf("client %q from nowhere", client)
				}
			}
			id := e.str("request_id")
			if id != reqID || !trusted || len(o.TrustedProxies) == 0 {
				if !hex32.MatchString(id) {
					t.Fatalf("request_id %q (sent %q, trusted %v)", id, reqID, trusted)
				}
			}
		}
	})
}

// containsAddr reports whether some token of s parses to addr.
func containsAddr(s, addr string) bool {
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '=' || r == '"' || r == ' ' }) {
		if h, _, err := net.SplitHostPort(tok); err == nil {
			tok = h
		}
		tok = strings.Trim(tok, "[]")
		if a, err := netip.ParseAddr(strings.TrimSpace(tok)); err == nil && a.Unmap().WithZone("").String() == addr {
			return true
		}
	}
	return false
}
