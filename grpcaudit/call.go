package grpcaudit

import (
	"context"
	"log/slog"
	randv2 "math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/secaudit/auditkit/internal/reqevent"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/secaudit/auditkit/internal/clientip"
	"github.com/secaudit/auditkit/internal/sessionid"
	"github.com/secaudit/auditkit/internal/trusted"
	"github.com/secaudit/auditkit/slogaudit"
)

// MetadataRequestID is the metadata key of a request id set by a trusted
// proxy (Envoy, a gateway); see RequestID.
const MetadataRequestID = "x-request-id"

// maxRequestIDLen bounds an incoming x-request-id.
const maxRequestIDLen = 64

// stateKey finds the call state in a context (see call.Value).
type stateKey struct{}

// call is the per-call state: one allocation holding the lazy scope values
// and what the event needs. It is also the context node that makes RequestID
// work: it embeds the incoming context and answers stateKey itself, which
// saves a context.WithValue.
//
// It embeds trusted.Mark, so the lazy scope values (lazyRequestID, ...,
// which are call under other names) are library-produced values that the
// slogaudit handler writes without redaction. rpc.method is a plain string
// on purpose: with an unknown-service handler it is whatever the client sent.
type call struct {
	trusted.Mark
	context.Context
	ic     *Interceptors
	outer  *call           // the call of other Interceptors this one is nested in, or nil
	method string          // rpc.method: FullMethod without its leading slash
	down   context.Context // the method's context: the scope on top of call
	start  time.Time
	done   bool          // the method returned normally
	stream *serverStream // nil for unary calls
	body   *captured     // the unary request, when captured

	idOnce sync.Once
	id     string
	ipOnce sync.Once
	peerIP netip.Addr
	client string
	peer   string
	sess   sessionid.Memo // a hook that logs with the call's context gets ""
}

// Value implements context.Context.
func (st *call) Value(key any) any {
	if key == (stateKey{}) {
		return st
	}
	return st.Context.Value(key)
}

// scope returns the method's context: the request scope over st. The scope
// holds lazy values: nothing is computed unless a record is logged.
// Converting a pointer to an interface does not allocate.
func (st *call) scope() context.Context {
	scope := [...]slog.Attr{
		slog.Any(slogaudit.KeyRequestID, (*lazyRequestID)(st)),
		slog.Any(slogaudit.KeyClientAddress, (*lazyClient)(st)),
		slog.Any(slogaudit.KeyPeerAddress, (*lazyPeer)(st)),
		slog.String(KeyRPCSystem, SystemGRPC),
		slog.String(KeyRPCMethod, st.method),
		slog.Any(slogaudit.KeySessionID, (*lazySession)(st)),
	}
	n := len(scope)
	if st.ic.c.session == nil {
		n--
	}
	// BeginRequest: the call has its own acting user, empty at first, even
	// under a scope that spans calls (one a stats handler makes per
	// connection); finish ends the call.
	return slogaudit.BeginRequest(st, scope[:n]...)
}

// RequestID returns the request id of the audited call ctx belongs to, or
// "" outside one: 32 lower-case hex, generated, unless the call came from a
// peer in Options.TrustedProxies with exactly one x-request-id of 1 to 64
// bytes of A-Z a-z 0-9 - _ . : that neither the Redactor's value rules nor
// redact.Default()'s flag, which is then taken as it is (so a proxy's id
// joins its access log to the audit trail). A client that is not a trusted
// proxy never chooses it; but a trusted proxy that forwards its own
// client's metadata (grpc-gateway does, for Grpc-Metadata-* headers) lets
// that client choose it: see GatewayHeaderMatcher. A call audited inside
// another one (two Interceptors chained) shares the outer id.
func RequestID(ctx context.Context) string {
	if st, ok := ctx.Value(stateKey{}).(*call); ok {
		return st.requestID()
	}
	return ""
}

func (st *call) requestID() string {
	st.idOnce.Do(func() {
		if st.outer != nil {
			st.id = st.outer.requestID()
			return
		}
		if id := st.incomingID(); id != "" {
			st.id = id
			return
		}
		st.id = newRequestID()
	})
	return st.id
}

