package modelaudit_test

import (
	"testing"

	"github.com/secaudit/auditkit/modelaudit"
)

func BenchmarkDiff(b *testing.B) {
	before := Invoice{base: base{ID: 1}, Audited: &Audited{Version: 1}, Amount: 100, Tags: []string{"a"}}
	after := before
	after.Amount, after.Audited = 200, &Audited{Version: 2}
	b.Run("struct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			modelaudit.Diff(&before, &after)
		}
	})
	mb := map[string]any{"plan": "free", "seats": 1, "sso": false}
	ma := map[string]any{"plan": "team", "seats": 1, "sso": false}
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			modelaudit.Diff(mb, ma)
		}
	})
}
