package grpcaudit_test

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/secaudit/auditkit/grpcaudit"
	"github.com/secaudit/auditkit/redact"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestMetadataSpoofing sends proxy metadata and x-request-id over real
// connections from a trusted peer (127.0.0.1) and an untrusted one
// (127.0.0.2): only the trusted peer's metadata is believed, and only a
// well-formed request id that no value rule flags.
func TestMetadataSpoofing(t *testing.T) {
	trusted := &grpcaudit.Options{TrustedProxies: []string{"127.0.0.1/32"}}
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	for _, tc := range []struct {
		name   string
		opts   *grpcaudit.Options
		from   string
		md     []string // key, value pairs
		client string
		reqID  string // "" means generated
	}{
		{"no proxies: XFF ignored", nil, "", []string{"x-forwarded-for", "1.2.3.4", "x-request-id", "abc"}, "127.0.0.1", ""},
		{"trusted peer", trusted, "", []string{"x-forwarded-for", "9.9.9.9, 1.2.3.4", "x-request-id", "req-123"}, "1.2.3.4", "req-123"},
		{"untrusted peer", trusted, "127.0.0.2", []string{"x-forwarded-for", "1.2.3.4", "x-request-id", "req-123"}, "127.0.0.2", ""},
		{"trusted peer, garbage entry", trusted, "", []string{"x-forwarded-for", "1.2.3.4, junk"}, "127.0.0.1", ""},
		{"trusted peer, forwarded not read", trusted, "", []string{"forwarded", "for=1.2.3.4"}, "127.0.0.1", ""},
		{"forwarded configured", &grpcaudit.Options{TrustedProxies: []string{"127.0.0.1"}, ForwardedHeader: "Forwarded"}, "",
			[]string{"forwarded", `for="[2001:db8::7]:443"`, "x-forwarded-for", "1.2.3.4"}, "2001:db8::7", ""},
		{"single header trusted", &grpcaudit.Options{TrustedProxies: []string{"127.0.0.1"}, ClientIPHeader: "X-Real-IP"}, "",
			[]string{"x-real-ip", "5.6.7.8", "x-forwarded-for", "1.2.3.4"}, "5.6.7.8", ""},
		{"single header untrusted", &grpcaudit.Options{TrustedProxies: []string{"127.0.0.1"}, ClientIPHeader: "x-real-ip"}, "127.0.0.2",
			[]string{"x-real-ip", "5.6.7.8"}, "127.0.0.2", ""},
		{"count alone trusts anyone", &grpcaudit.Options{TrustedProxyCount: 1}, "127.0.0.2",
			[]string{"x-forwarded-for", "1.1.1.1, 2.2.2.2", "x-request-id", "req-123"}, "2.2.2.2", ""},
		{"request id too long", trusted, "", []string{"x-request-id", strings.Repeat("a", 65)}, "127.0.0.1", ""},
		{"request id 64 bytes", trusted, "", []string{"x-request-id", strings.Repeat("a", 64)}, "127.0.0.1", strings.Repeat("a", 64)},
		{"request id with spaces", trusted, "", []string{"x-request-id", "a b"}, "127.0.0.1", ""},
		{"request id with quote", trusted, "", []string{"x-request-id", `a"b`}, "127.0.0.1", ""},
		{"request id JSON injection", trusted, "", []string{"x-request-id", `x","user.id":"root`}, "127.0.0.1", ""},
		{"request id a JWT", trusted, "", []string{"x-request-id", jwt}, "127.0.0.1", ""},
		{"request id a short JWT", trusted, "", []string{"x-request-id", "eyJhbGciOiJub25lIn0.eyJhIjoxfQ.c2lnbmF0dXJl"}, "127.0.0.1", ""},
		{"request id a GitHub token", trusted, "", []string{"x-request-id", "ghp_" + strings.Repeat("A1b2", 9)}, "127.0.0.1", ""},
		// The id is written unredacted: the default detectors refuse a
		// token-shaped one even under a Redactor with no value rules.
		{"request id a GitHub token, redact.None", &grpcaudit.Options{TrustedProxies: []string{"127.0.0.1"}, Redactor: redact.None()}, "",
			[]string{"x-request-id", "ghp_" + strings.Repeat("A1b2", 9)}, "127.0.0.1", ""},
		{"request id a GitHub token, zero Redactor", &grpcaudit.Options{TrustedProxies: []string{"127.0.0.1"}, Redactor: &redact.Redactor{}}, "",
			[]string{"x-request-id", "ghp_" + strings.Repeat("A1b2", 9)}, "127.0.0.1", ""},
		{"request id twice", trusted, "", []string{"x-request-id", "one", "x-request-id", "two"}, "127.0.0.1", ""},
		{"request id uuid", trusted, "", []string{"x-request-id", "6f1c2b8e-3d4a-4e5f-9a6b-7c8d9e0f1a2b"}, "127.0.0.1", "6f1c2b8e-3d4a-4e5f-9a6b-7c8d9e0f1a2b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var inside string
			f := newFixture(t, fixtureOpts{audit: tc.opts, from: tc.from, svc: &service{
				unary: func(ctx context.Context, _ *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
					inside = grpcaudit.RequestID(ctx)
					return nil, status.Error(codes.PermissionDenied, "no")
				},
			}})
			ctx := metadata.AppendToOutgoingContext(ctxTimeout(t), tc.md...)
			_, _ = f.client.UnaryCall(ctx, &testgrpc.SimpleRequest{})
			e := f.out.waitCalls(t, 1)[0]
			peerWant := "127.0.0.1"
			if tc.from != "" {
				peerWant = tc.from
			}
			if e.str("client.address") != tc.client || e.str("network.peer.address") != peerWant {
				t.Errorf("client %q peer %q, want %q %q", e.str("client.address"), e.str("network.peer.address"), tc.client, peerWant)
			}
			id := e.str("request_id")
			if tc.reqID == "" && !hex32.MatchString(id) || tc.reqID != "" && id != tc.reqID {
				t.Errorf("request_id %q, want %q", id, tc.reqID)
			}
			if id != inside {
				t.Errorf("RequestID in the method %q, event %q", inside, id)
			}
			if e.str("user.id") != "" || strings.Contains(e.raw, "eyJhbGci") {
				t.Errorf("injected: %s", e.raw)
			}
		})
	}
}

