package redaction

import "testing"

// newRules is what redact.New does with its Options.
func newRules(opts Options) (*Rules, error) {
	r := new(Rules)
	if err := r.Init(opts); err != nil {
		return nil, err
	}
	return r, nil
}

func mustNew(opts Options) *Rules {
	r, err := newRules(opts)
	if err != nil {
		panic(err)
	}
	return r
}

// defaultRules and noneRules are the rules of redact.Default and redact.None.
var (
	defaultRules = mustNew(Options{})
	noneRules    = func() *Rules {
		r := new(Rules)
		r.InitNone()
		return r
	}()
)

// wantAllocs fails unless f allocates exactly n times per run. The race
// detector adds allocations, so it skips there; `make test` runs these
// without -race.
func wantAllocs(t *testing.T, n float64, f func()) {
	t.Helper()
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	if got := testing.AllocsPerRun(100, f); got != n {
		t.Errorf("allocs = %v, want %v", got, n)
	}
}

var sinkBool bool
