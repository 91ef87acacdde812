// Command auditkit-demo shows the whole kit working: a real HTTP server on a
// loopback port, wired with slogaudit, httpaudit, authaudit and modelaudit, and
// a scripted client that drives it over real HTTP. The audit JSON lines go to
// standard output; the story of the scenario goes to standard error.
//
//	go run ./cmd/auditkit-demo            # run the scenario once and exit 0
//	go run ./cmd/auditkit-demo -serve     # keep serving for manual curl
//	go run ./cmd/auditkit-demo -out audit.jsonl   # also append lines to a file
//	go run ./cmd/auditkit-demo -chain /tmp/demo/audit.jsonl   # also a chained, signed trail
//	go run ./cmd/auditkit-demo -chain /tmp/demo/audit.jsonl \
//	        -witness-url http://127.0.0.1:9428/insert/jsonline   # witnessed in VictoriaLogs
//	go run ./cmd/auditkit-demo -otlp http://127.0.0.1:4318   # also to an OpenTelemetry Collector
//
// -chain FILE writes the same lines through auditchain.OpenChain: hash-chained,
// with signed checkpoints in FILE.ckpt, the segment header in the handler's
// own format and resource (one slogaudit.Encoder), rotation by renaming FILE
// and FILE.ckpt and sending SIGHUP. The signing key is -key PRIVATE.pem
// (PKCS #8 PEM, as auditkit-verify -genkey writes it) or, without -key,
// auditkit-demo-key.pem in FILE's directory, generated on the first run next
// to its public half auditkit-demo-key.pub.pem and reused by later runs, so
// that several runs make one trail. That key lives with the log only because
// this is a demo: a real signing key stays off the log directory and the
// public key off the writing host.
//
// -witness-url URL (a VictoriaLogs /insert/jsonline URL) also posts every
// checkpoint line as it is written, one JSON line each:
//
//	{"_msg":"<the FILE.ckpt line>","_time":<its time, Unix ns>,"audit.chain.file":"<FILE's name>"}
//
// with _msg_field=_msg, _time_field=_time and _stream_fields=audit.chain.file
// added to the URL unless it sets them, and Content-Type
// application/stream+json (VictoriaLogs stores nothing sent as a form, curl
// -d's default). The posts are synchronous, bounded by a 10-second timeout;
// a failed post goes to the Encoder's OnError, is printed, and makes the exit
// code 1, but never costs a log line. Exported with a LogsQL query
// (audit.chain.file:="audit.jsonl"), the rows are what auditkit-verify
// -witness reads: a witnessed checkpoint missing from the trail is a cut. At
// the end the demo prints the export and verify commands.
//
// -otlp URL ships the same events to an OTLP/HTTP receiver as well (an
// OpenTelemetry Collector's http://HOST:4318, or VictoriaLogs'
// http://HOST:9428/insert/opentelemetry): a second handler in OTLP/JSON,
// fanned out with slog-multi, over an auditsink.OTLP exporter (protobuf,
// gzip, batched, retried). At the end the demo waits up to 10 seconds for
// the queue to drain and prints how many lines were delivered; a line
// dropped or refused makes the exit code 1. A bad URL is exit code 2.
//
// The server trusts 127.0.0.1 as its reverse proxy, so requests from
// 127.0.0.1 carrying X-Forwarded-For are attributed to the forwarded client,
// while the scenario's spoofed request comes from 127.0.0.2, an untrusted
// peer, and is attributed to 127.0.0.2 whatever its header says.
package main
