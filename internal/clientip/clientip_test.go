package clientip

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/realclientip/realclientip-go"
)

// Options are the fields of Config that tests vary.
type Options struct {
	TrustedProxies    []string
	TrustedProxyCount int
	ForwardedHeader   string
	ClientIPHeader    string
}

// spelling is how a caller's header map spells names: HTTP's canonical
// form (httpaudit) or lower case (gRPC metadata, grpcaudit).
type spelling struct {
	name  string
	canon func(string) string
}

var spellings = []spelling{
	{"http", http.CanonicalHeaderKey},
	{"grpc", strings.ToLower},
}

func mustIP(t testing.TB, o Options) Resolver {
	t.Helper()
	return mustIPAs(t, o, spellings[0])
}

func mustIPAs(t testing.TB, o Options, sp spelling) Resolver {
	t.Helper()
	c, err := Compile(Config{
		Pkg: "test", TrustedProxies: o.TrustedProxies, TrustedProxyCount: o.TrustedProxyCount,
		ForwardedHeader: o.ForwardedHeader, ClientIPHeader: o.ClientIPHeader,
		Canon: sp.canon, ValidName: func(s string) bool { return s != "" && !strings.ContainsAny(s, " :") },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// resolve is what both callers do: parse the peer, then resolve the client.
func resolve(r *Resolver, h map[string][]string, remote string) (client, peer netip.Addr) {
	peer = ParsePeer(remote)
	return r.Resolve(h, peer), peer
}

// respell returns h with its keys spelled by canon.
func respell(h http.Header, canon func(string) string) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[canon(k)] = v
	}
	return out
}

func TestClientIP(t *testing.T) {
	ranges := Options{TrustedProxies: []string{"10.0.0.0/8", "2001:db8:ffff::/48"}}
	count1 := Options{TrustedProxyCount: 1}
	count2 := Options{TrustedProxyCount: 2}
	both2 := Options{TrustedProxies: []string{"10.0.0.0/8"}, TrustedProxyCount: 2}
	fwd := Options{TrustedProxies: []string{"10.0.0.0/8"}, ForwardedHeader: "forwarded"}
	realIP := Options{TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "x-real-ip"}
	xff := func(v ...string) http.Header { return http.Header{"X-Forwarded-For": v} }

	for _, tc := range []struct {
		name   string
		opts   Options
		remote string
		h      http.Header
		client string
		peer   string // "" means same as client
	}{
		// No proxies configured: the peer, whatever the headers say.
		{"direct ignores XFF", Options{}, "203.0.113.10:1234", xff("1.2.3.4"), "203.0.113.10", ""},
		{"direct IPv6 with port", Options{}, "[2001:db8::1]:443", nil, "2001:db8::1", ""},
		{"direct mapped IPv4", Options{}, "[::ffff:192.0.2.1]:80", nil, "192.0.2.1", ""},
		{"direct zone dropped", Options{}, "[fe80::1%eth0]:80", nil, "fe80::1", ""},
		// A bare address is a Unix socket path a local user chose, not a
		// TCP peer: net/http always reports ip:port for TCP.
		{"bare address is no peer", ranges, "10.0.0.3", xff("8.8.8.8"), "", "-"},
		{"unix socket peer", Options{}, "@", xff("1.2.3.4"), "", "-"},
		{"garbage peer with proxies", ranges, "not-an-ip", xff("8.8.8.8"), "", "-"},

		// Trusted ranges: walk from the right past trusted hops.
		{"one proxy", ranges, "10.0.0.3:1", xff("8.8.8.8"), "8.8.8.8", "10.0.0.3"},
		{"spoofed leftmost", ranges, "10.0.0.3:1", xff("1.1.1.1, 8.8.8.8"), "8.8.8.8", "10.0.0.3"},
		{"two trusted hops", ranges, "10.0.0.3:1", xff("1.1.1.1, 8.8.8.8, 10.0.0.2"), "8.8.8.8", "10.0.0.3"},
		{"untrusted peer with XFF", ranges, "203.0.113.5:1", xff("1.1.1.1"), "203.0.113.5", ""},
		{"garbage rightmost", ranges, "10.0.0.3:1", xff("8.8.8.8, garbage"), "10.0.0.3", ""},
		{"garbage left of client", ranges, "10.0.0.3:1", xff("garbage, 8.8.8.8"), "8.8.8.8", "10.0.0.3"},
		{"all hops trusted", ranges, "10.0.0.3:1", xff("10.0.0.7"), "10.0.0.3", ""},
		{"no header", ranges, "10.0.0.3:1", nil, "10.0.0.3", ""},
		{"empty header", ranges, "10.0.0.3:1", xff(""), "10.0.0.3", ""},
		{"multiple XFF headers", ranges, "10.0.0.3:1", xff("1.1.1.1, 2.2.2.2", "8.8.8.8"), "8.8.8.8", "10.0.0.3"},
		{"multiple XFF headers, trusted last", ranges, "10.0.0.3:1", xff("1.1.1.1", "8.8.8.8, 10.0.0.9"), "8.8.8.8", "10.0.0.3"},
		{"IPv6 entry with port", ranges, "10.0.0.3:1", xff("[2001:db8::5]:4711"), "2001:db8::5", "10.0.0.3"},
		{"IPv6 entry in brackets", ranges, "10.0.0.3:1", xff("[2001:db8::5]"), "2001:db8::5", "10.0.0.3"},
		{"IPv4 entry with port", ranges, "10.0.0.3:1", xff("8.8.8.8:1234"), "8.8.8.8", "10.0.0.3"},
		{"IPv6 trusted proxy", ranges, "[2001:db8:ffff::1]:1", xff("2001:db8::7, 2001:db8:ffff::2"), "2001:db8::7", "2001:db8:ffff::1"},
		{"mapped peer matches IPv4 CIDR", ranges, "[::ffff:10.0.0.3]:80", xff("8.8.8.8"), "8.8.8.8", "10.0.0.3"},
		{"mapped entry", ranges, "10.0.0.3:1", xff("::ffff:8.8.8.8"), "8.8.8.8", "10.0.0.3"},
		{"mapped trusted hop", ranges, "10.0.0.3:1", xff("8.8.8.8, ::ffff:10.0.0.2"), "8.8.8.8", "10.0.0.3"},
		{"entry zone dropped", ranges, "10.0.0.3:1", xff("fe80::9%eth0"), "fe80::9", "10.0.0.3"},
		{"unspecified entry", ranges, "10.0.0.3:1", xff("0.0.0.0"), "10.0.0.3", ""},
		{"entry zone not an interface name", ranges, "10.0.0.3:1", xff(`2001:db8::9% "x"`), "10.0.0.3", ""},
		{"leading zeros", ranges, "10.0.0.3:1", xff("010.0.0.1"), "10.0.0.3", ""},
		{"trailing comma", ranges, "10.0.0.3:1", xff("8.8.8.8,"), "10.0.0.3", ""},
		{"bad port", ranges, "10.0.0.3:1", xff("8.8.8.8:http"), "10.0.0.3", ""},
		{"spaces", ranges, "10.0.0.3:1", xff("  1.1.1.1 ,\t8.8.8.8  "), "8.8.8.8", "10.0.0.3"},
		{"forwarded ignored by XFF config", ranges, "10.0.0.3:1", http.Header{"Forwarded": {"for=1.1.1.1"}}, "10.0.0.3", ""},

		// Count alone: the N-th from the right, any peer.
		{"count 1", count1, "203.0.113.5:1", xff("1.1.1.1, 8.8.8.8"), "8.8.8.8", "203.0.113.5"},
		{"count 2", count2, "203.0.113.5:1", xff("1.1.1.1, 8.8.8.8, 9.9.9.9"), "8.8.8.8", "203.0.113.5"},
		{"count too short", count2, "203.0.113.5:1", xff("8.8.8.8"), "203.0.113.5", ""},
		{"count target garbage", count1, "203.0.113.5:1", xff("1.1.1.1, junk"), "203.0.113.5", ""},
		{"count across headers", count2, "203.0.113.5:1", xff("1.1.1.1, 8.8.8.8", "9.9.9.9"), "8.8.8.8", "203.0.113.5"},

		// Both, as the seed: peer and every hop right of the client trusted.
		{"seed 2 proxies", both2, "10.0.0.3:1", xff("8.8.8.8, 10.0.0.2"), "8.8.8.8", "10.0.0.3"},
		{"seed spoofed hop", both2, "10.0.0.3:1", xff("8.8.8.8, 203.0.113.99"), "10.0.0.3", ""},
		{"seed too short", both2, "10.0.0.3:1", xff("8.8.8.8"), "10.0.0.3", ""},
		{"seed garbage hop", both2, "10.0.0.3:1", xff("8.8.8.8, junk"), "10.0.0.3", ""},
		{"seed untrusted peer", both2, "203.0.113.1:1", xff("8.8.8.8, 10.0.0.2"), "203.0.113.1", ""},
		{"seed one proxy", Options{TrustedProxies: []string{"127.0.0.1"}, TrustedProxyCount: 1}, "127.0.0.1:9", xff("1.1.1.1, 8.8.8.8"), "8.8.8.8", "127.0.0.1"},

		// RFC 7239 Forwarded.
		{"forwarded params", fwd, "10.0.0.3:1", http.Header{"Forwarded": {"for=192.0.2.60;proto=http;by=203.0.113.43"}}, "192.0.2.60", "10.0.0.3"},
		{"forwarded quoted IPv6 port", fwd, "10.0.0.3:1", http.Header{"Forwarded": {`for="[2001:db8:cafe::17]:4711"`}}, "2001:db8:cafe::17", "10.0.0.3"},
		{"forwarded quoted IPv6", fwd, "10.0.0.3:1", http.Header{"Forwarded": {`For="[2001:db8::1]"`}}, "2001:db8::1", "10.0.0.3"},
		{"forwarded spoofed leftmost", fwd, "10.0.0.3:1", http.Header{"Forwarded": {"for=1.1.1.1, for=8.8.8.8;proto=https", "for=10.0.0.2"}}, "8.8.8.8", "10.0.0.3"},
		{"forwarded unknown", fwd, "10.0.0.3:1", http.Header{"Forwarded": {"for=unknown"}}, "10.0.0.3", ""},
		{"forwarded obfuscated left", fwd, "10.0.0.3:1", http.Header{"Forwarded": {"for=_hidden, for=8.8.8.8"}}, "8.8.8.8", "10.0.0.3"},
		{"forwarded without for", fwd, "10.0.0.3:1", http.Header{"Forwarded": {"proto=https;by=10.0.0.3"}}, "10.0.0.3", ""},
		{"forwarded ignores XFF", fwd, "10.0.0.3:1", http.Header{"X-Forwarded-For": {"1.1.1.1"}}, "10.0.0.3", ""},

		// A single-address header from a trusted proxy.
		{"real ip", realIP, "10.0.0.3:1", http.Header{"X-Real-Ip": {"8.8.8.8"}}, "8.8.8.8", "10.0.0.3"},
		{"real ip untrusted peer", realIP, "203.0.113.5:1", http.Header{"X-Real-Ip": {"8.8.8.8"}}, "203.0.113.5", ""},
		{"real ip garbage", realIP, "10.0.0.3:1", http.Header{"X-Real-Ip": {"8.8.8.8, 9.9.9.9"}}, "10.0.0.3", ""},
		{"real ip last value", realIP, "10.0.0.3:1", http.Header{"X-Real-Ip": {"1.1.1.1", "[2001:db8::3]:80"}}, "2001:db8::3", "10.0.0.3"},
		{"real ip ignores XFF", realIP, "10.0.0.3:1", xff("8.8.8.8"), "10.0.0.3", ""},
	} {
		// The same table with HTTP's spelling of header names and with
		// gRPC metadata's (lower case): one resolver, two maps.
		for _, sp := range spellings {
			t.Run(sp.name+"/"+tc.name, func(t *testing.T) {
				c := mustIPAs(t, tc.opts, sp)
				client, peer := resolve(&c, respell(tc.h, sp.canon), tc.remote)
				wantPeer := tc.peer
				switch wantPeer {
				case "":
					wantPeer = tc.client
				case "-":
					wantPeer = ""
				}
				if got := addrString(client); got != tc.client {
					t.Errorf("client = %q, want %q", got, tc.client)
				}
				if got := addrString(peer); got != wantPeer {
					t.Errorf("peer = %q, want %q", got, wantPeer)
				}
			})
		}
	}
}

func addrString(a interface {
	IsValid() bool
	String() string
}) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// TestClientIPMatchesRealClientIP walks every chain of up to three entries
// from a pool of valid, trusted, malformed and odd addresses and checks that
// our walk agrees with realclientip-go's rightmost strategies (where it finds
// nothing, we fall back to the peer; zones we drop).
func TestClientIPMatchesRealClientIP(t *testing.T) {
	pool := []string{"8.8.8.8", "10.0.0.2", "junk", "[2001:db8::5]:80", "::ffff:10.0.0.9", "1.2.3.4:99",
		"", "0.0.0.0", " 9.9.9.9 ", "fe80::1%eth0", "::", "2001:db8::1", "[10.1.1.1]"}
	var chains [][]string
	var grow func(prefix []string)
	grow = func(prefix []string) {
		chains = append(chains, prefix)
		if len(prefix) == 3 {
			return
		}
		for _, e := range pool {
			grow(append(prefix[:len(prefix):len(prefix)], e))
		}
	}
	grow(nil)

	ranges, err := realclientip.AddressesAndRangesToIPNets("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	type strat struct {
		name   string
		opts   Options
		header string
		theirs realclientip.Strategy
	}
	var strats []strat
	for _, hdr := range []string{"X-Forwarded-For", "Forwarded"} {
		rs, _ := realclientip.NewRightmostTrustedRangeStrategy(hdr, ranges)
		strats = append(strats, strat{"range " + hdr, Options{TrustedProxies: []string{"10.0.0.0/8"}, ForwardedHeader: hdr}, hdr, rs})
		for n := 1; n <= 3; n++ {
			cs, _ := realclientip.NewRightmostTrustedCountStrategy(hdr, n)
			strats = append(strats, strat{"count " + hdr, Options{TrustedProxyCount: n, ForwardedHeader: hdr}, hdr, cs})
		}
	}
	const peer = "10.0.0.1"
	checked := 0
	for _, s := range strats {
		c := mustIP(t, s.opts)
		for _, chain := range chains {
			h := http.Header{}
			if chain != nil {
				v := strings.Join(chain, ",")
				if s.header == "Forwarded" {
					parts := make([]string, len(chain))
					for i, e := range chain {
						parts[i] = `for="` + e + `"`
					}
					v = strings.Join(parts, ",")
				}
				h.Set(s.header, v)
			}
			want := s.theirs.ClientIP(h, net.JoinHostPort(peer, "1"))
			want, _, _ = strings.Cut(want, "%")
			if want == "" {
				want = peer
			}
			client, _ := resolve(&c, h, net.JoinHostPort(peer, "1"))
			if got := addrString(client); got != want {
				t.Errorf("%s %q: got %q, realclientip %q", s.name, h.Values(s.header), got, want)
			}
			checked++
		}
	}
	t.Logf("%d chains agree", checked)
}

func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.3:1", "1.1.1.1, 8.8.8.8", `for="[2001:db8::1]:80"`, 1)
	f.Add("[::ffff:10.0.0.3]:80", "junk,,", "for=unknown", 0)
	f.Fuzz(func(t *testing.T, remote, xff, fwd string, n int) {
		n = min(max(n, 0), 4)
		for _, o := range []Options{
			{TrustedProxies: []string{"10.0.0.0/8"}},
			{TrustedProxyCount: n},
			{TrustedProxies: []string{"10.0.0.0/8"}, TrustedProxyCount: n, ForwardedHeader: "Forwarded"},
		} {
			c := mustIP(t, o)
			h := http.Header{"X-Forwarded-For": {xff}, "Forwarded": {fwd}}
			client, peer := resolve(&c, h, remote)
			if client.IsValid() != peer.IsValid() {
				t.Fatalf("client %v without peer %v", client, peer)
			}
			if client.IsValid() && (client.Zone() != "" || client.Is4In6() || client.IsUnspecified()) {
				t.Fatalf("client %v not normalised", client)
			}
			// Whatever the headers, the client is the peer or an entry of
			// the header the strategy reads.
			if client.IsValid() && client != peer && !containsAddr(xff+" "+fwd, client.String()) {
				t.Fatalf("client %v from nowhere (XFF %q, Forwarded %q)", client, xff, fwd)
			}
		}
	})
}

