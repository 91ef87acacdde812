// Package httpaudit is net/http middleware that writes one audit event per
// request through log/slog, in the shape the slogaudit handler turns into an
// OpenTelemetry LogRecord.
//
//	audit, err := httpaudit.New(logger, &httpaudit.Options{
//		TrustedProxies: []string{"10.0.0.0/8"},
//		IgnorePaths:    []string{`^/healthz$`},
//	})
//	if err != nil {
//		log.Fatal(err) // configuration errors surface here, never per request
//	}
//	http.ListenAndServe(addr, audit.Wrap(mux))
//
// # Events
//
// After the response the middleware writes at most one record, with message
// "http.response" and event_type (with Options.FailClosed, also one before
// the handler runs, see Fail-closed):
//
//   - http.response.client_error (WARN) for 4xx;
//   - http.response.server_error (ERROR) for 5xx and for panics, with
//     error.type "panic" (or "abort", at WARN, for http.ErrAbortHandler); the
//     panic is re-raised unchanged afterwards;
//   - http.response.success and http.response.redirect (INFO) only with
//     Options.LogOKResponses, sampled by Options.SampleRate.
//
// Its attributes: event_type, request_id, session.id, client.address,
// network.peer.address, http.request.method, url.scheme, server.address,
// url.path, url.query (opt-in, see Query strings), http.route,
// http.response.status_code, http.response.body.size, user_agent.original,
// user.id, user.name, error.type, request.body and request.body.parse_status
// (opt-in), outcome and duration_ns, plus otel.scope.name naming this
// package. Raw query strings, cookies and Authorization headers are never
// logged.
//
// When no event will be written (a 2xx in the default setting) the cost is
// the request scope (a context and a copy of the request), a ResponseWriter
// wrapper that allocates nothing, and one time.Now: no request id, address
// parsing, route lookup or body parsing.
//
// # Request scope
//
// Every request gets a scope (slogaudit.BeginRequest) so that records
// logged inside it, for example by authaudit, carry request_id,
// client.address, network.peer.address, session.id, http.request.method,
// url.path and http.route. Inner authentication middleware names the acting
// user:
//
//	slogaudit.SetUser(r.Context(), slogaudit.User{ID: id})
//
// and the response event picks it up. The user is the request's own and
// starts empty: a scope that spans requests (one http.Server.ConnContext
// makes per connection, or BaseContext per server) keeps the attributes it
// gives every request, but never a user. Authentication middleware must
// run inside the audit middleware: placed before it, its SetUser lands on
// the spanning scope, reaches no request's event, and reports false once a
// request has begun over that scope. RequestID returns the id, for example for an X-Request-Id
// response header.
//
// The scope values the middleware computes (request_id, client.address,
// network.peer.address, http.route, and session.id, a redact.Pseudonym)
// are marked as produced by the library, so the slogaudit handler writes
// them as they are. http.request.method and url.path come from the client:
// they pass the handler's key and value rules like any attribute (a JWT in
// a path is masked), and so does anything the application adds with
// slogaudit.ContextWithAttrs.
//
// # Sessions
//
// With Options.SessionCookie and Options.SessionKey, session.id is the
// first 16 bytes of HMAC-SHA256(SessionKey, cookie value) in hex: stable
// for the session, never the cookie. Options.SessionID supplies the
// session id from elsewhere instead (a server-side session, a header), and
// session.id is its keyed hash too, never the id: with SessionKey, else
// with a random key made once per process (stable within the process, not
// comparable across instances or restarts). The request that creates a
// session (a login) arrived without its cookie, so it calls SetSession with
// the new token: records logged after the call (auth.login.success,
// session.created) and the login's response event then carry the
// session.id that the session's later requests will carry:
//
//	sid := newSessionToken()
//	httpaudit.SetSession(r.Context(), sid)
//	authaudit.LoginSucceeded(r.Context(), user.ID)
//	authaudit.SessionCreated(r.Context(), user.ID)
//	http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, HttpOnly: true})
//
// With the SessionID hook, SetSession takes the id as the hook returns it
// and hashes it the same way. SetSession reports false outside an audited request or when neither a
// key nor the hook is configured.
//
// # Query strings
//
// Raw query strings are never logged. Options.LogQuery adds url.query with
// every value masked: a parameter name is kept only when it is, decoded, 1
// to 32 bytes of A-Z a-z 0-9 _ . - [ ] and passes the Redactor's key and
// value rules; otherwise the whole parameter is [REDACTED], so a token sent
// as a name (?<token>=, ?password%3Dx%26y=1) never appears. At most 32
// parameters within the first 2 KiB are parsed, whatever the length of the
// query; the rest is one "[TRUNCATED n]" entry, n the bytes not parsed.
//
// # Client address
//
// client.address is the network peer unless Options.TrustedProxies or
// Options.TrustedProxyCount say whose X-Forwarded-For (or RFC 7239
// Forwarded, see Options.ForwardedHeader) to believe. The header is walked
// from the right, the end the nearest proxy appended to; the leftmost entries
// are whatever the client sent and never win by position. Ports, brackets,
// zones and IPv4-mapped IPv6 are normalised, and any doubt (untrusted peer,
// garbage entry, too short a chain) falls back to the peer.
//
// # Route
//
// http.route is the path template of the http.ServeMux pattern that served
// the request. If a middleware between Wrap and the mux copies the request,
// use MuxRoute; for chi:
//
//	Route: func(r *http.Request) string { return chi.RouteContext(r.Context()).RoutePattern() }
//
// # Request bodies
//
// With Options.CaptureBodies the first MaxBodyBytes+1 bytes of a JSON body
// (configured methods and paths only) are read before the handler runs; the
// handler reads the same bytes followed by the rest of the body, so it sees
// exactly what the client sent, and the same error if the upload broke off
// (the event then says request.body.parse_status "incomplete").
// Only when an event is written are they parsed, reduced to
// Options.BodyFields (matched without regard to case, as encoding/json
// does) and redacted; numbers stay json.Number, exact. Username-like fields
// (username, user_name, login, email, ...) follow the slogaudit handler's
// Options.IncludeUsernames exactly like user.name: dropped by default,
// because people type passwords into them.
//
// A request with "Expect: 100-continue" is not read ahead: net/http would
// answer 100 Continue for the handler, which may refuse the request
// unread. Its body is captured as the handler reads it, and if the handler
// stops short, the event says request.body.parse_status "unread". Reading
// ahead also means body capture must stay off streaming and full-duplex
// paths (see Options.BodyPaths).
//
// # Fail-closed
//
// By default logging never changes a response: a failing audit sink is the
// operator's problem (the handler's OnError, the delivery counters), not the
// client's. Options.FailClosed chooses Vault's semantics instead: a request
// that cannot be audited is not served. Before the application handler runs,
// the middleware writes http.request.received (INFO, message "http.request",
// with request_id, session.id, client.address, network.peer.address,
// http.request.method, url.scheme, server.address, url.path, http.route when
// a mux already matched, and user_agent.original) by calling the logger's
// handler directly, because a *slog.Logger discards errors. If the handler is
// not enabled at INFO, or its Handle returns an error or panics, the client
// gets 503 Service Unavailable, the application handler does not run and the
// request body is left unread; Middleware.Stats counts the refusal in
// FailClosedRejections.
//
// Handle's error must mean what it says, so the writer has to be
// synchronous:
//
//	guard := auditsink.NewGuard(file, &auditsink.GuardOptions{Action: auditsink.FailClosed})
//	logger := slog.New(slogaudit.NewHandler(guard, opts))
//	audit, err := httpaudit.New(logger, &httpaudit.Options{FailClosed: true})
//
// or an auditsink.Multi of such sinks, which fails only when none took the
// line. New requires the handler to declare durable writes
// (slogaudit.Durable), which those do. Anything that does not declare it is
// refused: an auditsink.Async (its nil error means queued, not stored), a
// Guard with FailOpen or Suspend (it hides lost lines), and a fan-out or
// wrapping handler or writer (slog-multi, io.MultiWriter), which cannot
// vouch for what it wraps. A writer that hangs hangs the requests.
//
// The response event is still written after the response, where a failure
// can no longer change anything.
package httpaudit
