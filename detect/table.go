package detect

import (
	"log/slog"
	"sync"
	"time"
)

// table holds one rule's keys: a fixed number of entries split over
// independently locked shards. Keys are 64-bit keyed hashes; no raw value is
// kept except, while an episode is open, the display form of its key (an
// address or id, or a pseudonym).
type table struct {
	shards []shard
	mask   uint64
	// perShard entries per shard; slotNS is the window's slot width.
	perShard int
	slotNS   int64
}

// shard is one lock's worth of entries. Memory is allocated once, in
// newTable: the index map is sized for perShard keys and never holds more.
type shard struct {
	mu      sync.Mutex
	idx     map[uint64]int32
	entries []entry
	sets    []fingerprints // distinct-count rules: entries[i] uses sets[i]
	samples []string       // entries[i] uses samples[i*k : (i+1)*k]
	k       int            // samples per entry
	// lru makes eviction pick the key seen longest ago, whatever its count:
	// the policy the property tests show failing (tests only).
	lru bool
	// hand is where the next eviction scan starts: ties are evicted in
	// turn, roughly oldest first.
	hand int

	open      int    // entries with an open episode
	matched   uint64 // records counted
	started   uint64 // episodes opened
	ended     uint64 // episodes ended
	evictions uint64 // keys evicted to make room
	reported  uint64 // evictions already reported by Sweep
}

// entry is one tracked key.
type entry struct {
	key   uint64
	cnt   counter
	first int64  // time of the first record of the current run of activity
	last  int64  // time of the last record
	seen  uint64 // records since first
	ns    int    // samples written (ring position ns % k)
	ep    *episode
}

// episode is the state of an open episode; allocated when it starts.
type episode struct {
	id      string
	key     string // display form of the key
	root    slog.Handler
	maxDist int
	// written is set (under the shard's lock) once the start event has been
	// written. The start is written after the lock is released, so the
	// episode may end before that: its summary then waits in pending, and
	// the goroutine writing the start writes it next, never before.
	written bool
	pending *report
}

func newTable(maxKeys, shards, sampleSize int, window time.Duration, distinct bool) *table {
	per := maxKeys / shards
	t := &table{
		shards:   make([]shard, shards),
		mask:     uint64(shards - 1),
		perShard: per,
		slotNS:   int64(window) / slots,
	}
	for i := range t.shards {
		s := &t.shards[i]
		s.idx = make(map[uint64]int32, per)
		s.entries = make([]entry, 0, per)
		s.k = sampleSize
		s.samples = make([]string, per*sampleSize)
		if distinct {
			s.sets = make([]fingerprints, per)
		}
	}
	return t
}

// shardOf picks the shard from the hash's high bits (the map uses the low
// ones).
func (t *table) shardOf(key uint64) *shard { return &t.shards[(key>>56)&t.mask] }

// slot is the window slot of time now (Unix ns; negative clamps to 0).
func (t *table) slot(now int64) int64 { return max(now, 0) / t.slotNS }

// lookup returns the index of key's entry, making room for it if it is new.
// When the shard is full, the entry with the fewest records in its window is
// evicted (ties: in turn, from a clock hand), preferring entries without an
// open episode: Space-Saving's replacement rule. Unlike Space-Saving the
// newcomer does not inherit the evicted count, so a rule never fires on an
// overestimate, and a flood of new keys cannot raise the count a tracked key
// needs to stay. The entry of an evicted open episode is returned (a copy)
// for its summary, else nil: returning the entry by value cost every count
// about 50 instructions (callgrind, BenchmarkDetect/counted), for the rare
// eviction of an open episode.
func (s *shard) lookup(key uint64, slot int64, per int) (i int, evicted *entry) {
	if j, ok := s.idx[key]; ok {
		return int(j), nil
	}
	if len(s.entries) < per {
		s.entries = append(s.entries, entry{key: key})
		i = len(s.entries) - 1
		s.idx[key] = int32(i)
		return i, nil
	}
	// Scan from the clock hand; an entry with at most one record in its
	// window and no episode is as low as an entry gets, so the scan stops
	// there: under a flood of new keys it is short.
	victim, n := -1, len(s.entries)
	var vOpen bool
	var vCount uint32
	for j := range n {
		i := (s.hand + j) % n
		e := &s.entries[i]
		open, c := e.ep != nil, e.cnt.at(slot)
		if s.lru {
			open, c = false, 0
		}
		if victim < 0 || less(open, c, vOpen, vCount) {
			victim, vOpen, vCount = i, open, c
			if !open && c <= 1 {
				break
			}
		}
	}
	s.hand = (victim + 1) % n
	old := s.entries[victim]
	delete(s.idx, old.key)
	s.evictions++
	s.entries[victim] = entry{key: key}
	s.idx[key] = int32(victim)
	clear(s.samples[victim*s.k : (victim+1)*s.k])
	if s.sets != nil {
		s.sets[victim] = fingerprints{}
	}
	if old.ep != nil {
		s.open--
		ev := old // on the heap only here
		return victim, &ev
	}
	return victim, nil
}

// less orders eviction candidates: no episode before an open one, then
// fewer records in the window. Ties go to the first found from the hand.
func less(open bool, c uint32, vOpen bool, vc uint32) bool {
	if open != vOpen {
		return !open
	}
	return c < vc
}

// addSample puts request id id into entry i's ring of samples.
func (s *shard) addSample(i int, e *entry, id string) {
	if s.k == 0 || id == "" {
		return
	}
	s.samples[i*s.k+e.ns%s.k] = id
	e.ns++
}

// sampleList copies entry i's samples, oldest first, into dst.
func (s *shard) sampleList(i int, e *entry, dst *[maxSampleSize]string) int {
	n := min(e.ns, s.k)
	ring := s.samples[i*s.k : (i+1)*s.k]
	for j := range n {
		dst[j] = ring[(e.ns-n+j)%s.k]
	}
	return n
}