// containsAddr allows for the textual forms netip normalises (2001:0db8::1
// → 2001:db8::1) by re-parsing every token of s.
func containsAddr(s, addr string) bool {
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '=' || r == '"' || r == ' ' }) {
		if a := ParseAddr(tok); a.IsValid() && a.String() == addr {
			return true
		}
	}
	return false
}

// TestPeerOf: only an IP transport's address is a peer; a Unix socket's
// path is whatever the connecting process bound, "127.0.0.1:80" included.
func TestPeerOf(t *testing.T) {
	type otherAddr struct{ net.Addr }
	for _, tc := range []struct {
		a    net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("10.0.0.3"), Port: 1}, "10.0.0.3"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:10.0.0.3"), Port: 1}, "10.0.0.3"},
		{&net.UDPAddr{IP: net.ParseIP("2001:db8::1"), Port: 1}, "2001:db8::1"},
		{(*net.TCPAddr)(nil), ""},
		{nil, ""},
		{&net.UnixAddr{Name: "127.0.0.1", Net: "unix"}, ""},
		{&net.UnixAddr{Name: "127.0.0.1:80", Net: "unix"}, ""},
		{&net.UnixAddr{Name: "@", Net: "unix"}, ""},
		{otherAddr{&net.TCPAddr{IP: net.ParseIP("10.0.0.4"), Port: 2}}, "10.0.0.4"},
		{otherAddr{&net.UnixAddr{Name: "10.0.0.4:2", Net: "unixpacket"}}, ""},
	} {
		if got := addrString(PeerOf(tc.a)); got != tc.want {
			t.Errorf("PeerOf(%#v) = %q, want %q", tc.a, got, tc.want)
		}
	}
}

