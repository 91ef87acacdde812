package slogaudit

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScopeVersionFromModule: a record naming a scope of this module
// (as authaudit and httpaudit do) without a version gets the module's
// version, in both formats and in the fallback record; any other scope
// keeps what the record says.
func TestScopeVersionFromModule(t *testing.T) {
	saved := moduleVersion
	moduleVersion = func() string { return "v9.8.7" }
	t.Cleanup(func() { moduleVersion = saved })

	const helper = modulePath + "/httpaudit"
	tests := []struct {
		name        string
		attrs       []slog.Attr
		wantName    string
		wantVersion any // nil: no version key
	}{
		{"module scope, no version", []slog.Attr{slog.String(KeyScopeName, helper)}, helper, "v9.8.7"},
		{"module scope, own version", []slog.Attr{slog.String(KeyScopeName, helper), slog.String(KeyScopeVersion, "v1.0.0")}, helper, "v1.0.0"},
		{"module scope, empty version", []slog.Attr{slog.String(KeyScopeName, helper), slog.String(KeyScopeVersion, "")}, helper, nil},
		{"other scope", []slog.Attr{slog.String(KeyScopeName, "example.com/app")}, "example.com/app", nil},
		{"module path itself", []slog.Attr{slog.String(KeyScopeName, modulePath+"x/y")}, modulePath + "x/y", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, max := range []int{0, 1024} {
				attrs := tt.attrs
				if max > 0 { // an event type too long for any line: the fallback record
					attrs = append(attrs, slog.String(KeyEventType, strings.Repeat("e", 2000)))
				}
				var buf lineBuffer
				h := NewHandler(&buf, withClock(&Options{Scope: Scope{Name: "mine", Version: "v0"}, Limits: Limits{MaxRecordBytes: max}}))
				line := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "m", attrs...))
				sc, ok := parseLine(t, line)[KeyInstrumentationScope].(map[string]any)
				require.True(t, ok, line)
				assert.Equal(t, tt.wantName, sc["name"], line)
				assert.Equal(t, tt.wantVersion, sc["version"], line)
			}

			var ob lineBuffer
			oh := NewHandler(&ob, otlpOpts(Options{}))
			_ = oh.Handle(context.Background(), record(slog.LevelInfo, "m", tt.attrs...))
			req, _ := decodeOTLP(t, ob.String()[:len(ob.String())-1])
			sl := req.ResourceLogs[0].ScopeLogs[0]
			assert.Equal(t, tt.wantName, sl.Scope.Name)
			want, _ := tt.wantVersion.(string)
			assert.Equal(t, want, sl.Scope.Version)
		})
	}
}
