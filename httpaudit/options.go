package httpaudit

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"

	"github.com/secaudit/auditkit/internal/clientip"
	"github.com/secaudit/auditkit/internal/redaction"

	"github.com/secaudit/auditkit/redact"
)

// Options configure a Middleware. A zero Options consists entirely of default
// values: 4xx and 5xx responses are audited, 2xx and 3xx are not, the client
// address is the network peer, and no body, query or session is read. New
// copies and validates it, so later changes have no effect.
type Options struct {
	// LogOKResponses also audits responses below 400 (success and redirect).
	// It is the off switch for them, so SampleRate needs no zero value of its
	// own.
	LogOKResponses bool
	// SampleRate is the fraction of responses below 400 that are audited when
	// LogOKResponses is set. 0 means 1.0 (every one); outside [0, 1] or NaN
	// is an error. 4xx and 5xx responses are never sampled.
	SampleRate float64
	// Rand returns sampling draws in [0, 1); nil means math/rand/v2. A
	// response is kept when the draw is strictly below SampleRate.
	Rand func() float64

	// IgnorePaths are RE2 regular expressions matched against the request
	// path (URL.Path); a request that matches is passed through untouched,
	// with no audit work at all. Anchor them (^/healthz$); a trailing slash
	// is part of the path (^/healthz/?$ ignores both forms).
	//
	// Only a canonical path is ignored: one with no escaping beyond the
	// default (URL.RawPath empty) that path.Clean leaves unchanged but for a
	// trailing slash. Any other request is audited. This departs from
	// matching the cleaned path on purpose: the router sees the
	// raw path, so /admin/../healthz or /admin/%2E%2E/healthz reaches an
	// /admin/* handler in chi while its cleaned form, /healthz, would have
	// switched the audit off.
	IgnorePaths []string
	// IgnoreStatusCodes are response codes (100-599) that are never audited.
	// Panics are audited whatever status they leave behind.
	IgnoreStatusCodes []int

	// TrustedProxies are the CIDRs or bare IP addresses of the reverse
	// proxies in front of the server. When the network peer is one of them,
	// the client address is taken from the proxy header (see ForwardedHeader
	// and ClientIPHeader), walking it from the right past trusted hops.
	// Only a peer on an IP network has an address: on a Unix socket
	// (RemoteAddr is then a path the client chose, which can read
	// "127.0.0.1:80") the request has no peer address and no header is
	// believed. A prefix that trusts every address (0.0.0.0/0, ::/0) is an
	// error, and so is a public prefix wider than /8 (IPv4, IPv4-mapped IPv6
	// included) or /16 (IPv6), or public IPv4 prefixes that together cover
	// more than a /8; wider ones wholly in non-public space (10.0.0.0/8,
	// fc00::/7, ...) are fine.
	TrustedProxies []string
	// TrustedProxyCount is the number of reverse proxies in front of the
	// server: the client is the TrustedProxyCount-th entry from the right of
	// the proxy header. With TrustedProxies as well, the peer and every entry
	// to the right of the client must be trusted, else the peer is the
	// client.
	//
	// Alone, it suits cloud load balancers without fixed addresses, but it
	// trusts the header of every peer: a client that can reach the server
	// directly, bypassing the load balancer, chooses its own address. Use it
	// alone only when the server is unreachable except through the proxies.
	// Above 32 is an error.
	TrustedProxyCount int
	// ForwardedHeader is the list header the trusted proxies append to:
	// "X-Forwarded-For" (the default) or "Forwarded" (RFC 7239, for=
	// parameters). Only one is read, because a client can send the other.
	ForwardedHeader string
	// ClientIPHeader names a single-address header set by the trusted proxy
	// (X-Real-IP, CF-Connecting-IP, ...). It is read only when the peer is in
	// TrustedProxies, which it therefore requires, and it replaces the walk
	// of the list header. A header clients send for another purpose
	// (User-Agent, X-Request-Id, Authorization, Proxy-Authorization, Cookie,
	// Origin, Via, Traceparent, X-Api-Key, Sec-*, ...) is an error.
	ClientIPHeader string

	// Route returns the route template of a request (/users/{id}). nil means
	// the path of the http.ServeMux pattern seen by the request that the
	// middleware passed down (see MuxRoute when a middleware in between
	// copies requests). For chi:
	//
	//	Route: func(r *http.Request) string { return chi.RouteContext(r.Context()).RoutePattern() }
	Route func(*http.Request) string

	// CaptureBodies adds the JSON request body, reduced to BodyFields and
	// redacted, to the audit event as request.body.
	CaptureBodies bool
	// BodyPaths, when set, limits capture to paths matching one of these RE2
	// expressions (matched against the cleaned path).
	//
	// Exclude streaming and full-duplex endpoints (a handler that answers or
	// flushes before it reads the body, bidirectional streams): capture
	// reads up to MaxBodyBytes+1 bytes, or to the end of the body, before
	// the handler runs, so a client that sends the rest only after it sees
	// the response headers waits for a handler that has not started, a
	// deadlock until a timeout ends it. Requests with "Expect: 100-continue"
	// are the exception: their body is captured only as the handler reads
	// it (see ParseUnread).
	BodyPaths []string
	// BodyMethods are the methods whose bodies are captured; empty means
	// POST, PUT and PATCH.
	BodyMethods []string
	// BodyFields are the top-level JSON keys kept; "*" keeps every key.
	// Required with CaptureBodies: values are still redacted, but keeping
	// only named fields is the safe default.
	//
	// Username-like fields (username, user_name, login, email, ...) are
	// kept here, but the slogaudit handler treats request.body.<name> for
	// them exactly like user.name: dropped unless
	// slogaudit.Options.IncludeUsernames is set, or replaced by its HMAC
	// pseudonym when the handler's Redactor has a key, because people type
	// their password into the username field. The list of such names is the
	// handler's (see slogaudit.Options.IncludeUsernames); a handler other
	// than slogaudit's does not know it, so list no username field then.
	//
	// They match keys as encoding/json matches struct fields, without regard
	// to case (Unicode case folding, as bytes.EqualFold), and every key that
	// matches is kept under its own spelling: {"username":"victim",
	// "Username":"attacker"} is logged with both, since an application that
	// decodes into a struct reads "attacker" (the last match wins). Exact,
	// case-sensitive matching would log "victim" alone, the
	// value the application ignored. Key-based redaction applies to such a
	// key when either its own name or the listed field's is sensitive.
	BodyFields []string
	// MaxBodyBytes bounds the bytes read for capture; 0 means 4096, and
	// above MaxBodyBytesLimit (1 MiB) is an error. A larger body is reported
	// as request.body.parse_status "too_large" and reaches the handler
	// intact. The capture buffer grows as bytes arrive, so the limit costs
	// memory only for bodies that long.
	MaxBodyBytes int64

	// SessionCookie names the session cookie. session.id is then the first
	// 16 bytes of HMAC-SHA256(SessionKey, cookie value) in hex: stable for
	// the session, never the cookie itself. It is logged (on the events and
	// in the request scope) as a redact.Pseudonym, so that redact's
	// Middleware and ReplaceAttr in front of any handler keep it, although
	// "session.id" is a sensitive key.
	SessionCookie string
	// SessionKey is the HMAC key for SessionCookie, at least 16 bytes. It
	// also serves SetSession, the session a login creates, and SessionID;
	// set alone (without SessionCookie or SessionID), only SetSession gives
	// requests a session.id, for sessions carried other than in a cookie.
	SessionKey []byte
	// SessionID returns the session id of a request, or "" for none,
	// instead of the cookie (server-side sessions, a token in a header); it
	// must not be combined with SessionCookie. session.id is its keyed hash,
	// as for the cookie, never the id itself (a session id is a bearer
	// credential): with SessionKey, HMAC-SHA256(SessionKey, id); without
	// it, the same with a random key made once per process, so session.id
	// then joins a session's events within one process only, not across
	// instances or restarts. Set SessionKey for that. SetSession takes the
	// id as the hook returns it.
	SessionID func(*http.Request) string

	// LogQuery adds url.query, the query string with every value masked
	// and only safe parameter names kept. Raw query strings are never
	// logged. Parameters keep their order and form name=[REDACTED]; a
	// parameter is masked whole ([REDACTED]) when it has no "=" (a bare
	// token is a value), or when its name, percent-decoded, is not 1 to 32
	// bytes of A-Z a-z 0-9 _ . - [ ], or is a sensitive key under the
	// Redactor's key rules (password=...), or matches its value rules (a
	// token used as a name). With an HMAC Redactor, masked values and
	// parameters are pseudonyms of their decoded text instead.
	//
	// The work is bounded whatever the client sends: only parameters that
	// end within the first 2 KiB of the raw query, and at most 32 of them,
	// are parsed, and the rest becomes one last entry "[TRUNCATED n]", n
	// being the number of bytes of the raw query not parsed:
	//
	//	?q=go&page=2&password=x&eyJhbGciOi...=1&tok  ->  q=[REDACTED]&page=[REDACTED]&[REDACTED]&[REDACTED]&[REDACTED]
	//
	// The handler's own value rules then see url.query like any string.
	LogQuery bool
	// Redactor redacts captured bodies and query values (and decides which
	// query parameter names may be shown) at the source. nil means
	// redact.Default().
	Redactor *redact.Redactor

	// FailClosed refuses requests that cannot be audited (Vault's
	// semantics). Before the application handler runs, every request not
	// matched by IgnorePaths is recorded as http.request.received (INFO) by
	// calling the logger's handler directly, because a *slog.Logger discards
	// errors. When the handler is not enabled at INFO, returns an error or
	// panics, the client gets 503 Service Unavailable, the application
	// handler does not run, the request body is not read, and
	// Middleware.Stats counts a FailClosedRejections.
	//
	// The promise is only as good as the handler's error, so New requires
	// a positive declaration: the logger's handler must declare durable
	// writes (slogaudit.Durable), as a slogaudit.Handler over an auditsink
	// File, Chain, Guard with FailClosed, or Multi of those does. Anything
	// that does not declare it is refused: an auditsink.Async (its nil
	// error means queued), a Guard that swallows errors, an io.MultiWriter
	// or a slog-multi fan-out (they hide what they wrap), os.Stdout. A
	// writer that hangs then hangs requests.
	//
	// The response event is written after the response, as without
	// FailClosed: nothing can be refused any more, and its failure only
	// reaches the handler's OnError. false (the default) is fail-open:
	// logging never changes a response.
	FailClosed bool
}

