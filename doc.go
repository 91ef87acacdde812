// Package auditkit is security and audit logging for Go, built on log/slog.
//
// This root package holds no code: it documents how the sub-packages fit
// together, and its examples wire the whole kit end to end. Every audit event
// is an ordinary [log/slog.Record] with an event_type attribute; one handler
// turns each record into an OpenTelemetry LogRecord-shaped JSON line, and the
// helper packages only call slog with the right event type and attributes. So
// routing, fan-out, filtering and enrichment are done with any slog tooling,
// github.com/samber/slog-multi first of all.
//
// # Packages
//
//   - [github.com/secaudit/auditkit/slogaudit]: the slog.Handler that writes
//     the envelope, its Options and Limits, the request scope
//     (ContextWithAttrs, SetUser) and every output key.
//   - [github.com/secaudit/auditkit/redact]: the Redactor the handler applies
//     by default (sensitive keys, value detectors, HMAC pseudonyms), with
//     adapters for other handlers (Middleware, ReplaceAttr) and Secret.
//   - [github.com/secaudit/auditkit/httpaudit]: net/http middleware writing
//     one event per request, with client IP behind trusted proxies, route
//     templates, body capture and session correlation.
//   - [github.com/secaudit/auditkit/authaudit]: authentication, authorization
//     and session events, the OWASP Logging Vocabulary as typed functions.
//   - [github.com/secaudit/auditkit/modelaudit]: data-change events
//     (create, update, delete, access) with changed field names.
//   - [github.com/secaudit/auditkit/auditsink]: delivery with stated
//     guarantees: an append-only file, a bounded asynchronous writer, disk-error
//     policies, at-least-one-of-N, and a tamper-evident hash chain.
//
// Commands: [github.com/secaudit/auditkit/cmd/auditkit-demo] runs the kit
// against a real server, [github.com/secaudit/auditkit/cmd/auditkit-verify]
// checks a chained file, and [github.com/secaudit/auditkit/cmd/auditkit-loki-init]
// writes a local Loki/Grafana (and VictoriaLogs) monitoring stack.
//
// # Set-up
//
// One line makes every slog call, and every helper, write audit lines:
//
//	slog.SetDefault(slog.New(slogaudit.NewHandler(os.Stdout, nil)))
//
// Wrap the HTTP handler once, and call the helpers where things happen:
//
//	audit, err := httpaudit.New(nil, &httpaudit.Options{TrustedProxies: []string{"10.0.0.0/8"}})
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.ListenAndServe(addr, audit.Wrap(mux))
//	...
//	authaudit.LoginFailed(r.Context(), username, authaudit.ReasonBadPassword)
//
// The README is the user manual: the envelope, the event catalogue, every
// attribute key and option, composition with slog-multi and the delivery
// guarantees.
package auditkit
