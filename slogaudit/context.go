package slogaudit

import (
	"context"
	"log/slog"
	"slices"
	"sync/atomic"
)

// User is the acting user of a request: the subject of "who did what".
type User struct {
	// ID is the stable identifier written as user.id.
	ID string
	// Name is written as user.name only when Options.IncludeUsernames is set,
	// or as its pseudonym when the Redactor has an HMAC key.
	Name string
}

// requestScopeKey is the unexported context key of the request scope.
type requestScopeKey struct{}

// requestScope is the request-scoped state carried in a context. attrs is never
// modified after the scope is created, so handlers read it without locking;
// user is a cell shared by a scope and all its children, so SetUser deep in a
// request reaches records logged by outer middleware afterwards.
//
// A root scope keeps its user cell, its request state and a few attributes
// inline, so creating one per request costs a single allocation.
type requestScope struct {
	attrs []slog.Attr
	user  *userCell
	// req is the request the scope belongs to (BeginRequest made it or an
	// ancestor), shared with its ContextWithAttrs children; nil for a scope
	// that is no request's. A request begun inside a live one shares its
	// user (nested middlewares).
	req    *requestState
	cell   userCell
	state  requestState
	inline [8]slog.Attr
}

// requestState is what a request's scopes share besides the user.
type requestState struct {
	// ended: EndRequest was called; a request begun over the scope after
	// that (a context kept past its request) has a user of its own.
	ended atomic.Bool
}

// userCell holds the acting user. p is spanningUser once the scope has
// been the parent of a request (BeginRequest): it spans requests, so it
// holds no user and SetUser on it is refused.
type userCell struct {
	p atomic.Pointer[User]
}

// spanningUser marks a cell whose scope spans requests; it is never a user.
var spanningUser = new(User)

// load returns the user in c, or nil.
func (c *userCell) load() *User {
	if u := c.p.Load(); u != spanningUser {
		return u
	}
	return nil
}

// markSpanning turns c into a spanning scope's cell: a user stored in it
// (by code that ran outside the request's audit middleware) is dropped, and
// later SetUser calls on it are refused.
func (c *userCell) markSpanning() {
	if c.p.Load() != spanningUser {
		c.p.Store(spanningUser)
	}
}

// ContextWithAttrs returns a child of ctx carrying a request scope: every
// record handled with the returned context (or a context derived from it)
// carries attrs and the scope's acting user.
//
// If ctx already has a scope, the new scope inherits its attributes (a later
// attribute with the same key wins) and shares its user, so SetUser anywhere
// in the request is seen everywhere in it. Calling it with no attrs just
// ensures a scope exists, which is what SetUser needs. A scope that spans
// requests (per connection, per server) is made with ContextWithAttrs too;
// each request then begins its own scope over it with BeginRequest, and the
// spanning scope never holds a user (see BeginRequest).
//
// Values may be slog.LogValuer, resolved each time a record is handled; this
// is how middleware attaches values that are costly to compute and only
// needed when something is logged. A LogValuer that resolves to an empty group
// is omitted.
//
// The attrs pass the Redactor's key and value rules like any attribute, the
// request-scope keys too (request_id, session.id, client.address,
// network.peer.address): a raw session token put here as session.id is
// redacted. Only values the library computes itself (httpaudit's request id
// and addresses) and a redact.Pseudonym are written as they are.
func ContextWithAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	s := &requestScope{}
	if parent := requestScopeFrom(ctx); parent != nil {
		s.user, s.req = parent.user, parent.req
		s.inherit(parent, attrs)
	} else {
		s.user = &s.cell
		s.inherit(nil, attrs)
	}
	return context.WithValue(ctx, requestScopeKey{}, s)
}