// TestCompileRefuses (red team): configurations that let any client choose
// its address, or that mean nothing, are errors for httpaudit and
// grpcaudit alike.
func TestCompileRefuses(t *testing.T) {
	for _, o := range []Options{
		{TrustedProxies: []string{"0.0.0.0/0"}},
		{TrustedProxies: []string{"::/0"}, ClientIPHeader: "X-Real-Ip"},
		{TrustedProxies: []string{"::ffff:0.0.0.0/96"}},
		{TrustedProxyCount: MaxProxyCount + 1},
		{TrustedProxyCount: 1 << 62},
		{TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "User-Agent"},
		{TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "x-request-id"},
		{TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "Authorization"},
		{TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "grpc-accept-encoding"},
	} {
		for _, sp := range spellings {
			_, err := Compile(Config{
				Pkg: "test", TrustedProxies: o.TrustedProxies, TrustedProxyCount: o.TrustedProxyCount,
				ForwardedHeader: o.ForwardedHeader, ClientIPHeader: o.ClientIPHeader,
				Canon: sp.canon, ValidName: func(s string) bool { return s != "" && !strings.ContainsAny(s, " :") },
			})
			if err == nil {
				t.Errorf("%s: %+v accepted", sp.name, o)
			}
		}
	}
	for _, o := range []Options{
		{TrustedProxies: []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8"}},
		{TrustedProxies: []string{"fc00::/7", "fe80::/10", "::1"}},
		{TrustedProxies: []string{"8.0.0.0/8", "2001:db8::/16", "::ffff:8.0.0.0/104"}},
		{TrustedProxies: []string{"35.191.0.0/16", "130.211.0.0/22"}},
		{TrustedProxyCount: MaxProxyCount},
		{TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "X-Envoy-External-Address"},
		{TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "X-Real-Ip"},
		{TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "True-Client-Ip"},
		{TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "CF-Connecting-IP"},
	} {
		mustIP(t, o)
	}
}

// TestCompileRefusesWidePrefixes (red team 2, B3): trust-everything split
// into parts (two /1 halves, IPv4-mapped halves, IPv6 halves) or a public
// prefix too wide to be a set of proxies was accepted, since only /0 was
// refused. A public prefix wider than /8 (IPv4, IPv4-mapped IPv6 included)
// or /16 (IPv6) is refused, naming the field and the prefix; so are public
// IPv4 prefixes that together trust more than a /8.
func TestCompileRefusesWidePrefixes(t *testing.T) {
	for _, tc := range []struct {
		tp   []string
		want string // in the error
	}{
		{[]string{"0.0.0.0/1", "128.0.0.0/1"}, `TrustedProxies[0] "0.0.0.0/1": prefix 0.0.0.0/1`},
		{[]string{"::ffff:0:0/97", "::ffff:128.0.0.0/97"}, `TrustedProxies[1] "::ffff:128.0.0.0/97": prefix 128.0.0.0/1`},
		{[]string{"::/1", "8000::/1"}, `TrustedProxies[1] "8000::/1": prefix 8000::/1 is wider than /16 of public IPv6`},
		{[]string{"0.0.0.0/1"}, "wider than /8 of public IPv4"},
		{[]string{"2000::/3"}, `"2000::/3"`},
		{[]string{"10.0.0.0/8", "8.0.0.0/7"}, `TrustedProxies[1] "8.0.0.0/7"`},
		{[]string{"fc00::/6"}, `"fc00::/6"`},
		{[]string{"8.0.0.0/8", "9.0.0.0/8", "11.0.0.0/8"}, "together trust"},
	} {
		_, err := Compile(Config{Pkg: "test", TrustedProxies: tc.tp,
			Canon: strings.ToLower, ValidName: func(s string) bool { return s != "" }})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q", tc.tp, err, tc.want)
		}
	}
	// The same prefix listed twice, or inside another, is counted once.
	if _, err := Compile(Config{Pkg: "test", TrustedProxies: []string{"8.0.0.0/8", "8.0.0.0/8", "8.8.0.0/16"},
		Canon: strings.ToLower, ValidName: func(s string) bool { return s != "" }}); err != nil {
		t.Errorf("overlapping /8: %v", err)
	}
}

