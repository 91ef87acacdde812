// Package detect turns attacks into audit events as they happen: a slog
// middleware that watches audit records on their way to the audit handler
// and, when a rule's threshold is crossed, writes a derived event
// detect.<rule> through that same handler, so detections are encoded,
// redacted, chained and shipped like every other audit line.
//
//	d, err := detect.New(nil) // every built-in rule, default thresholds
//	if err != nil { ... }
//	defer d.Close()
//	logger := slog.New(d.Middleware()(slogaudit.NewHandler(w, opts)))
//	// or: slogmulti.Pipe(d.Middleware()).Handler(auditHandler)
//
// Records pass unchanged. The rules read the record's attributes (and those
// bound with With) and the request scope (slogaudit.ScopeValue: client.address
// and request_id, which httpaudit puts there). They see only the records the
// audit handler is enabled for: its level must be WARN or below for the
// built-in rules, and at or below the level of a generic rule's records.
//
// # Rules
//
//	rule                 counts, per key                                   key             owasp.event                 level     default                   source of the default
//	login_fail_account   auth.login.failed                                 the account     authn_login_fail_max        WARN      5 in 10 min, cool-down 10 min   fail2ban jail.conf [DEFAULT] maxretry 5, findtime 10m, bantime 10m
//	login_fail_address   auth.login.failed                                 client.address  excess_rate_limit_exceeded  WARN      6 in 50 s, cool-down 1 min      CrowdSec crowdsecurity/http-generic-bf (capacity 5, leakspeed 10s, blackhole 1m)
//	credential_stuffing  distinct user.name in auth.login.failed           client.address  malicious_attack_tool       CRITICAL  6 in 50 s, cool-down 1 min      CrowdSec crowdsecurity/ssh-bf_user-enum (distinct target_user, capacity 5, leakspeed 10s, blackhole 1m)
//	force_browsing       distinct url.path in http.response.client_error   client.address  malicious_excess_404        WARN      11 in 100 s, cool-down 5 min    CrowdSec crowdsecurity/http-probing (distinct http_path of 400/403/404, capacity 10, leakspeed 10s, blackhole 5m)
//	                     with status 400, 403 or 404
//	probe_volume         http.response.client_error with status 400, 403   client.address  malicious_excess_404        WARN      41 in 20 s, cool-down 1 min     CrowdSec crowdsecurity/http-crawl-non_statics (capacity 40, leakspeed 0.5s, blackhole 1m)
//	                     or 404, distinct or not
//	authz_probing        authz.access.denied                               user.id, else   malicious_direct_reference  CRITICAL  6 in 50 s, cool-down 1 min      CrowdSec LePresidente/http-generic-403-bf (capacity 5, leakspeed 10s, blackhole 1m)
//	                                                                       client.address
//
// The account of a failed login is the account id the application
// resolved (audit.target.user.id), else the username typed (user.name) in
// its canonical form, else user.id. The canonical form of a username, also
// what credential_stuffing counts distinct, folds the variants of one name
// into one: spaces trimmed at both ends, NFKC (fullwidth "ａｌｉｃｅ" and
// other compatibility forms are plain "alice"), invisible characters
// dropped (zero-width spaces and joiners, soft hyphens, bidirectional
// marks, variation selectors, Hangul fillers), simple case folding.
//
// The address rules key an IPv6 address by its /64 (Options.IPv6Prefix):
// whoever has one address of a /64 usually has all 2^64 of them. IPv4
// addresses are keyed whole, IPv4-mapped IPv6 addresses as IPv4. AppSensor names the same detection
// points: AE2 (repeated failed passwords: login_fail_account), AE3 (a high
// rate of logins: login_fail_address), AE1 (many usernames from one source:
// credential_stuffing), ACE3 (force browsing: force_browsing and
// probe_volume). force_browsing counts distinct paths, and url.path has no
// query string (httpaudit's url.query, when logged, masks every value):
// enumerating /invoice?id=1, ?id=2, ... is one path, which probe_volume
// catches by volume, with the threshold CrowdSec applies to an aggressive
// crawl of any kind.
//
// CrowdSec's scenarios are leaky buckets; a rule here is a count in a
// sliding window. A bucket of capacity C leaking one event per L overflows
// on the C+1st event of a burst, so the rule counts C+1 within C×L: every
// burst that overflows the bucket within that time reaches the count. A
// slow, steady attack just above the leak rate overflows the bucket after a
// long time and never reaches the count; lower the Count or widen the Window
// for it. The cool-down is the scenario's blackhole (fail2ban's bantime).
//
// Options.Rules adds generic rules: any event_type, counted per value of any
// attribute, once per episode.
//
// # Episodes
//
// A rule opens an episode for a key when the count (or the number of
// distinct values) in its window reaches Threshold.Count, and writes one
// start event, at the rule's level. Further records for the key extend the
// episode without another event. When the key has been quiet for
// Threshold.Cooldown, the episode ends with a summary (detect.phase "end",
// WARN): the records counted in the whole episode, the first and last time
// seen, the reason it ended (quiet, evicted, closed). Close ends every open
// episode. Both events carry detect.episode.id, the rule, the key, the
// threshold (audit.limit), the window and cool-down, detect.first_seen and
// detect.last_seen, and the request ids of the last records counted
// (detect.request_ids, at most Options.SampleSize). Derived events are
// written with a context of their own (they belong to no single request),
// through the handler the middleware was given, not its With clones.
//
// Keys are shown as they are when the log writes them as they are anyway
// (user.id, audit.target.user.id; client.address, an IPv6 one as its
// prefix "2001:db8:1:2::/64"); any other key, a username above all, is
// shown as a pseudonym: the Redactor's "hmac-sha256:<hex>" of the
// canonical form (the same pseudonym the audit handler writes for a
// user.name typed in that form, when its Redactor has that key), else a
// keyed hash private to the process. The start event of an address key
// also carries the address under its own attribute (client.address), so
// the handler's policy for it applies; no other key value is ever written
// raw, so a sink that receives detections without the audit handler's
// policy (a fan-out, a pager) sees no username.
//
// # Memory and cost
//
// Each rule tracks at most Options.MaxKeys keys, in Options.Shards shards
// with a lock each, all allocated by New. Keys are 64-bit hashes under a
// per-process random seed (hash/maphash), so an attacker can neither
// recover nor collide them; the whole value is hashed, so distinct huge
// usernames stay distinct. Counts are kept in 16 slots per window, so a record leaves
// the window between 15/16 and 16/16 of it after it was seen. Distinct
// values are kept as a fixed set of MaxDistinct 32-bit fingerprints per key,
// each with the slot it was last seen in: exact up to MaxDistinct, which
// bounds the distinct rules' Count.
//
// When a shard is full, a new key evicts the key with the fewest records in
// its window (ties: in turn, from a clock hand), keys in an open episode last:
// Space-Saving's replacement rule, without its count inheritance, so a rule
// never fires on an overestimate. A key with more records in its window than
// the keys arriving after it is never evicted by them: an attacker rotating
// addresses, one record each, cannot reset the count of an address that has
// made two attempts, and rotating keys with c records each cost c requests
// per key (and are detected themselves once c reaches the threshold). A
// key's very first record is indistinguishable from a flood's and can be
// lost to one. Evictions are counted (Stats) and reported in the stream as
// detect.evicted, at most once a minute per rule.
//
// A record no rule counts costs one pass over its attributes; a counted one
// a lock, a map lookup and a few hundred nanoseconds; neither allocates.
// Time comes from Options.Now (tests inject it); by default the monotonic
// clock, so a stepped system clock cannot stretch or reopen a window; an
// injected clock that goes backwards counts in the newest slot, one that
// went back a whole window or more restarts the key's count, and an
// episode whose last record lies in the future has it clamped to now.
//
// Derived events are written after the shard's lock is released. A
// summary is never written before its start event, and Close returns only
// once the events of log calls still running when it began are written.
//
// # In-process and fleet detection
//
// A Detector sees one process. An attack spread over several instances (a
// few logins per instance, each under its threshold) needs the same rules
// over the fleet's combined log: auditkit-loki-init generates them as LogsQL
// stats queries and vmalert alerting rules (type: vlogs) for VictoriaLogs,
// from DefaultThresholds and DefaultProbeStatusCodes, and the e2e tests run
// them against a real VictoriaLogs. The per-account and distinct-username
// rules (login_fail_account, credential_stuffing) need the usernames in the
// log: a Redactor with an HMAC key, the same on every instance, so that the
// handler writes user.name as the same pseudonym everywhere
// (IncludeUsernames would write the raw names instead). The address rules
// need nothing. No Loki ruler rules are generated.
package detect
