package modelaudit_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/secaudit/auditkit/modelaudit"
)

// fuzzRecord has a field of most kinds Diff meets, promoted and tagged ones
// included, so JSON inputs exercise struct, map and mixed comparisons.
type fuzzRecord struct {
	base
	*Audited
	Name  string            `json:"name"`
	N     float64           `json:"n"`
	OK    bool              `json:"ok"`
	List  []any             `json:"list"`
	Map   map[string]string `json:"map"`
	Ptr   *Address          `json:"ptr"`
	Any   any               `json:"any"`
	Skip  string            `json:"-"`
	Plain int
}

// FuzzDiff checks, over arbitrary JSON documents decoded into maps and
// structs, that Diff never panics, returns sorted unique names, finds no
// change between a value and itself, and is symmetric.
func FuzzDiff(f *testing.F) {
	f.Add([]byte(`{"name":"a","n":1}`), []byte(`{"name":"b","n":1}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var ma, mb map[string]any
		var sa, sb fuzzRecord
		_ = json.Unmarshal(a, &ma) // a failed decode leaves a partial or nil value: still a valid input
		_ = json.Unmarshal(b, &mb)
		_ = json.Unmarshal(a, &sa)
		_ = json.Unmarshal(b, &sb)

		pairs := [][2]any{
			{ma, mb}, {sa, sb}, {&sa, sb}, {ma, sb}, {nil, sa}, {mb, nil}, {sa.Any, sb.Any},
		}
		for _, p := range pairs {
			got := modelaudit.Diff(p[0], p[1])
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Fatalf("Diff(%#v, %#v) = %q: not sorted and unique", p[0], p[1], got)
			}
			if back := modelaudit.Diff(p[1], p[0]); !slices.Equal(got, back) {
				t.Fatalf("Diff not symmetric: %q vs %q", got, back)
			}
		}
		for _, v := range []any{ma, mb, sa, &sb, sa.Any} {
			if got := modelaudit.Diff(v, v); got != nil {
				t.Fatalf("Diff(v, v) = %q for %#v", got, v)
			}
		}
	})
}