// BeginRequest returns a child of ctx carrying the request scope of one
// request (an HTTP request, a gRPC call), as httpaudit and grpcaudit make
// for each: like ContextWithAttrs, it inherits the attributes of a scope in
// ctx, but the acting user is the request's own and starts empty. Only
// SetUser inside the request (with the returned context or one derived from
// it) sets it: code that runs before the request is begun, such as an
// authentication middleware placed outside the audit middleware, cannot.
//
// A scope in ctx that is no request's (one made with ContextWithAttrs per
// connection, in a gRPC stats handler or http.Server.ConnContext, or per
// server in BaseContext) spans requests: once BeginRequest has used it as a
// parent it holds no user, UserFromContext finds none in it, and SetUser on
// it does nothing and reports false. So one request's user never reaches
// another request.
//
// When the scope in ctx belongs to a request that has not ended (BeginRequest
// made it or one of its parents: two audit middlewares nested), the new
// scope is part of that request and shares its user, as ContextWithAttrs
// does. A request scope ends with EndRequest (httpaudit and grpcaudit end
// theirs when the handler returns); a request begun over it afterwards (a
// context kept past its request, such as context.WithoutCancel(r.Context())
// used as a base for later work) has a user of its own. Build long-lived
// base contexts from context.Background, not from a request's context.
func BeginRequest(ctx context.Context, attrs ...slog.Attr) context.Context {
	s := &requestScope{}
	s.req = &s.state
	parent := requestScopeFrom(ctx)
	switch {
	case parent == nil:
		s.user = &s.cell
	case parent.req != nil && !parent.req.ended.Load():
		s.user = parent.user
	case parent.req != nil:
		// A context kept past its request: a user of its own, and the
		// ended request's cell is left alone (a request nested in it may
		// share it with an outer one that still runs).
		s.user = &s.cell
	default:
		s.user = &s.cell
		parent.user.markSpanning()
	}
	s.inherit(parent, attrs)
	return context.WithValue(ctx, requestScopeKey{}, s)
}

// EndRequest marks the request of the scope in ctx (see BeginRequest) as
// ended: a request begun over that scope afterwards no longer shares its
// user. httpaudit and grpcaudit call it when the handler returns; call it
// when a request you began yourself is done. Records logged with the
// request's context after it still carry its attributes and user. It does
// nothing when ctx has no request scope.
func EndRequest(ctx context.Context) {
	if s := requestScopeFrom(ctx); s != nil && s.req != nil {
		s.req.ended.Store(true)
	}
}

// inherit sets s.attrs to parent's attributes (none when parent is nil)
// followed by attrs, inline when they fit.
func (s *requestScope) inherit(parent *requestScope, attrs []slog.Attr) {
	var base []slog.Attr
	if parent != nil {
		base = parent.attrs
	}
	switch n := len(base) + len(attrs); {
	case len(base) == 0 && n <= len(s.inline):
		s.attrs = append(s.inline[:0:len(attrs)], attrs...)
	case len(base) == 0:
		s.attrs = slices.Clone(attrs)
	default:
		// Clip so appending never writes into the parent's backing array.
		s.attrs = append(slices.Clip(base), attrs...)
	}
}

// SetUser records u as the acting user of the request scope in ctx. It
// reports false, and does nothing, when ctx carries no scope (see
// ContextWithAttrs; httpaudit and grpcaudit create one for every request),
// or when the scope spans requests (BeginRequest has used it as a parent:
// a connection's or a server's scope). The second case is code that runs
// outside the audit middleware, such as an authentication middleware placed
// before it: call SetUser inside the request instead. It is safe for
// concurrent use.
func SetUser(ctx context.Context, u User) bool {
	s := requestScopeFrom(ctx)
	if s == nil {
		return false
	}
	// Copy before taking the address so u itself does not escape: a call
	// without a scope then costs no allocation.
	cu := u
	for {
		old := s.user.p.Load()
		if old == spanningUser {
			return false
		}
		if s.user.p.CompareAndSwap(old, &cu) {
			return true
		}
	}
}

// UserFromContext returns the acting user set with SetUser on the scope in
// ctx. A scope that spans requests (see BeginRequest) has none.
func UserFromContext(ctx context.Context) (User, bool) {
	s := requestScopeFrom(ctx)
	if s == nil {
		return User{}, false
	}
	if u := s.user.load(); u != nil {
		return *u, true
	}
	return User{}, false
}

// requestScopeFrom returns the scope in ctx, or nil. A nil ctx has no scope.
func requestScopeFrom(ctx context.Context) *requestScope {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(requestScopeKey{}).(*requestScope)
	return s
}

// ScopeValue returns the value of key in the request scope of ctx, resolved
// (a LogValuer, such as httpaudit's lazily computed request id and client
// address, is resolved now), and whether the scope has it. When the scope
// holds the key more than once (a child scope re-set it), the last value
// wins, as in the written line. It reads only the attributes given to
// ContextWithAttrs: the acting user is UserFromContext.
//
// It lets code that sees records before the handler (a slog middleware such
// as detect's, an interceptor) read the request facts the handler will
// write, request_id and client.address above all. It is safe for concurrent
// use and allocates nothing itself.
func ScopeValue(ctx context.Context, key string) (slog.Value, bool) {
	s := requestScopeFrom(ctx)
	if s == nil {
		return slog.Value{}, false
	}
	for i := len(s.attrs) - 1; i >= 0; i-- {
		if s.attrs[i].Key == key {
			return s.attrs[i].Value.Resolve(), true
		}
	}
	return slog.Value{}, false
}
