package detect

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"time"

	"github.com/secaudit/auditkit/redact"
)

// Threshold configures one rule: it opens an episode when Count records (or,
// for the distinct-count rules, Count distinct values) fall within Window for
// one key, and the episode ends after Cooldown without a record for that key.
// A zero field takes the rule's default (see the package documentation for
// the defaults and where they come from).
type Threshold struct {
	// Off disables the rule.
	Off bool
	// Count is the number of records, or of distinct values, within Window
	// that opens an episode. At least 1; at most MaxDistinct for the
	// distinct-count rules.
	Count int
	// Window is the sliding window the count covers, between MinWindow and
	// MaxWindow. The window slides in 16 steps: a record leaves the count
	// between 15/16 and 16/16 of a window after it was seen.
	Window time.Duration
	// Cooldown is how long a key must stay quiet (no record counted) for its
	// episode to end with a summary; until then further records extend the
	// episode and raise no new event. At most MaxWindow; zero means the
	// rule's default.
	Cooldown time.Duration
}

// Rule is a generic rule: it counts the records whose event_type is
// EventType per value of the attribute Key, and opens an episode at
// Threshold.Count within Threshold.Window.
type Rule struct {
	// Name names the rule: the derived events are detect.<Name>. Lower-case
	// letters, digits and underscores, 1 to 40 characters, not a built-in
	// rule's name nor "evicted".
	Name string
	// EventType is the event_type of the records the rule counts.
	EventType string
	// Key is the attribute to count by. A request-scope key (client.address,
	// network.peer.address, session.id, request_id) is read from the request
	// scope (slogaudit.ScopeValue) before the record; user.id falls back to
	// the scope's acting user. Any other key is read from the record's
	// attributes (and those bound with With). A record without the key is
	// not counted.
	Key string
	// Threshold must have a Count and a Window; Cooldown defaults to Window.
	Threshold Threshold
	// OWASPEvent is the owasp.event of the derived events; default
	// excess_rate_limit_exceeded.
	OWASPEvent string
	// Level of the start event: slog.LevelWarn or above. Zero
	// (slog.LevelInfo, too low for a detection) means slog.LevelWarn.
	Level slog.Level
}

// Options configures a Detector. A zero Options enables every built-in rule
// with its defaults.
type Options struct {
	// LoginFailAccount: failed logins (auth.login.failed) per target
	// account: audit.target.user.id, else user.name in its canonical form
	// (see the package documentation), else user.id.
	LoginFailAccount Threshold
	// LoginFailAddress: failed logins per client.address.
	LoginFailAddress Threshold
	// CredentialStuffing: distinct user.name values (canonical forms) in
	// failed logins per client.address.
	CredentialStuffing Threshold
	// ForceBrowsing: distinct url.path values of responses with a status in
	// ProbeStatusCodes (httpaudit's http.response.client_error) per
	// client.address.
	ForceBrowsing Threshold
	// ProbeVolume: responses with a status in ProbeStatusCodes per
	// client.address, distinct paths or not (enumeration through the query
	// string or a body).
	ProbeVolume Threshold
	// ProbeStatusCodes are the statuses ForceBrowsing and ProbeVolume
	// count; nil means 400, 403 and 404 (CrowdSec http-probing). An empty,
	// non-nil slice means none: the two rules then count nothing.
	ProbeStatusCodes []int
	// AuthzProbing: authorization failures (authz.access.denied) per acting
	// user.id, or per client.address when there is none.
	AuthzProbing Threshold
	// IPv6Prefix is how many leading bits of an IPv6 address make the key
	// of the address rules (login_fail_address, credential_stuffing,
	// force_browsing, probe_volume, authz_probing for anonymous callers,
	// generic rules keyed by client.address or network.peer.address):
	// whoever holds one address usually holds its whole /64 (one host, one
	// cloud VM, one home line), and would otherwise get 2^64 fresh keys.
	// Default 64; 32 to 128 (128 keys each address). IPv4 addresses are
	// keyed whole, IPv4-mapped IPv6 addresses as IPv4.
	IPv6Prefix int
	// Rules are generic rules, checked after the built-in ones.
	Rules []Rule

	// MaxKeys bounds the keys each rule tracks; default 4096, at least
	// Shards, at most MaxKeysLimit, rounded down to a multiple of Shards.
	// New allocates it all: about 2 KiB per key for the six built-in rules
	// (9 MiB by default). When a rule is full, a new key evicts the key with
	// the fewest records in its window (see the package documentation).
	MaxKeys int
	// Shards splits each rule's keys over independently locked shards so
	// that logging goroutines rarely wait for each other; a power of two,
	// default 16, at most 256.
	Shards int
	// SampleSize is how many request ids the derived events carry: zero
	// means 4, negative none, at most 16.
	SampleSize int
	// Redactor turns usernames and other identity keys into the pseudonyms
	// the log itself uses (redact.Redactor.Hash, "hmac-sha256:<hex>") when it
	// has an HMAC key, so an episode's key matches the user.name of the
	// lines that caused it. Without one, such keys are shown as a keyed hash
	// private to this process ("h:<16 hex>").
	Redactor *redact.Redactor
	// SweepInterval is how often a background goroutine ends quiet
	// episodes and reports evictions; default 1s. Negative: no goroutine,
	// the application calls Sweep (tests with an injected clock do).
	SweepInterval time.Duration
	// Now is the clock (tests); nil means the monotonic clock, read as
	// wall time from the moment New ran.
	Now func() time.Time
	// OnError receives errors of the downstream handler while writing a
	// derived event; nil ignores them (they are counted in Stats).
	OnError func(error)
}

