package detect

import "errors"

// errHandlerPanic replaces the panic of a downstream handler writing a
// derived event (its value is never reported: it may hold record data).
var errHandlerPanic = errors.New("detect: the downstream handler panicked writing a derived event")

// Stats are the Detector's counters, summed over its rules.
type Stats struct {
	// Matched counts the records a rule counted.
	Matched uint64
	// Episodes counts the episodes opened; Ended those that ended.
	Episodes, Ended uint64
	// Open is the number of episodes open now.
	Open int
	// Keys is the number of keys tracked now; never more than
	// Options.MaxKeys per rule.
	Keys int
	// Evictions counts the keys evicted to make room.
	Evictions uint64
	// EmitErrors counts derived events the downstream handler failed to
	// write.
	EmitErrors uint64
	// Rules has the same counters per rule, in the order they are checked.
	Rules []RuleStats
}

// RuleStats are one rule's counters.
type RuleStats struct {
	Name                     string
	Matched, Episodes, Ended uint64
	Evictions                uint64
	Open, Keys, Capacity     int
}

// Stats returns the current counters. It takes each shard's lock briefly.
func (d *Detector) Stats() Stats {
	var st Stats
	for _, r := range d.rules {
		rs := RuleStats{Name: r.name, Capacity: r.tab.perShard * len(r.tab.shards)}
		for i := range r.tab.shards {
			s := &r.tab.shards[i]
			s.mu.Lock()
			rs.Matched += s.matched
			rs.Episodes += s.started
			rs.Ended += s.ended
			rs.Evictions += s.evictions
			rs.Open += s.open
			rs.Keys += len(s.entries)
			s.mu.Unlock()
		}
		st.Matched += rs.Matched
		st.Episodes += rs.Episodes
		st.Ended += rs.Ended
		st.Evictions += rs.Evictions
		st.Open += rs.Open
		st.Keys += rs.Keys
		st.Rules = append(st.Rules, rs)
	}
	st.EmitErrors = d.emitErrors.Load()
	return st
}
