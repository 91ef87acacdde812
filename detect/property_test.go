package detect

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// discard is a downstream handler that keeps nothing.
type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return true }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }

// invariants checks the bounds every input stream must keep: no shard holds
// more keys than its share of MaxKeys or grows its preallocated storage, the
// index and the entries agree, every retained string is bounded.
func (d *Detector) invariants() error {
	for _, r := range d.rules {
		t := r.tab
		for si := range t.shards {
			s := &t.shards[si]
			s.mu.Lock()
			err := func() error {
				if len(s.entries) > t.perShard || cap(s.entries) != t.perShard || len(s.idx) != len(s.entries) {
					return fmt.Errorf("%s shard %d: %d entries (cap %d), %d indexed, bound %d", r.name, si, len(s.entries), cap(s.entries), len(s.idx), t.perShard)
				}
				if len(s.samples) != t.perShard*s.k {
					return fmt.Errorf("%s: samples grew to %d", r.name, len(s.samples))
				}
				open := 0
				for i := range s.entries {
					e := &s.entries[i]
					if j, ok := s.idx[e.key]; !ok || int(j) != i {
						return fmt.Errorf("%s: entry %d not indexed", r.name, i)
					}
					if e.ep != nil {
						open++
						if len(e.ep.key) > maxDisplayLen && !strings.HasPrefix(e.ep.key, "hmac-sha256:") {
							return fmt.Errorf("%s: key of %d bytes kept", r.name, len(e.ep.key))
						}
					}
					if s.sets != nil && s.sets[i].n > MaxDistinct {
						return fmt.Errorf("%s: %d fingerprints", r.name, s.sets[i].n)
					}
				}
				for _, id := range s.samples {
					if len(id) > maxSampleLen {
						return fmt.Errorf("%s: a sample of %d bytes", r.name, len(id))
					}
				}
				if open != s.open {
					return fmt.Errorf("%s: %d open episodes counted, %d found", r.name, s.open, open)
				}
				return nil
			}()
			s.mu.Unlock()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// hostileStream logs n records mixing a steady attacker, address and
// username rotation, huge usernames, paths and request ids, and a clock
// that jumps forwards and backwards. It returns the number of distinct
// addresses it used.
func hostileStream(d *Detector, rng *rand.Rand, n int, check func(i int)) int {
	var now time.Time = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d.now = func() time.Time { return now }
	l := slog.New(d.Middleware()(discard{}))
	al := authaudit.New(l)
	addrs := map[string]bool{}
	for i := range n {
		switch rng.IntN(20) {
		case 0:
			now = now.Add(-time.Duration(rng.IntN(300)) * time.Second) // backwards
		case 1:
			now = now.Add(time.Duration(rng.IntN(3600)) * time.Second)
		default:
			now = now.Add(time.Duration(rng.IntN(50)) * time.Millisecond)
		}
		addr := fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256))
		if rng.IntN(4) == 0 {
			addr = "203.0.113.66" // the steady attacker
		}
		if rng.IntN(50) == 0 {
			addr = strings.Repeat("a", 1000+rng.IntN(1000)) // a hostile "address"
		}
		addrs[addr] = true
		user := fmt.Sprintf("user%d", rng.IntN(1_000_000))
		if rng.IntN(30) == 0 {
			user = strings.Repeat("x", 1<<16+rng.IntN(100)) // a huge username
		}
		reqID := fmt.Sprintf("%032x", rng.Uint64())
		if rng.IntN(30) == 0 {
			reqID = strings.Repeat("r", 5000)
		}
		ctx := slogaudit.ContextWithAttrs(context.Background(),
			slog.String(slogaudit.KeyRequestID, reqID), slog.String(slogaudit.KeyClientAddress, addr))
		switch rng.IntN(4) {
		case 0, 1:
			al.LoginFailed(ctx, user, authaudit.ReasonBadPassword)
		case 2:
			l.LogAttrs(ctx, slog.LevelWarn, "http.response", slog.String(slogaudit.KeyEventType, httpaudit.EventClientError),
				slog.Int(httpaudit.KeyHTTPStatusCode, 404), slog.String(httpaudit.KeyURLPath, "/"+user))
		case 3:
			al.AccessDenied(ctx, "", "invoice/"+user)
		}
		if rng.IntN(200) == 0 {
			d.Sweep()
		}
		check(i)
	}
	return len(addrs)
}

// smallOptions makes rules that fire often and tables that fill at once.
func smallOptions() *Options {
	th := Threshold{Count: 3, Window: 30 * time.Second, Cooldown: 20 * time.Second}
	return &Options{
		LoginFailAccount: th, LoginFailAddress: th, CredentialStuffing: th, ForceBrowsing: th, AuthzProbing: th,
		Rules:   []Rule{{Name: "generic", EventType: authaudit.EventLoginFailed, Key: slogaudit.KeyRequestID, Threshold: th}},
		MaxKeys: 64, Shards: 4, SampleSize: 3, SweepInterval: -1,
	}
}

// TestPropertyMemoryBounded: for any input stream the key tables stay
// within MaxKeys, their storage never grows, and nothing retained is
// unbounded. The control shows the streams are hostile enough for that to
// matter: an unbounded table would hold every address they use, far more
// than the cap.
func TestPropertyMemoryBounded(t *testing.T) {
	for seed := range uint64(8) {
		d, err := New(smallOptions())
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(seed, 99))
		distinct := hostileStream(d, rng, 4000, func(i int) {
			if i%97 == 0 {
				if err := d.invariants(); err != nil {
					t.Fatalf("seed %d, record %d: %v", seed, i, err)
				}
			}
		})
		if err := d.invariants(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		st := d.Stats()
		for _, r := range st.Rules {
			if r.Keys > r.Capacity {
				t.Fatalf("seed %d: %s tracks %d keys, cap %d", seed, r.Name, r.Keys, r.Capacity)
			}
		}
		// Control: what an unbounded table would have had to hold.
		if distinct <= 10*64 || st.Evictions == 0 {
			t.Fatalf("seed %d: the stream used only %d addresses (%d evictions): not a test of the bound", seed, distinct, st.Evictions)
		}
		_ = d.Close()
	}
}

// TestHeapBounded measures the heap: a flood of a million distinct hostile
// keys leaves the Detector's retained memory where its configuration puts
// it.
func TestHeapBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	d, err := New(smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	hostileStream(d, rand.New(rand.NewPCG(1, 2)), 100_000, func(int) {})
	grown := int64(heap()) - int64(before)
	// Episodes and samples of at most 6 rules x 64 keys: well under 1 MiB.
	if grown > 1<<20 {
		t.Errorf("heap grew by %d bytes after the flood", grown)
	}
	runtime.KeepAlive(d)
}

// TestPropertyHeavyHitterSurvives: a key with more records in its window
// than the keys arriving after it is never evicted by them, so a flood of
// rotating addresses cannot reset a real attacker's count. The control
// evicts by age alone (LRU) and loses the attacker.
func TestPropertyHeavyHitterSurvives(t *testing.T) {
	for _, lru := range []bool{false, true} {
		th := Threshold{Count: 5, Window: time.Minute, Cooldown: time.Minute}
		off := Threshold{Off: true}
		d, err := New(&Options{LoginFailAddress: th, LoginFailAccount: off, CredentialStuffing: off, ForceBrowsing: off,
			AuthzProbing: off, MaxKeys: 16, Shards: 1, SweepInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		d.rules[0].tab.shards[0].lru = lru
		rng := rand.New(rand.NewPCG(7, 7))
		for seed := range 20 {
			// Each round an hour later: the last round's keys have left
			// their windows.
			round := time.Unix(1e9+int64(seed)*3600, 0)
			d.now = func() time.Time { return round }
			l := authaudit.New(slog.New(d.Middleware()(discard{})))
			fail := func(addr string) {
				l.LoginFailed(slogaudit.ContextWithAttrs(context.Background(), slog.String(slogaudit.KeyClientAddress, addr)), "u", "")
			}
			attacker := fmt.Sprintf("203.0.113.%d", seed)
			before := d.Stats().Episodes
			fail(attacker)
			fail(attacker)
			for range 100 + rng.IntN(1000) { // the flood: one record per address
				fail(fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256)))
			}
			fail(attacker)
			fail(attacker)
			fail(attacker)
			detected := d.Stats().Episodes > before
			if !lru && !detected {
				t.Fatalf("attacker %s lost to the flood", attacker)
			}
			if lru && detected {
				t.Fatalf("control: LRU eviction kept attacker %s; the flood does not test eviction", attacker)
			}
			_ = d.end(true)
		}
	}
}
