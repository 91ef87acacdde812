// Package clientip resolves the client address of a request behind trusted
// reverse proxies. It is the one implementation that httpaudit (HTTP
// headers) and grpcaudit (gRPC metadata) share, so a fix lands in both.
//
// A Resolver walks a list header (X-Forwarded-For, or RFC 7239 Forwarded)
// from the right, the end the nearest proxy appended to, or reads a
// single-address header set by a trusted proxy. Whenever the header cannot be
// believed (an untrusted peer, a garbage entry, too short a chain) the peer
// is the client, so a client-chosen value never wins.
//
// Headers are read from a map[string][]string: an http.Header or a gRPC
// metadata.MD, whose keys each caller spells its own way (Config.Canon).
package clientip

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Names of the list headers, in HTTP's canonical spelling; Config.Canon
// turns them into the spelling of the caller's map.
const (
	HeaderXFF       = "X-Forwarded-For"
	HeaderForwarded = "Forwarded"
)

// Config is the caller's configuration, with the names of its options in
// error messages.
type Config struct {
	// Pkg prefixes every error ("httpaudit").
	Pkg string
	// TrustedProxies, TrustedProxyCount, ForwardedHeader and ClientIPHeader
	// are the options of the same names in httpaudit and grpcaudit.
	TrustedProxies    []string
	TrustedProxyCount int
	ForwardedHeader   string
	ClientIPHeader    string
	// Canon spells a header name as the keys of the caller's map
	// (http.CanonicalHeaderKey, strings.ToLower for gRPC metadata).
	Canon func(string) string
	// ValidName reports whether a ClientIPHeader is a valid header name.
	ValidName func(string) bool
}

// Resolver is a compiled client-address strategy; it is immutable and safe
// for concurrent use. The zero value means "the network peer is the client".
type Resolver struct {
	trusted   []netip.Prefix // unmapped, masked
	count     int            // TrustedProxyCount
	list      string         // list header walked from the right, as Canon spells it
	single    string         // ClientIPHeader as Canon spells it; replaces the walk
	forwarded bool           // list is RFC 7239 Forwarded
}

// Compile validates c and returns its Resolver. Every problem is reported,
// joined, each naming the option and the bad value.
func Compile(c Config) (Resolver, error) {
	var r Resolver
	var errs []error
	for i, s := range c.TrustedProxies {
		p, err := parseTrusted(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: TrustedProxies[%d] %q: %w", c.Pkg, i, s, err))
			continue
		}
		if p.Bits() == 0 {
			// 0.0.0.0/0 or ::/0 (or ::ffff:0:0/96) makes every peer a
			// proxy: any client's header would be believed.
			errs = append(errs, fmt.Errorf("%s: TrustedProxies[%d] %q: trusts every address, so any client chooses its own; "+
				"list the proxies' addresses, or use TrustedProxyCount alone if the server is reachable only through them", c.Pkg, i, s))
			continue
		}
		if tooWide(p) {
			// A public prefix this wide is no set of proxies, and a few of
			// them trust everything (0.0.0.0/1 and 128.0.0.0/1).
			errs = append(errs, fmt.Errorf("%s: TrustedProxies[%d] %q: prefix %s is wider than /%d of public %s space; "+
				"list the proxies' addresses", c.Pkg, i, s, p, maxWidth(p), family(p)))
			continue
		}
		r.trusted = append(r.trusted, p)
	}
	if n := publicIPv4(r.trusted); n > 1<<(32-MinIPv4Bits) {
		// Many /8s add up to trusting everything just as well.
		errs = append(errs, fmt.Errorf("%s: TrustedProxies: together trust %d public IPv4 addresses, more than a /%d; "+
			"list the proxies' addresses", c.Pkg, n, MinIPv4Bits))
	}
	switch n := c.TrustedProxyCount; {
	case n < 0:
		errs = append(errs, fmt.Errorf("%s: TrustedProxyCount %d: must not be negative", c.Pkg, n))
	case n > MaxProxyCount:
		errs = append(errs, fmt.Errorf("%s: TrustedProxyCount %d: above the limit of %d", c.Pkg, n, MaxProxyCount))
	}
	r.count = min(max(c.TrustedProxyCount, 0), MaxProxyCount)

	xff, fwd := c.Canon(HeaderXFF), c.Canon(HeaderForwarded)
	r.list = xff
	if h := c.ForwardedHeader; h != "" {
		switch ch := c.Canon(h); ch {
		case xff, fwd:
			r.list = ch
		default:
			errs = append(errs, fmt.Errorf("%s: ForwardedHeader %q: must be %q or %q", c.Pkg, h, xff, fwd))
		}
		if len(c.TrustedProxies) == 0 && c.TrustedProxyCount == 0 {
			errs = append(errs, fmt.Errorf("%s: ForwardedHeader %q: needs TrustedProxies or TrustedProxyCount", c.Pkg, h))
		}
	}
	r.forwarded = r.list == fwd

	if h := c.ClientIPHeader; h != "" {
		ch := c.Canon(h)
		switch {
		case !c.ValidName(h):
			errs = append(errs, fmt.Errorf("%s: ClientIPHeader %q: not a header name", c.Pkg, h))
		case ch == xff || ch == fwd:
			errs = append(errs, fmt.Errorf("%s: ClientIPHeader %q: a list header; set ForwardedHeader instead", c.Pkg, h))
		case notAddressHeader(ch):
			errs = append(errs, fmt.Errorf("%s: ClientIPHeader %q: a header clients send for another purpose; "+
				"name the one your proxy writes the client address to (X-Real-IP, ...)", c.Pkg, h))
		case len(c.TrustedProxies) == 0:
			// A single-address header is as spoofable as the client wants
			// unless only a known proxy's copy of it is believed.
			errs = append(errs, fmt.Errorf("%s: ClientIPHeader %q: needs TrustedProxies", c.Pkg, h))
		case c.TrustedProxyCount != 0:
			errs = append(errs, fmt.Errorf("%s: ClientIPHeader %q: cannot be combined with TrustedProxyCount", c.Pkg, h))
		case c.ForwardedHeader != "":
			errs = append(errs, fmt.Errorf("%s: ClientIPHeader %q: cannot be combined with ForwardedHeader", c.Pkg, h))
		}
		r.single = ch
	}
	return r, errors.Join(errs...)
}

