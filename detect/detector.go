package detect

import (
	"errors"
	"hash/maphash"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secaudit/auditkit/redact"
)

// Detector watches audit records on their way to a handler and writes a
// derived audit event when a rule's threshold is crossed. Create it with
// New, put Middleware in front of the audit handler, and Close it on
// shutdown. A Detector is safe for concurrent use.
type Detector struct {
	rules   []*rule
	byEvent []eventRules
	// etLens has bit n set for the length n of each byEvent event type
	// (bit 63: 63 or more), so rulesFor turns most event types away
	// without comparing strings.
	etLens uint64
	now    func() time.Time
	seed   maphash.Seed // key hashes
	v6bits int          // IPv6 addresses are keyed by this prefix
	// start and startNS are the default clock's origin, used while now is
	// nil (see nowNS).
	start   time.Time
	startNS int64
	fpSeed  maphash.Seed // distinct-value fingerprints
	pseudo  *redact.Redactor
	onError func(error)

	closed     atomic.Bool
	emitErrors atomic.Uint64
	// inflight counts the goroutines writing derived events decided under
	// a shard lock: Close waits for them. Add is only called under a shard
	// lock while closed is false, so every Add happens before Close's end
	// has passed that shard, hence before its Wait.
	inflight  sync.WaitGroup
	sweepMu   sync.Mutex // one Sweep (or Close) at a time
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// eventRules are the rules that count records of one event_type, and need
// the built-in attributes they read (bit j: view.f index j).
type eventRules struct {
	eventType string
	rules     []*rule
	need      uint8
	lens      uint64 // lensOf(need | event_type)
}

// noRules is rulesFor's answer for an event type no rule counts.
var noRules = eventRules{lens: lensOf(1 << fEventType)}

// rootCell holds a downstream handler; rule.root is written rarely (only
// when the handler changes) and read by Sweep.
type rootCell struct{ p atomic.Pointer[slog.Handler] }

// New returns a Detector for opts (nil means a zero Options: every built-in
// rule with its defaults). Every invalid field is reported, joined, naming
// the field. Unless opts.SweepInterval is negative, New starts the goroutine
// that ends quiet episodes; Close stops it.
func New(opts *Options) (*Detector, error) {
	var o Options
	if opts != nil {
		o = *opts
		o.Rules = append([]Rule(nil), opts.Rules...)
		o.ProbeStatusCodes = slices.Clone(opts.ProbeStatusCodes) // nil stays nil, empty stays empty
	}
	errs := []error{o.check()}
	rules, err := builtins(&o)
	errs = append(errs, err)
	taken := map[string]bool{"evicted": true}
	for _, n := range []string{RuleLoginFailAccount, RuleLoginFailAddress, RuleCredentialStuffing, RuleForceBrowsing, RuleProbeVolume, RuleAuthzProbing} {
		taken[n] = true
	}
	for i := range o.Rules {
		if err := checkRule(i, &o.Rules[i], taken); err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, generic(o.Rules[i]))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	d := &Detector{
		rules:   rules,
		now:     o.Now,
		seed:    maphash.MakeSeed(),
		fpSeed:  maphash.MakeSeed(),
		pseudo:  o.Redactor,
		onError: o.OnError,
		v6bits:  o.IPv6Prefix,
	}
	if d.now == nil {
		// Wall time advanced by the monotonic clock: a stepped system clock
		// cannot reopen or stretch a window.
		// (nowNS reads it while d.now is nil).
		d.start = time.Now()
		d.startNS = d.start.UnixNano()
	}
	for _, r := range rules {
		r.eventType = EventPrefix + r.name
		r.distinctField = fieldIndex(r.distinct)
		r.tab = newTable(o.MaxKeys, o.Shards, o.SampleSize, r.th.Window, r.distinct != "")
		i := 0
		for i < len(d.byEvent) && d.byEvent[i].eventType != r.match {
			i++
		}
		if i == len(d.byEvent) {
			d.byEvent = append(d.byEvent, eventRules{eventType: r.match})
		}
		d.byEvent[i].rules = append(d.byEvent[i].rules, r)
		d.byEvent[i].need |= r.needs()
		d.byEvent[i].lens = lensOf(d.byEvent[i].need | 1<<fEventType)
		d.etLens |= 1 << min(len(r.match), 63)
	}
	if o.SweepInterval > 0 {
		d.stop, d.done = make(chan struct{}), make(chan struct{})
		go d.sweeper(o.SweepInterval)
	}
	return d, nil
}

// Middleware returns the slog middleware (a slogmulti.Middleware) that
// feeds the Detector: every record passes to the next handler unchanged,
// and derived events go to that same handler, so they are encoded,
// redacted, chained and shipped like the rest. Put it in front of the audit
// handler:
//
//	logger := slog.New(d.Middleware()(slogaudit.NewHandler(w, nil)))
//	logger := slog.New(slogmulti.Pipe(d.Middleware()).Handler(h))
//
// Derived events are written through the handler the middleware was given,
// not through its WithAttrs/WithGroup clones, so attributes bound to one
// logger never end up in a detection.
//
// The middleware's Enabled is the next handler's: a record that handler
// would drop is never built, so never counted. The built-in rules count
// WARN and CRITICAL records, so the audit handler's level must be WARN or
// below for them, and at or below a generic rule's records' level (INFO,
// its default, for most). On purpose: every detection then rests on lines
// the log has (detect.request_ids find them), and records nobody logs cost
// nothing.
func (d *Detector) Middleware() func(slog.Handler) slog.Handler {
	return func(next slog.Handler) slog.Handler {
		return &handler{d: d, next: next, root: &next}
	}
}

// hash is the key of value s: a keyed 64-bit hash under a seed private to
// this Detector, so an attacker cannot choose values that collide. The whole
// value is hashed: hashing a prefix would let an attacker make distinct
// huge usernames look like one (maphash runs at memory speed, far below the
// cost of the request that carried them).
func (d *Detector) hash(s string) uint64 { return maphash.String(d.seed, s) }

// fingerprint is the 32-bit fingerprint of a distinct value. A username's
// is taken from its key (nameKey) under the fingerprint seed instead, so
// its canonical form is computed once per record.
func (d *Detector) fingerprint(s string) uint32 { return uint32(maphash.String(d.fpSeed, s) >> 32) }

// nameKey is the key of username s (nameHash under the key seed), computed
// once per record: the account rule, credential_stuffing and a generic rule
// on user.name all read the same value.
func (d *Detector) nameKey(f *memo, s string) uint64 {
	if !f.named || f.name != s {
		f.name, f.nameKey, f.named = s, nameHash(d.seed, s), true
	}
	return f.nameKey
}

// addrKey is the key of client address s (keyHash of classAddress),
// computed once per record: login_fail_address and credential_stuffing
// both count a failed login by its address.
func (d *Detector) addrKey(f *memo, s string) uint64 {
	if !f.akeyed || f.addrVal != s {
		f.addrVal, f.akey, f.akeyed = s, d.keyHash(s, classAddress), true
	}
	return f.akey
}

const (
	maxDisplayLen = 128 // a plain key shown in an event
	maxSampleLen  = 64  // a request id kept as a sample
)

// display returns how an episode shows its key: ids as they are (cut to
// maxDisplayLen bytes, copied so the record's memory is not retained),
// addresses as they are or by their IPv6 prefix, any other as the
// Redactor's pseudonym (of a username's canonical form), else as this
// process's keyed hash.
func (d *Detector) display(val string, c keyClass, key uint64) string {
	switch c {
	case classID:
		return clip(val, maxDisplayLen)
	case classAddress:
		return d.addrDisplay(val)
	}
	if d.pseudo != nil {
		if c == className {
			val = canonicalName(val)
		}
		if p := d.pseudo.Hash(val); strings.HasPrefix(p, redact.HashPrefix) {
			return p
		}
	}
	return "h:" + hex16(key)
}

// clip returns s cut to n bytes (at a UTF-8 boundary), copied when cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return strings.Clone(s[:n])
}