// Bounds of the configuration.
const (
	// MinWindow and MaxWindow bound Threshold.Window (and Cooldown).
	MinWindow = time.Second
	MaxWindow = 7 * 24 * time.Hour
	// MaxDistinct is the largest Count of a distinct-count rule: each key
	// keeps a fixed set of MaxDistinct value fingerprints, exact up to it.
	MaxDistinct = 32
	// MaxCount bounds the Count of every other rule.
	MaxCount = 1 << 30
	// MaxKeysLimit bounds Options.MaxKeys: about 560 MiB allocated by New
	// for the built-in rules.
	MaxKeysLimit = 1 << 18

	defaultMaxKeys    = 4096
	defaultShards     = 16
	defaultSampleSize = 4
	maxShards         = 256
	maxSampleSize     = 16
	defaultSweep      = time.Second
	defaultIPv6Prefix = 64
	minIPv6Prefix     = 32
)

// Defaults of the built-in rules; the package documentation gives their
// sources.
var (
	defaultLoginFailAccount   = Threshold{Count: 5, Window: 10 * time.Minute, Cooldown: 10 * time.Minute}
	defaultLoginFailAddress   = Threshold{Count: 6, Window: 50 * time.Second, Cooldown: time.Minute}
	defaultCredentialStuffing = Threshold{Count: 6, Window: 50 * time.Second, Cooldown: time.Minute}
	defaultForceBrowsing      = Threshold{Count: 11, Window: 100 * time.Second, Cooldown: 5 * time.Minute}
	defaultProbeVolume        = Threshold{Count: 41, Window: 20 * time.Second, Cooldown: time.Minute}
	defaultAuthzProbing       = Threshold{Count: 6, Window: 50 * time.Second, Cooldown: time.Minute}
	defaultProbeStatusCodes   = []int{400, 403, 404}
)

// DefaultThresholds returns the built-in rules' default thresholds, by rule
// name.
func DefaultThresholds() map[string]Threshold {
	return map[string]Threshold{
		RuleLoginFailAccount:   defaultLoginFailAccount,
		RuleLoginFailAddress:   defaultLoginFailAddress,
		RuleCredentialStuffing: defaultCredentialStuffing,
		RuleForceBrowsing:      defaultForceBrowsing,
		RuleProbeVolume:        defaultProbeVolume,
		RuleAuthzProbing:       defaultAuthzProbing,
	}
}

// DefaultProbeStatusCodes returns the statuses ForceBrowsing counts when
// Options.ProbeStatusCodes is nil: 400, 403 and 404.
func DefaultProbeStatusCodes() []int { return slices.Clone(defaultProbeStatusCodes) }