// MaxProxyCount is the largest TrustedProxyCount accepted: no deployment
// has more proxies in a row, and a larger count only means the header is
// never believed.
const MaxProxyCount = 32

// The widest TrustedProxies prefixes accepted in public address space (an
// IPv4-mapped IPv6 prefix counts as IPv4). Wider ones are accepted only
// wholly inside non-public space (nonPublic).
const (
	MinIPv4Bits = 8
	MinIPv6Bits = 16
)

// nonPublic are the ranges no public client comes from: private (RFC 1918,
// unique local), shared (RFC 6598), loopback, link-local, "this network",
// multicast and reserved. A proxy prefix wholly inside one may be wide.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("224.0.0.0/3"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
}

// isNonPublic reports whether the (unmapped, masked) prefix p lies wholly
// in nonPublic space.
func isNonPublic(p netip.Prefix) bool {
	for _, q := range nonPublic {
		if q.Addr().Is4() == p.Addr().Is4() && q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// maxWidth is the fewest prefix bits accepted in p's family.
func maxWidth(p netip.Prefix) int {
	if p.Addr().Is4() {
		return MinIPv4Bits
	}
	return MinIPv6Bits
}

func family(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// tooWide reports whether the (unmapped, masked) prefix p is wider than a
// proxy range can be: wider than /8 (IPv4) or /16 (IPv6) and not wholly in
// non-public space.
func tooWide(p netip.Prefix) bool {
	return p.Bits() < maxWidth(p) && !isNonPublic(p)
}

// publicIPv4 counts the public IPv4 addresses the prefixes trust, each
// address once (a prefix inside another listed one adds nothing).
func publicIPv4(ps []netip.Prefix) uint64 {
	var n uint64
	for i, p := range ps {
		if !p.Addr().Is4() || isNonPublic(p) {
			continue
		}
		inside := false
		for j, q := range ps {
			if j != i && q.Addr().Is4() && q.Bits() <= p.Bits() && q.Contains(p.Addr()) && (q.Bits() < p.Bits() || j < i) {
				inside = true
				break
			}
		}
		if !inside {
			n += 1 << (32 - p.Bits())
		}
	}
	return n
}

// notAddressHeader reports whether the header name (any spelling) is one
// that carries something else than a proxy's client address: naming it as
// ClientIPHeader is a mistake that lets the client choose its address.
func notAddressHeader(h string) bool {
	h = strings.ToLower(h)
	switch h {
	case "user-agent", "x-request-id", "x-correlation-id", "authorization", "proxy-authorization",
		"cookie", "set-cookie", "host", "referer", "origin", "via", "forwarded-for",
		"traceparent", "tracestate", "baggage", "b3", "x-amzn-trace-id", "x-cloud-trace-context",
		"x-api-key", "x-csrf-token", "x-xsrf-token", "x-requested-with", "x-http-method-override",
		"content-type", "content-length", "content-encoding", "transfer-encoding", "te", "trailer",
		"accept", "accept-encoding", "accept-language", "cache-control", "pragma", "connection",
		"keep-alive", "upgrade", "expect", "range", "dnt", "priority", "upgrade-insecure-requests",
		"x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-server":
		return true
	}
	for _, prefix := range []string{":", "grpc-", "sec-", "proxy-", "if-", "accept-", "content-", "access-control-", "x-b3-"} {
		if strings.HasPrefix(h, prefix) {
			return true
		}
	}
	return false
}

// parseTrusted parses a CIDR (host bits allowed) or a bare address. Zones are
// rejected: a prefix with a zone would silently match nothing.
func parseTrusted(s string) (netip.Prefix, error) {
	if strings.Contains(s, "%") {
		return netip.Prefix{}, errors.New("zones are not allowed")
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		// Peers are unmapped before matching, so the prefix must be too.
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// Enabled reports whether any header may be believed.
func (r *Resolver) Enabled() bool { return len(r.trusted) > 0 || r.count > 0 }

// HasTrustedProxies reports whether TrustedProxies lists any proxy.
func (r *Resolver) HasTrustedProxies() bool { return len(r.trusted) > 0 }

// IsTrusted reports whether a (normalised, see Normalize) is in
// TrustedProxies. With TrustedProxyCount alone nothing is.
func (r *Resolver) IsTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Header is the one header a Resolver reads (as Config.Canon spells it):
// ClientIPHeader, or the list header. A caller that cannot hand over a map
// fetches its values and calls ResolveValues.
func (r *Resolver) Header() string {
	if r.single != "" {
		return r.single
	}
	return r.list
}

// Resolve returns the client address of a request that came from peer (a
// normalised address, invalid when unknown: a Unix socket, an in-memory
// connection) with headers h. The client is the peer unless trusted proxies
// vouch for a header; whenever the header cannot be believed (untrusted
// peer, garbage, too short a chain) the peer is the client, so a
// client-chosen value never wins. It allocates nothing.
func (r *Resolver) Resolve(h map[string][]string, peer netip.Addr) netip.Addr {
	if !peer.IsValid() || !r.Enabled() {
		return peer
	}
	return r.ResolveValues(h[r.Header()], peer)
}

// ResolveValues is Resolve given the field lines of Header alone.
func (r *Resolver) ResolveValues(vals []string, peer netip.Addr) netip.Addr {
	if !peer.IsValid() || !r.Enabled() {
		return peer
	}
	if len(r.trusted) > 0 && !r.IsTrusted(peer) {
		return peer
	}
	if r.single != "" {
		if v := vals; len(v) > 0 {
			// A single-value header sent twice is malformed; the last one
			// is the most likely to come from the nearest proxy.
			if a := ParseAddr(v[len(v)-1]); a.IsValid() {
				return a
			}
		}
		return peer
	}
	it := backward{vals: vals}
	for hop := 1; ; hop++ {
		e, ok := it.next()
		if !ok {
			// All hops trusted or the chain is shorter than the count.
			return peer
		}
		a := r.entry(e)
		switch {
		case r.count == 0: // walk past trusted proxies
			if !a.IsValid() {
				return peer
			}
			if !r.IsTrusted(a) {
				return a
			}
		case hop == r.count:
			if !a.IsValid() {
				return peer
			}
			return a
		case len(r.trusted) > 0 && (!a.IsValid() || !r.IsTrusted(a)):
			// With both rules, every proxy hop must be a trusted proxy.
			return peer
		}
	}
}

func (r *Resolver) entry(e string) netip.Addr {
	if r.forwarded {
		return parseForwardedFor(e)
	}
	return ParseAddr(e)
}

// backward yields the comma-separated entries of a list header from the
// right, across all its field lines, without allocating.
type backward struct {
	vals []string
	cur  string
	open bool
}

func (b *backward) next() (string, bool) {
	if !b.open {
		if len(b.vals) == 0 {
			return "", false
		}
		b.cur, b.vals, b.open = b.vals[len(b.vals)-1], b.vals[:len(b.vals)-1], true
	}
	i := strings.LastIndexByte(b.cur, ',')
	if i < 0 {
		b.open = false
		return b.cur, true
	}
	e := b.cur[i+1:]
	b.cur = b.cur[:i]
	return e, true
}

// ParsePeer parses a connection's remote address as net/http reports it
// (Request.RemoteAddr): "ip:port" only. Anything else is invalid, a bare
// address too: a Unix socket's peer is a path, and a local user can bind
// its socket to the path "127.0.0.1" (or "127.0.0.1:80", which only the
// caller can tell apart, by the listener's network: see IPNetwork).
func ParsePeer(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return Normalize(ap.Addr())
	}
	return netip.Addr{}
}

// PeerOf returns the normalised address of a connection's peer: a
// *net.TCPAddr or *net.UDPAddr, or another net.Addr whose network is IP
// (see IPNetwork) and whose String is "ip:port". Anything else (a Unix
// socket, whose "address" is a path the peer chose, an in-memory
// connection) is invalid, so no proxy header is believed.
func PeerOf(a net.Addr) netip.Addr {
	switch x := a.(type) {
	case nil:
		return netip.Addr{}
	case *net.TCPAddr:
		if x == nil {
			return netip.Addr{}
		}
		return Normalize(x.AddrPort().Addr())
	case *net.UDPAddr:
		if x == nil {
			return netip.Addr{}
		}
		return Normalize(x.AddrPort().Addr())
	}
	if !IPNetwork(a.Network()) {
		return netip.Addr{}
	}
	return ParsePeer(a.String())
}

// IPNetwork reports whether network (net.Addr.Network) is an IP transport:
// tcp, tcp4, tcp6, udp, udp4 or udp6. A Unix socket ("unix", "unixgram",
// "unixpacket") is not.
func IPNetwork(network string) bool {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
		return true
	}
	return false
}

// PeerOn returns peer, the address of a connection's peer, when the
// connection's local end is on an IP network (or unknown: local nil), and
// an invalid address otherwise: a server on a Unix socket reports the path
// the client bound as the "remote address", and it can read
// "127.0.0.1:80" (red team 2, httpaudit and grpcaudit alike).
func PeerOn(local net.Addr, peer netip.Addr) netip.Addr {
	if local != nil && !IPNetwork(local.Network()) {
		return netip.Addr{}
	}
	return peer
}

// ParseAddr parses one header entry: an address, optionally with a port or
// in brackets. IPv4-mapped IPv6 is unmapped, the zone (an interface name on
// some other host) is dropped, and unspecified addresses are invalid. A zone
// that is no interface name (spaces, quotes: the fuzzer's "% 00") makes the
// entry invalid. Anything else is invalid.
func ParseAddr(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Addr{}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return entry(a)
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return entry(ap.Addr())
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return entry(a)
		}
	}
	return netip.Addr{}
}

// entry normalises a header entry's address, refusing a zone that is not an
// interface name (RFC 6874's unreserved characters).
func entry(a netip.Addr) netip.Addr {
	for _, c := range []byte(a.Zone()) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == '~') {
			return netip.Addr{}
		}
	}
	return Normalize(a)
}

// Normalize unmaps IPv4-mapped IPv6 and drops the zone; an unspecified
// address (0.0.0.0, ::) becomes invalid.
func Normalize(a netip.Addr) netip.Addr {
	a = a.Unmap().WithZone("")
	if a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}

// parseForwardedFor returns the address in the for= parameter of one RFC 7239
// forwarded-element (for=192.0.2.60;proto=http, for="[2001:db8::1]:4711").
// Obfuscated identifiers (unknown, _hidden) are invalid.
func parseForwardedFor(e string) netip.Addr {
	for e != "" {
		var pair string
		pair, e, _ = strings.Cut(e, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "for") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		if v != strings.TrimSpace(v) {
			return netip.Addr{} // no white space inside a quoted value
		}
		return ParseAddr(v)
	}
	return netip.Addr{}
}