func hex16(v uint64) string {
	s := strconv.FormatUint(v, 16)
	return strings.Repeat("0", 16-len(s)) + s
}

// newEpisodeID returns 16 random hex digits.
func newEpisodeID() string { return hex16(rand.Uint64()) }

// rulesFor returns the rules counting records of event type et and the
// built-in attributes they read (noRules when there are none).
func (d *Detector) rulesFor(et string) *eventRules {
	if d.etLens>>min(len(et), 63)&1 == 0 {
		// Most records: about 40 instructions less than the loop (callgrind,
		// BenchmarkDetect/uncounted).
		return &noRules
	}
	for i := range d.byEvent {
		if d.byEvent[i].eventType == et {
			return &d.byEvent[i]
		}
	}
	return &noRules
}

// nowNS is the clock in Unix nanoseconds.
func (d *Detector) nowNS() int64 {
	if d.now == nil {
		// The default clock without building a time.Time: a counted
		// record reads it every time.
		return d.startNS + int64(time.Since(d.start))
	}
	return d.now().UnixNano()
}

// sweeper runs Sweep every interval until Close.
func (d *Detector) sweeper(every time.Duration) {
	defer close(d.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			d.Sweep()
		}
	}
}

// Close stops the sweeper, ends every open episode with a summary
// (detect.end_reason "closed") and stops detecting: records still pass
// through the middleware, uncounted. It returns once every derived event
// is written, including those of log calls still running when it began
// (a summary never precedes its start event), and returns the errors of
// writing the summaries. Calling it again does nothing.
func (d *Detector) Close() error {
	var err error
	d.closeOnce.Do(func() {
		d.closed.Store(true)
		if d.stop != nil {
			close(d.stop)
			<-d.done
		}
		err = d.end(true)
		d.inflight.Wait()
	})
	return err
}