// DefaultMaxBodyBytes is the capture limit when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 4096

// minSessionKeyLen is the shortest SessionKey accepted (128 bits).
const minSessionKeyLen = 16

// config is Options compiled once by New; nothing in it is parsed again per
// request.
type config struct {
	logOK       bool
	sampleRate  float64
	rand        func() float64
	ignorePaths []*regexp.Regexp
	ignoreCodes statusSet
	ip          clientip.Resolver
	route       func(*http.Request) string
	body        *bodyConfig // nil: no capture
	session     sessionConfig
	logQuery    bool
	redactor    *redact.Redactor
	// queryRules are redactor's rules, for url.query (see query.go).
	queryRules *redaction.Rules
	failClosed bool
}

// statusSet is a bitmap of status codes 0-639.
type statusSet [10]uint64

func (s *statusSet) add(code int) { s[code/64] |= 1 << (code % 64) }
func (s *statusSet) has(code int) bool {
	return code >= 0 && code < 640 && s[code/64]&(1<<(code%64)) != 0
}
func fieldErr(field string, i int, v any, err error) error {
	return fmt.Errorf("httpaudit: %s[%d] %q: %w", field, i, fmt.Sprint(v), err)
}

// compile validates o and returns the per-request configuration. Every
// problem is reported, joined, each naming the field and the bad value.
func compile(o *Options) (*config, error) {
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	c := &config{logOK: o.LogOKResponses, rand: o.Rand, route: o.Route, logQuery: o.LogQuery, redactor: o.Redactor, failClosed: o.FailClosed}
	if c.redactor == nil {
		c.redactor = redact.Default()
	}
	c.queryRules = redaction.Of(c.redactor)

	switch r := o.SampleRate; {
	case math.IsNaN(r) || r < 0 || r > 1:
		add(fmt.Errorf("httpaudit: SampleRate %v: must be within [0, 1]", r))
	case r == 0:
		c.sampleRate = 1
	default:
		c.sampleRate = r
	}

	c.ignorePaths = compileRegexps("IgnorePaths", o.IgnorePaths, add)
	for i, code := range o.IgnoreStatusCodes {
		if code < 100 || code > 599 {
			add(fieldErr("IgnoreStatusCodes", i, code, errors.New("not an HTTP status code (100-599)")))
			continue
		}
		c.ignoreCodes.add(code)
	}

	ip, err := clientip.Compile(clientip.Config{
		Pkg:               "httpaudit",
		TrustedProxies:    o.TrustedProxies,
		TrustedProxyCount: o.TrustedProxyCount,
		ForwardedHeader:   o.ForwardedHeader,
		ClientIPHeader:    o.ClientIPHeader,
		Canon:             http.CanonicalHeaderKey,
		ValidName:         isToken,
	})
	if err != nil {
		add(err)
	}
	c.ip = ip

	body, err := compileBody(o, add)
	if err != nil {
		add(err)
	}
	c.body = body

	c.session, err = compileSession(o)
	if err != nil {
		add(err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
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

// isToken reports whether s is a non-empty HTTP token (RFC 9110 tchar*).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
