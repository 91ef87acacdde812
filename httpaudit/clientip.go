package httpaudit

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

const (
	headerXFF       = "X-Forwarded-For"
	headerForwarded = "Forwarded"
)

// ipConfig is the compiled client-address strategy. The zero value means "the
// network peer is the client".
type ipConfig struct {
	trusted   []netip.Prefix // unmapped, masked
	count     int            // TrustedProxyCount
	list      string         // canonical list header walked from the right
	single    string         // canonical ClientIPHeader; replaces the walk
	forwarded bool           // list is RFC 7239 Forwarded
}

func compileIP(o *Options) (ipConfig, error) {
	var c ipConfig
	var errs []error
	for i, s := range o.TrustedProxies {
		p, err := parseTrusted(s)
		if err != nil {
			errs = append(errs, fieldErr("TrustedProxies", i, s, err))
			continue
		}
		c.trusted = append(c.trusted, p)
	}
	if o.TrustedProxyCount < 0 {
		errs = append(errs, fmt.Errorf("httpaudit: TrustedProxyCount %d: must not be negative", o.TrustedProxyCount))
	}
	c.count = max(o.TrustedProxyCount, 0)

	c.list = headerXFF
	if h := o.ForwardedHeader; h != "" {
		switch ch := http.CanonicalHeaderKey(h); ch {
		case headerXFF, headerForwarded:
			c.list = ch
		default:
			errs = append(errs, fmt.Errorf("httpaudit: ForwardedHeader %q: must be %q or %q", h, headerXFF, headerForwarded))
		}
		if len(o.TrustedProxies) == 0 && o.TrustedProxyCount == 0 {
			errs = append(errs, fmt.Errorf("httpaudit: ForwardedHeader %q: needs TrustedProxies or TrustedProxyCount", h))
		}
	}
	c.forwarded = c.list == headerForwarded

	if h := o.ClientIPHeader; h != "" {
		ch := http.CanonicalHeaderKey(h)
		switch {
		case !isToken(h):
			errs = append(errs, fmt.Errorf("httpaudit: ClientIPHeader %q: not a header name", h))
		case ch == headerXFF || ch == headerForwarded:
			errs = append(errs, fmt.Errorf("httpaudit: ClientIPHeader %q: a list header; set ForwardedHeader instead", h))
		case len(o.TrustedProxies) == 0:
			// A single-address header is as spoofable as the client wants
			// unless only a known proxy's copy of it is believed.
			errs = append(errs, fmt.Errorf("httpaudit: ClientIPHeader %q: needs TrustedProxies", h))
		case o.TrustedProxyCount != 0:
			errs = append(errs, fmt.Errorf("httpaudit: ClientIPHeader %q: cannot be combined with TrustedProxyCount", h))
		case o.ForwardedHeader != "":
			errs = append(errs, fmt.Errorf("httpaudit: ClientIPHeader %q: cannot be combined with ForwardedHeader", h))
		}
		c.single = ch
	}
	return c, errors.Join(errs...)
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

// enabled reports whether any header may be believed.
func (c *ipConfig) enabled() bool { return len(c.trusted) > 0 || c.count > 0 }

func (c *ipConfig) isTrusted(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// resolve returns the client and peer addresses of a request; either is
// invalid when unknown (a Unix socket peer, say). The client is the peer
// unless trusted proxies vouch for a header; whenever the header cannot be
// believed (untrusted peer, garbage, too short a chain) the peer is the
// client, so a client-chosen value never wins.
func (c *ipConfig) resolve(h http.Header, remoteAddr string) (client, peer netip.Addr) {
	peer = parsePeer(remoteAddr)
	if !peer.IsValid() || !c.enabled() {
		return peer, peer
	}
	if len(c.trusted) > 0 && !c.isTrusted(peer) {
		return peer, peer
	}
	if c.single != "" {
		if v := h[c.single]; len(v) > 0 {
			// A single-value header sent twice is malformed; the last one
			// is the most likely to come from the nearest proxy.
			if a := parseAddr(v[len(v)-1]); a.IsValid() {
				return a, peer
			}
		}
		return peer, peer
	}
	it := backward{vals: h[c.list]}
	for hop := 1; ; hop++ {
		e, ok := it.next()
		if !ok {
			// All hops trusted or the chain is shorter than the count.
			return peer, peer
		}
		a := c.entry(e)
		switch {
		case c.count == 0: // walk past trusted proxies
			if !a.IsValid() {
				return peer, peer
			}
			if !c.isTrusted(a) {
				return a, peer
			}
		case hop == c.count:
			if !a.IsValid() {
				return peer, peer
			}
			return a, peer
		case len(c.trusted) > 0 && (!a.IsValid() || !c.isTrusted(a)):
			// With both rules, every proxy hop must be a trusted proxy.
			return peer, peer
		}
	}
}

func (c *ipConfig) entry(e string) netip.Addr {
	if c.forwarded {
		return parseForwardedFor(e)
	}
	return parseAddr(e)
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

// parsePeer parses Request.RemoteAddr ("ip:port", or a bare ip in tests).
func parsePeer(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalize(ap.Addr())
	}
	return parseAddr(s)
}

// parseAddr parses one header entry: an address, optionally with a port or in
// brackets. IPv4-mapped IPv6 is unmapped, the zone (an interface name on some
// other host) is dropped, and unspecified addresses are invalid. Anything
// else is invalid.
func parseAddr(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Addr{}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return normalize(a)
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalize(ap.Addr())
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return normalize(a)
		}
	}
	return netip.Addr{}
}

func normalize(a netip.Addr) netip.Addr {
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
		return parseAddr(v)
	}
	return netip.Addr{}
}