// TestCompileRefusesHeaders (red team 2, B3): a ClientIPHeader that clients
// send for another purpose is refused in any spelling.
func TestCompileRefusesHeaders(t *testing.T) {
	for _, h := range []string{"Proxy-Authorization", "Origin", "Via", "Traceparent", "Tracestate", "X-Api-Key",
		"X-Csrf-Token", "Cookie", "Host", "Referer", "Sec-Websocket-Key", "Sec-Ch-Ua", "X-Correlation-Id",
		"Baggage", "Accept-Language", "Content-Type", "If-None-Match", "Proxy-Connection"} {
		for _, sp := range spellings {
			_, err := Compile(Config{Pkg: "test", TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: h,
				Canon: sp.canon, ValidName: func(s string) bool { return s != "" && !strings.ContainsAny(s, " :") }})
			if err == nil || !strings.Contains(err.Error(), "another purpose") {
				t.Errorf("%s: ClientIPHeader %q: %v", sp.name, h, err)
			}
		}
	}
}

// TestPeerOn: a peer on a connection whose local end is a Unix socket has
// no address, whatever its "remote address" reads.
func TestPeerOn(t *testing.T) {
	p := netip.MustParseAddr("127.0.0.1")
	for _, tc := range []struct {
		local net.Addr
		want  netip.Addr
	}{
		{nil, p},
		{&net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 443}, p},
		{&net.UnixAddr{Name: "/run/app.sock", Net: "unix"}, netip.Addr{}},
		{&net.UnixAddr{Name: "@abstract", Net: "unixpacket"}, netip.Addr{}},
	} {
		if got := PeerOn(tc.local, p); got != tc.want {
			t.Errorf("PeerOn(%v) = %v, want %v", tc.local, got, tc.want)
		}
	}
}