var ruleName = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// withDefaults fills t's zero fields from def and checks it; field names the
// option in errors.
func (t Threshold) withDefaults(def Threshold, field string, maxCount int) (Threshold, error) {
	if t.Count == 0 {
		t.Count = def.Count
	}
	if t.Window == 0 {
		t.Window = def.Window
	}
	if t.Cooldown == 0 {
		t.Cooldown = def.Cooldown
		if t.Cooldown == 0 {
			t.Cooldown = t.Window
		}
	}
	var errs []error
	if t.Count < 1 || t.Count > maxCount {
		errs = append(errs, fmt.Errorf("detect: %s.Count %d: want 1..%d", field, t.Count, maxCount))
	}
	if t.Window < MinWindow || t.Window > MaxWindow {
		errs = append(errs, fmt.Errorf("detect: %s.Window %v: want %v..%v", field, t.Window, MinWindow, MaxWindow))
	}
	if t.Cooldown < 0 || t.Cooldown > MaxWindow {
		errs = append(errs, fmt.Errorf("detect: %s.Cooldown %v: want 0..%v", field, t.Cooldown, MaxWindow))
	}
	return t, errors.Join(errs...)
}

// check validates the options that are not thresholds, filling defaults.
func (o *Options) check() error {
	var errs []error
	if o.Shards == 0 {
		o.Shards = defaultShards
	}
	if o.Shards < 1 || o.Shards > maxShards || o.Shards&(o.Shards-1) != 0 {
		errs = append(errs, fmt.Errorf("detect: Shards %d: want a power of two in 1..%d", o.Shards, maxShards))
	}
	if o.MaxKeys == 0 {
		o.MaxKeys = defaultMaxKeys
	}
	if o.MaxKeys < max(o.Shards, 1) || o.MaxKeys > MaxKeysLimit {
		errs = append(errs, fmt.Errorf("detect: MaxKeys %d: want Shards (%d)..%d", o.MaxKeys, o.Shards, MaxKeysLimit))
	}
	switch {
	case o.SampleSize == 0:
		o.SampleSize = defaultSampleSize
	case o.SampleSize < 0:
		o.SampleSize = 0
	case o.SampleSize > maxSampleSize:
		errs = append(errs, fmt.Errorf("detect: SampleSize %d: want at most %d (0: the default %d; negative: none)",
			o.SampleSize, maxSampleSize, defaultSampleSize))
	}
	if o.IPv6Prefix == 0 {
		o.IPv6Prefix = defaultIPv6Prefix
	}
	if o.IPv6Prefix < minIPv6Prefix || o.IPv6Prefix > 128 {
		errs = append(errs, fmt.Errorf("detect: IPv6Prefix %d: want %d..128", o.IPv6Prefix, minIPv6Prefix))
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = defaultSweep
	}
	if o.ProbeStatusCodes == nil {
		o.ProbeStatusCodes = defaultProbeStatusCodes
	}
	for _, c := range o.ProbeStatusCodes {
		if c < 100 || c > 999 {
			errs = append(errs, fmt.Errorf("detect: ProbeStatusCodes: %d is not an HTTP status", c))
		}
	}
	return errors.Join(errs...)
}

// checkRule validates generic rule i, whose name must not be in taken.
func checkRule(i int, r *Rule, taken map[string]bool) error {
	field := fmt.Sprintf("Rules[%d]", i)
	var errs []error
	switch {
	case !ruleName.MatchString(r.Name):
		errs = append(errs, fmt.Errorf("detect: %s.Name %q: want 1 to 40 of [a-z0-9_]", field, r.Name))
	case taken[r.Name]:
		errs = append(errs, fmt.Errorf("detect: %s.Name %q: already taken", field, r.Name))
	}
	taken[r.Name] = true
	if r.EventType == "" {
		errs = append(errs, fmt.Errorf("detect: %s.EventType is empty", field))
	}
	if r.Key == "" {
		errs = append(errs, fmt.Errorf("detect: %s.Key is empty", field))
	}
	if r.Threshold.Off {
		errs = append(errs, fmt.Errorf("detect: %s.Threshold.Off: remove the rule instead", field))
	}
	if r.Threshold.Count == 0 || r.Threshold.Window == 0 {
		errs = append(errs, fmt.Errorf("detect: %s.Threshold needs a Count and a Window", field))
	} else if _, err := r.Threshold.withDefaults(Threshold{}, field+".Threshold", MaxCount); err != nil {
		errs = append(errs, err)
	}
	if r.Level != 0 && r.Level < slog.LevelWarn {
		errs = append(errs, fmt.Errorf("detect: %s.Level %v: want WARN or above", field, r.Level))
	}
	return errors.Join(errs...)
}
