package grpcaudit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"

	"github.com/secaudit/auditkit/internal/clientip"
	"github.com/secaudit/auditkit/internal/redaction"
	"github.com/secaudit/auditkit/redact"
)

// Options configure Interceptors. A zero Options consists entirely of default
// values: failed calls are audited, successful ones are not, the client
// address is the network peer, the request id is generated, and no payload
// or session is read. New copies and validates it, so later changes have no
// effect.
type Options struct {
	// LogOKCalls also audits calls that end with OK (rpc.call.success). It
	// is the off switch for them, so SampleRate needs no zero value of its
	// own.
	LogOKCalls bool
	// SampleRate is the fraction of OK calls that are audited when
	// LogOKCalls is set. 0 means 1.0 (every one); outside [0, 1] or NaN is
	// an error. Failed calls are never sampled.
	SampleRate float64
	// Rand returns sampling draws in [0, 1); nil means math/rand/v2. A call
	// is kept when the draw is strictly below SampleRate.
	Rand func() float64

	// IgnoreMethods are calls passed through untouched, with no audit work
	// at all: full method names as gRPC spells them
	// ("/grpc.health.v1.Health/Check"), or a whole service written
	// "/package.Service/*". HealthAndReflection lists the health and
	// reflection services.
	IgnoreMethods []string
	// IgnoreCodes are status codes that are never audited (NOT_FOUND for a
	// lookup service, say). Panics are audited whatever code they end with.
	IgnoreCodes []codes.Code

	// TrustedProxies are the CIDRs or bare IP addresses of the proxies in
	// front of the server (an Envoy, a grpc-gateway). A prefix that trusts
	// every address (0.0.0.0/0, ::/0) is an error, and so is a public prefix
	// wider than /8 (IPv4) or /16 (IPv6), as in httpaudit. When the network peer
	// is one of them, the client address is taken from the proxy metadata
	// (see ForwardedHeader and ClientIPHeader), walking it from the right
	// past trusted hops, and an incoming x-request-id is believed. The rules
	// and the code are httpaudit's. Only a TCP peer has an address: over a
	// Unix socket (whose peer "address" is a path the client chose, which
	// can read "127.0.0.1"), served by the grpc.Server itself or by an
	// http.Server through grpc.Server.ServeHTTP, or an in-memory
	// connection, no metadata is believed.
	TrustedProxies []string
	// TrustedProxyCount is the number of proxies in front of the server:
	// the client is the TrustedProxyCount-th entry from the right of the
	// proxy metadata. With TrustedProxies as well, the peer and every entry
	// to the right of the client must be trusted, else the peer is the
	// client. Alone, it trusts the metadata of every peer: use it alone only
	// when the server is unreachable except through the proxies. Above 32
	// is an error.
	TrustedProxyCount int
	// ForwardedHeader is the list metadata key the trusted proxies append
	// to: "x-forwarded-for" (the default; grpc-gateway and Envoy write it) or
	// "forwarded" (RFC 7239 for= parameters). Only one is read, because a
	// client can send the other.
	ForwardedHeader string
	// ClientIPHeader names a single-address metadata key set by the trusted
	// proxy (x-real-ip, x-envoy-external-address, ...). It is read only when
	// the peer is in TrustedProxies, which it therefore requires, and it
	// replaces the walk of the list. A key clients send for another
	// purpose (user-agent, x-request-id, authorization, grpc-*) is an
	// error.
	ClientIPHeader string

	// SessionID returns the session id of a call, or "" for none: the
	// application's server-side id, or the secret the client presented (a
	// session token from the metadata). It is called with the call's
	// context, only when a record is written, at most once per call.
	// session.id is its keyed hash, never the id itself (a session id is a
	// bearer credential), logged as a redact.Pseudonym: with SessionKey, see
	// there; without it, the same hash with a random key made once per
	// process, so session.id then joins a session's calls within one
	// process only, not across instances or restarts.
	SessionID func(ctx context.Context) string
	// SessionKey, at least 16 bytes, makes session.id the first 16 bytes of
	// HMAC-SHA256(SessionKey, what SessionID returned) in hex, as
	// httpaudit's SessionCookie does: stable for one session across
	// instances and restarts, useless for recovering the token. It
	// requires SessionID.
	SessionKey []byte

	// CapturePayloads adds the request message, reduced to PayloadFields
	// and redacted, to the audit event as rpc.request.body: the request of
	// a unary call, or the first PayloadStreamMessages messages a stream
	// received. What the method receives is never changed.
	CapturePayloads bool
	// PayloadMethods, when set, limits capture to methods whose full name
	// matches one of these RE2 expressions (^/bank\.v1\.Accounts/).
	PayloadMethods []string
	// PayloadFields are the top-level fields kept, by their proto name or
	// JSON name ("account_id" or "accountId"); "*" keeps every field; ""
	// is an error.
	// Required with CapturePayloads: values are still redacted, but keeping
	// only named fields is the safe default.
	PayloadFields []string
	// MaxPayloadBytes bounds the wire size of a captured message; 0 means
	// 4096, and above MaxPayloadBytesLimit (1 MiB) is an error. A larger
	// message is reported as rpc.request.body.parse_status "too_large".
	MaxPayloadBytes int
	// PayloadStreamMessages is the number of received messages captured
	// per stream; 0 means 1, and above MaxPayloadStreamMessages (100) is an
	// error. The captured messages of one stream hold at most 16 times
	// MaxPayloadBytes together, and never more than MaxPayloadBytesLimit;
	// a message past that budget is reported as too_large. They are kept
	// (copies) until the stream ends.
	//
	// PayloadMethods, PayloadFields, MaxPayloadBytes and
	// PayloadStreamMessages without CapturePayloads are an error, so that a
	// half-done configuration does not silently capture nothing.
	PayloadStreamMessages int

	// Redactor redacts captured payloads at the source, and checks an
	// incoming x-request-id (which must pass redact.Default()'s value rules
	// as well, whatever this one says). nil means redact.Default().
	Redactor *redact.Redactor

	// RecoverPanics turns a panicking method into an INTERNAL error (with
	// the message "internal error", never the panic's) after auditing it.
	// false (the default) audits the panic and re-raises it unchanged, as
	// gRPC itself does, which ends the process unless something recovers.
	RecoverPanics bool
}