// Sweep ends the episodes whose key has been quiet for a whole cool-down,
// writing their summaries, and reports evictions (EventEvicted, at most once
// a minute per rule). The background goroutine calls it every
// Options.SweepInterval; with a negative interval, call it yourself. It is
// safe for concurrent use.
func (d *Detector) Sweep() {
	if d.closed.Load() {
		return
	}
	_ = d.end(false)
}

// evictReportEvery rate-limits EventEvicted per rule.
const evictReportEvery = int64(time.Minute)

// end writes the summaries of quiet episodes (all open ones when closing)
// and the eviction reports.
func (d *Detector) end(closing bool) error {
	d.sweepMu.Lock()
	defer d.sweepMu.Unlock()
	now := d.nowNS()
	var errs []error
	var reps []report
	for _, r := range d.rules {
		// Whether this rule reports its evictions now is decided first, so
		// that each shard's unreported count is taken and marked reported
		// in one hold of its lock: an eviction between the two would
		// otherwise be marked reported without ever being reported.
		h := r.root.p.Load()
		due := h != nil && (closing || r.lastEvict == 0 || now-r.lastEvict >= evictReportEvery)
		var evicted uint64
		for i := range r.tab.shards {
			s := &r.tab.shards[i]
			s.mu.Lock()
			if s.open > 0 {
				for j := range s.entries {
					e := &s.entries[j]
					if e.ep == nil {
						continue
					}
					// A clock that went back (an injected one) leaves last in
					// the future: the cool-down then runs from now.
					e.last = min(e.last, now)
					if !closing && now-e.last < int64(r.th.Cooldown) {
						continue
					}
					reason := EndQuiet
					if closing {
						reason = EndClosed
					}
					reps = append(reps, report{})
					s.endReport(&reps[len(reps)-1], r, j, e, reason)
					if s.holdEnd(&reps[len(reps)-1]) {
						reps = reps[:len(reps)-1]
					}
					e.ep = nil
					s.open--
					s.ended++
				}
			}
			if due {
				evicted += s.evictions - s.reported
				s.reported = s.evictions
			}
			s.mu.Unlock()
		}
		if evicted > 0 {
			r.lastEvict = now
			errs = append(errs, d.emitEvicted(*h, r, evicted, now))
		}
	}
	for i := range reps {
		errs = append(errs, d.emit(&reps[i], now))
	}
	return errors.Join(errs...)
}