// TestInMemoryPeer: over bufconn the peer has no IP address: the event omits
// both addresses and believes no metadata, whatever the configuration.
func TestInMemoryPeer(t *testing.T) {
	out := &sink{}
	audit, err := grpcaudit.New(newLogger(out, nil), &grpcaudit.Options{TrustedProxyCount: 1, LogOKCalls: true})
	if err != nil {
		t.Fatal(err)
	}
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(audit.ServerOptions()...)
	testgrpc.RegisterTestServiceServer(srv, &service{})
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecureCreds()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(ctxTimeout(t), "x-forwarded-for", "1.2.3.4")
	if _, err := testgrpc.NewTestServiceClient(conn).UnaryCall(ctx, &testgrpc.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	e := out.waitCalls(t, 1)[0]
	for _, k := range []string{"client.address", "network.peer.address"} {
		if _, ok := e.Attributes[k]; ok {
			t.Errorf("%s present: %s", k, e.raw)
		}
	}
	if !hex32.MatchString(e.str("request_id")) || e.str("event_type") != grpcaudit.EventSuccess {
		t.Errorf("event %s", e.raw)
	}
}

// TestGiantMetadata: a long proxy chain (every hop trusted) and a huge
// x-request-id cost a bounded walk and never reach the line raw.
func TestGiantMetadata(t *testing.T) {
	out := &sink{}
	audit, err := grpcaudit.New(newLogger(out, nil), &grpcaudit.Options{TrustedProxies: []string{"10.0.0.0/8"}})
	if err != nil {
		t.Fatal(err)
	}
	chain := strings.Repeat("10.1.2.3, ", 100000) + "10.0.0.9"
	md := metadata.Pairs("x-forwarded-for", "203.0.113.9, "+chain, "x-request-id", strings.Repeat("r", 1<<20))
	ctx := metadata.NewIncomingContext(peer.NewContext(context.Background(),
		&peer.Peer{Addr: &net.TCPAddr{IP: net.ParseIP("10.0.0.1"), Port: 5}}), md)
	_, _ = audit.UnaryServerInterceptor()(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/s.S/M"},
		func(context.Context, any) (any, error) { return nil, status.Error(codes.NotFound, "") })
	e := out.calls(t)
	if len(e) != 1 || e[0].str("client.address") != "203.0.113.9" || !hex32.MatchString(e[0].str("request_id")) || len(e[0].raw) > 4096 {
		t.Fatalf("event %.2000s", out)
	}
}

// TestUnixSocketPeer (red team): a local user connecting to a Unix-socket
// server binds its own socket to the relative path "127.0.0.1", which
// grpc-go reports as the peer address. A path is not an IP address: the
// peer has none, and no metadata is believed, however TrustedProxies reads.
func TestUnixSocketPeer(t *testing.T) {
	for _, name := range []string{"127.0.0.1", "127.0.0.1:80"} {
		t.Run(name, func(t *testing.T) {
			out := &sink{}
			audit, err := grpcaudit.New(newLogger(out, nil), &grpcaudit.Options{TrustedProxies: []string{"127.0.0.1"}})
			if err != nil {
				t.Fatal(err)
			}
			srv := grpc.NewServer(audit.ServerOptions()...)
			testgrpc.RegisterTestServiceServer(srv, &service{unary: func(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
				return nil, status.Error(codes.PermissionDenied, "no")
			}})
			sock := filepath.Join(t.TempDir(), "srv.sock")
			lis, err := net.Listen("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			go func() { _ = srv.Serve(lis) }()
			defer srv.Stop()

			t.Chdir(t.TempDir()) // the client's socket name is relative
			conn, err := grpc.NewClient("passthrough:///x", grpc.WithTransportCredentials(insecureCreds()),
				grpc.WithContextDialer(func(context.Context, string) (net.Conn, error) {
					return net.DialUnix("unix", &net.UnixAddr{Name: name, Net: "unix"}, &net.UnixAddr{Name: sock, Net: "unix"})
				}))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx := metadata.AppendToOutgoingContext(ctxTimeout(t), "x-forwarded-for", "203.0.113.66", "x-request-id", "victims-request-id")
			_, _ = testgrpc.NewTestServiceClient(conn).UnaryCall(ctx, &testgrpc.SimpleRequest{})
			e := out.waitCalls(t, 1)[0]
			for _, k := range []string{"client.address", "network.peer.address"} {
				if _, ok := e.Attributes[k]; ok {
					t.Errorf("%s present: %s", k, e.raw)
				}
			}
			if !hex32.MatchString(e.str("request_id")) {
				t.Errorf("request_id %q believed from a Unix peer", e.str("request_id"))
			}
		})
	}
}

// TestUnixSocketPeerViaServeHTTP (red team 2, B2): grpc.Server mounted on an
// http.Server (grpc.Server.ServeHTTP) listening on a Unix socket. grpc-go
// reports the peer as the request's RemoteAddr string, whose Network() is
// always "tcp", so a client that bound its socket to the path
// "127.0.0.1:80" was taken for the trusted proxy 127.0.0.1 and its
// x-forwarded-for and x-request-id believed. The local address (the
// listener's, a Unix socket) now settles it: the peer has no address. Over
// TCP the same mounting still believes a trusted proxy.
func TestUnixSocketPeerViaServeHTTP(t *testing.T) {
	for _, network := range []string{"unix", "tcp"} {
		t.Run(network, func(t *testing.T) {
			out := &sink{}
			audit, err := grpcaudit.New(newLogger(out, nil), &grpcaudit.Options{
				TrustedProxies: []string{"127.0.0.1"}})
			if err != nil {
				t.Fatal(err)
			}
			gs := grpc.NewServer(audit.ServerOptions()...)
			testgrpc.RegisterTestServiceServer(gs, &service{unary: func(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
				return nil, status.Error(codes.PermissionDenied, "no")
			}})
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = filepath.Join(t.TempDir(), "srv.sock")
			}
			lis, err := net.Listen(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			hs := &http.Server{Handler: gs, Protocols: new(http.Protocols)}
			hs.Protocols.SetUnencryptedHTTP2(true)
			go func() { _ = hs.Serve(lis) }()
			defer hs.Close()

			t.Chdir(t.TempDir()) // the client's socket name is relative
			dialer := func(ctx context.Context, _ string) (net.Conn, error) {
				if network == "unix" {
					return net.DialUnix("unix", &net.UnixAddr{Name: "127.0.0.1:80", Net: "unix"}, &net.UnixAddr{Name: addr, Net: "unix"})
				}
				var d net.Dialer
				return d.DialContext(ctx, "tcp", lis.Addr().String())
			}
			conn, err := grpc.NewClient("passthrough:///x", grpc.WithTransportCredentials(insecureCreds()), grpc.WithContextDialer(dialer))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx := metadata.AppendToOutgoingContext(ctxTimeout(t), "x-forwarded-for", "203.0.113.66", "x-request-id", "victims-request-id")
			_, _ = testgrpc.NewTestServiceClient(conn).UnaryCall(ctx, &testgrpc.SimpleRequest{})
			e := out.waitCalls(t, 1)[0]
			if network == "tcp" {
				if e.str("client.address") != "203.0.113.66" || e.str("request_id") != "victims-request-id" {
					t.Errorf("trusted TCP proxy not believed through ServeHTTP: %s", e.raw)
				}
				return
			}
			for _, k := range []string{"client.address", "network.peer.address"} {
				if _, ok := e.Attributes[k]; ok {
					t.Errorf("%s present: %s", k, e.raw)
				}
			}
			if !hex32.MatchString(e.str("request_id")) {
				t.Errorf("request_id %q believed from a Unix peer", e.str("request_id"))
			}
		})
	}
}

// TestPeerLocalAddrNotIP: a peer whose address claims an IP network but
// whose connection's local end is a Unix socket (grpc-go's ServeHTTP
// transport) has no address, and its metadata is not believed; with a TCP
// local end, or none known, the peer's address stands.
func TestPeerLocalAddrNotIP(t *testing.T) {
	for _, local := range []net.Addr{&net.UnixAddr{Name: "/run/srv.sock", Net: "unix"}, nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 443}} {
		out := &sink{}
		audit, err := grpcaudit.New(newLogger(out, nil), &grpcaudit.Options{TrustedProxies: []string{"127.0.0.1"}})
		if err != nil {
			t.Fatal(err)
		}
		ctx := metadata.NewIncomingContext(peer.NewContext(context.Background(),
			&peer.Peer{Addr: tcpString("127.0.0.1:80"), LocalAddr: local}),
			metadata.Pairs("x-forwarded-for", "203.0.113.66"))
		_, _ = audit.UnaryServerInterceptor()(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/s/M"}, func(context.Context, any) (any, error) {
			return nil, status.Error(codes.PermissionDenied, "no")
		})
		want := "203.0.113.66"
		if _, unix := local.(*net.UnixAddr); unix {
			want = ""
		}
		if got := out.waitCalls(t, 1)[0].str("client.address"); got != want {
			t.Errorf("local %v: client.address %q, want %q", local, got, want)
		}
	}
}

// tcpString is a net.Addr like grpc-go's handler transport's: a string that
// says it is TCP.
type tcpString string

func (a tcpString) Network() string { return "tcp" }
func (a tcpString) String() string  { return string(a) }