// minSessionKeyLen is the shortest SessionKey accepted (128 bits).
const minSessionKeyLen = 16

// DefaultMaxPayloadBytes is the capture limit when Options.MaxPayloadBytes
// is 0.
const DefaultMaxPayloadBytes = 4096

// MaxPayloadBytesLimit is the largest Options.MaxPayloadBytes New accepts
// (1 MiB): a captured message must fit in one log line (slogaudit's
// MaxRecordBytes, 32 KiB by default), so a larger one would be rendered only
// to be cut.
const MaxPayloadBytesLimit = 1 << 20

// HealthAndReflection returns IgnoreMethods entries for the gRPC health
// service (grpc.health.v1.Health) and both versions of server reflection,
// whose calls are probes and tooling, not audit events. It returns a new
// slice on each call.
func HealthAndReflection() []string {
	return []string{
		"/grpc.health.v1.Health/*",
		"/grpc.reflection.v1.ServerReflection/*",
		"/grpc.reflection.v1alpha.ServerReflection/*",
	}
}

// config is Options compiled once by New; nothing in it is parsed again per
// call.
type config struct {
	logOK      bool
	sampleRate float64
	rand       func() float64
	ignore     ignoreSet
	ignoreCode codeSet
	ip         clientip.Resolver
	session    func(context.Context) string
	sessionKey []byte         // nil: the hook's id is hashed with a per-process key
	payload    *payloadConfig // nil: no capture
	redactor   *redact.Redactor
	rules      *redaction.Rules // redactor's, for x-request-id
	defRules   *redaction.Rules // redact.Default()'s: an x-request-id passes both
	recover    bool
}

// codeSet is a bitmap of status codes 0-63.
type codeSet uint64

func (s *codeSet) add(c codes.Code) { *s |= 1 << c }
func (s codeSet) has(c codes.Code) bool {
	return c < 64 && s&(1<<c) != 0
}

func fieldErr(field string, i int, v any, err error) error {
	return fmt.Errorf("grpcaudit: %s[%d] %q: %w", field, i, fmt.Sprint(v), err)
}

// compile validates o and returns the per-call configuration. Every problem
// is reported, joined, each naming the field and the bad value.
func compile(o *Options) (*config, error) {
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	c := &config{logOK: o.LogOKCalls, rand: o.Rand, session: o.SessionID, redactor: o.Redactor, recover: o.RecoverPanics}
	if c.redactor == nil {
		c.redactor = redact.Default()
	}
	c.rules = redaction.Of(c.redactor)
	c.defRules = redaction.Of(redact.Default())

	switch r := o.SampleRate; {
	case math.IsNaN(r) || r < 0 || r > 1:
		add(fmt.Errorf("grpcaudit: SampleRate %v: must be within [0, 1]", r))
	case r == 0:
		c.sampleRate = 1
	default:
		c.sampleRate = r
	}

	switch k := o.SessionKey; {
	case len(k) > 0 && o.SessionID == nil:
		add(errors.New("grpcaudit: SessionKey: needs SessionID, whose ids it hashes"))
	case len(k) > 0 && len(k) < minSessionKeyLen:
		add(fmt.Errorf("grpcaudit: SessionKey: %d bytes, need at least %d", len(k), minSessionKeyLen))
	case len(k) > 0:
		c.sessionKey = slices.Clone(k)
	}

	c.ignore = compileIgnore(o.IgnoreMethods, add)
	for i, code := range o.IgnoreCodes {
		if code > codes.Unauthenticated {
			add(fieldErr("IgnoreCodes", i, uint32(code), errors.New("not a gRPC status code (0-16)")))
			continue
		}
		c.ignoreCode.add(code)
	}

	ip, err := clientip.Compile(clientip.Config{
		Pkg:               "grpcaudit",
		TrustedProxies:    o.TrustedProxies,
		TrustedProxyCount: o.TrustedProxyCount,
		ForwardedHeader:   o.ForwardedHeader,
		ClientIPHeader:    o.ClientIPHeader,
		Canon:             strings.ToLower,
		ValidName:         isMetadataKey,
	})
	if err != nil {
		add(err)
	}
	c.ip = ip

	c.payload = compilePayload(o, add)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// isMetadataKey reports whether s is a metadata key a client can send: 0-9
// a-z - _ . after lower-casing, not reserved (grpc-), not binary (-bin).
func isMetadataKey(s string) bool {
	s = strings.ToLower(s)
	if s == "" || strings.HasPrefix(s, "grpc-") || strings.HasSuffix(s, "-bin") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func compileRegexps(field string, exprs []string, add func(error)) []*regexp.Regexp {
	var out []*regexp.Regexp
	for i, e := range exprs {
		re, err := regexp.Compile(e)
		if err != nil {
			add(fieldErr(field, i, e, err))
			continue
		}
		out = append(out, re)
	}
	return out
}
