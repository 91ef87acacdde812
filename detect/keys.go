package detect

// ScopeName is the instrumentation scope of every event the detector writes,
// attached as the slogaudit.KeyScopeName attribute.
const ScopeName = "github.com/secaudit/auditkit/detect"

// EventPrefix starts the event_type of every derived event: detect.<rule>.
const EventPrefix = "detect."

// Names of the built-in rules; a derived event's event_type is EventPrefix
// followed by the name (detect.login_fail_account, ...).
const (
	// RuleLoginFailAccount counts failed logins per target account
	// (AppSensor AE2; OWASP authn_login_fail_max).
	RuleLoginFailAccount = "login_fail_account"
	// RuleLoginFailAddress counts failed logins per client address: brute
	// force (AppSensor AE3; OWASP excess_rate_limit_exceeded).
	RuleLoginFailAddress = "login_fail_address"
	// RuleCredentialStuffing counts distinct usernames in failed logins per
	// client address (AppSensor AE1; OWASP malicious_attack_tool).
	RuleCredentialStuffing = "credential_stuffing"
	// RuleForceBrowsing counts distinct paths answered 400, 403 or 404 per
	// client address (AppSensor ACE3; OWASP malicious_excess_404).
	RuleForceBrowsing = "force_browsing"
	// RuleProbeVolume counts responses answered 400, 403 or 404 per client
	// address, distinct or not: enumeration through the query string
	// (/invoice?id=1, ?id=2, ...) or a request body is one url.path to
	// RuleForceBrowsing (AppSensor ACE3; OWASP malicious_excess_404).
	RuleProbeVolume = "probe_volume"
	// RuleAuthzProbing counts authorization failures per acting user, or per
	// client address for anonymous callers: direct object reference probing
	// (OWASP malicious_direct_reference).
	RuleAuthzProbing = "authz_probing"
)

// EventEvicted is the event_type of the report the detector writes when a
// rule had to evict tracked keys to make room (see Stats.Evictions): a flood
// of new keys, often an attacker rotating addresses, is itself worth a look.
const EventEvicted = "detect.evicted"

// Attribute keys of derived events. owasp.event, audit.limit and the
// event_type are the authaudit and slogaudit keys.
const (
	// KeyRule is the rule's name.
	KeyRule = "detect.rule"
	// KeyPhase is PhaseStart on the event that opens an episode and PhaseEnd
	// on its summary.
	KeyPhase = "detect.phase"
	// KeyEpisodeID joins the start of an episode to its summary (16 hex).
	KeyEpisodeID = "detect.episode.id"
	// KeyKey is what the rule counts by: an address or user id as it is, any
	// other value (a username above all) as a pseudonym, never raw.
	KeyKey = "detect.key"
	// KeyKeyAttribute names the attribute the key was read from
	// (client.address, user.name, ...).
	KeyKeyAttribute = "detect.key.attribute"
	// KeyCount is the number of records counted: in the window on the start
	// event, in the whole episode on the summary.
	KeyCount = "detect.count"
	// KeyDistinct is the number of distinct values (usernames, paths) in the
	// window, for the distinct-count rules; it saturates at MaxDistinct.
	KeyDistinct = "detect.distinct"
	// KeyDistinctAttribute names the attribute whose distinct values are
	// counted (user.name, url.path).
	KeyDistinctAttribute = "detect.distinct.attribute"
	// KeyWindow is the rule's window, in nanoseconds.
	KeyWindow = "detect.window"
	// KeyCooldown is the rule's cool-down, in nanoseconds.
	KeyCooldown = "detect.cooldown"
	// KeyFirstSeen and KeyLastSeen are the times of the first and the last
	// record counted in the episode.
	KeyFirstSeen = "detect.first_seen"
	KeyLastSeen  = "detect.last_seen"
	// KeyRequestIDs lists the request_id of the last records counted (at
	// most Options.SampleSize): the requests to look at first.
	KeyRequestIDs = "detect.request_ids"
	// KeyEndReason says why an episode ended: EndQuiet, EndEvicted, EndClosed.
	KeyEndReason = "detect.end_reason"
	// KeyEvictions is the number of keys evicted since the last report, on
	// EventEvicted.
	KeyEvictions = "detect.evictions"
	// KeyCapacity is the number of keys a rule can track (Options.MaxKeys).
	KeyCapacity = "detect.capacity"
)

// Values of KeyPhase and KeyEndReason.
const (
	PhaseStart = "start"
	PhaseEnd   = "end"

	// EndQuiet: no record counted for the key during a whole cool-down.
	EndQuiet = "quiet"
	// EndEvicted: the key was evicted to make room (every tracked key was
	// in an episode).
	EndEvicted = "evicted"
	// EndClosed: Detector.Close ended the episode.
	EndClosed = "closed"
)