// incomingID returns the x-request-id a trusted proxy sent, or "".
func (st *call) incomingID() string {
	c := st.ic.c
	if !c.ip.HasTrustedProxies() {
		return ""
	}
	st.addrs()
	if !st.peerIP.IsValid() || !c.ip.IsTrusted(st.peerIP) {
		return ""
	}
	v := metadata.ValueFromIncomingContext(st.Context, MetadataRequestID)
	// The id is written unredacted (it is a scope value the library
	// vouches for), so a token-shaped one is refused by the default
	// detectors too, even under a Redactor that has none.
	if len(v) != 1 || !validRequestID(v[0]) || c.rules.MatchValue(v[0]) || c.defRules.MatchValue(v[0]) {
		return ""
	}
	return v[0]
}

// newRequestID returns 128 random bits in lower-case hex. math/rand/v2's
// generator (ChaCha8, seeded from the OS, per thread) is unpredictable
// enough for an id that only joins records, and costs a tenth of
// crypto/rand's system call path.
func newRequestID() string {
	const digits = "0123456789abcdef"
	var h [32]byte
	a, b := randv2.Uint64(), randv2.Uint64()
	for i := 15; i >= 0; i-- {
		h[i], h[16+i] = digits[a&15], digits[b&15]
		a, b = a>>4, b>>4
	}
	return string(h[:])
}

// validRequestID reports whether s is 1 to maxRequestIDLen bytes of
// A-Z a-z 0-9 - _ . : (UUIDs, hex, ULIDs, Envoy's ids).
func validRequestID(s string) bool {
	if s == "" || len(s) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// addrs resolves the client and peer addresses once.
func (st *call) addrs() (client, peer string) {
	st.ipOnce.Do(func() {
		p := peerAddr(st.Context)
		st.peerIP = p
		if !p.IsValid() {
			return
		}
		st.peer = p.String()
		r := &st.ic.c.ip
		c := p
		if r.Enabled() {
			c = r.ResolveValues(metadata.ValueFromIncomingContext(st.Context, r.Header()), p)
		}
		if c == p {
			st.client = st.peer
		} else {
			st.client = c.String()
		}
	})
	return st.client, st.peer
}

// peerAddr returns the normalised address of the connection's peer, or an
// invalid one: only a TCP (or UDP) peer has an address. A Unix socket's
// peer "address" is a path the connecting process chose (it can bind to
// "127.0.0.1"), and an in-memory connection has none; then no metadata is
// believed.
//
// The local address settles it when the peer's cannot: grpc.Server.ServeHTTP
// (gRPC mounted on an http.Server) reports the peer as the request's
// RemoteAddr string, whose Network() is always "tcp", even on a Unix socket
// where it is that client-chosen path; its LocalAddr is the http.Server's
// listener address (http.LocalAddrContextKey), a *net.UnixAddr there. A
// connection whose local end is not on an IP network has no peer address.
func peerAddr(ctx context.Context) netip.Addr {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return netip.Addr{}
	}
	return clientip.PeerOn(p.LocalAddr, clientip.PeerOf(p.Addr))
}

// sessionID calls Options.SessionID at most once per call and returns its
// id's keyed hash (SessionKey, else the process's key): a session id is a
// bearer credential, never written as it is.
func (st *call) sessionID() string {
	f := st.ic.c.session
	if f == nil {
		return ""
	}
	return st.sess.Get(func() string { return sessionid.Of(st.ic.c.sessionKey, f(st.down)) })
}

// metadataValue returns the last value of an incoming metadata key, or "".
func (st *call) metadataValue(key string) string {
	if v := metadata.ValueFromIncomingContext(st.Context, key); len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// Lazy scope values. Each is the call state under another name, so that one
// allocation serves them all.
type (
	lazyRequestID call
	lazyClient    call
	lazyPeer      call
	lazySession   call
)

func (v *lazyRequestID) LogValue() slog.Value { return slog.StringValue((*call)(v).requestID()) }
func (v *lazyClient) LogValue() slog.Value {
	c, _ := (*call)(v).addrs()
	return reqevent.Optional(c)
}
func (v *lazyPeer) LogValue() slog.Value {
	_, p := (*call)(v).addrs()
	return reqevent.Optional(p)
}
func (v *lazySession) LogValue() slog.Value { return reqevent.Pseudonym((*call)(v).sessionID()) }
