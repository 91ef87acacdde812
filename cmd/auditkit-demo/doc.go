// Command auditkit-demo shows the whole kit working: a real HTTP server on a
// loopback port, wired with slogaudit, httpaudit, authaudit and modelaudit, and
// a scripted client that drives it over real HTTP. The audit JSON lines go to
// standard output; the story of the scenario goes to standard error.
//
//	go run ./cmd/auditkit-demo            # run the scenario once and exit 0
//	go run ./cmd/auditkit-demo -serve     # keep serving for manual curl
//	go run ./cmd/auditkit-demo -out audit.jsonl   # also append lines to a file
//
// The server trusts 127.0.0.1 as its reverse proxy, so requests from
// 127.0.0.1 carrying X-Forwarded-For are attributed to the forwarded client,
// while the scenario's spoofed request comes from 127.0.0.2, an untrusted
// peer, and is attributed to 127.0.0.2 whatever its header says.
package main
