package auditsink

import (
	"context"
	"io"
	"testing"

	"github.com/secaudit/auditkit/slogaudit"
)

func TestBuffered(t *testing.T) {
	async := NewAsync(io.Discard, nil)
	defer func() { _ = async.Close(context.Background()) }()
	tests := []struct {
		name string
		w    slogaudit.Buffered
		want bool
	}{
		{"Async", async, true},
		{"Guard over a writer", NewGuard(io.Discard, nil), false},
		{"Guard over Async", NewGuard(async, nil), true},
		{"Multi without Async", NewMulti(io.Discard, NewGuard(io.Discard, nil)), false},
		{"Multi with one Async", NewMulti(io.Discard, NewGuard(async, nil)), true},
		{"Multi with no sinks", NewMulti(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.w.Buffered(); got != tt.want {
				t.Errorf("Buffered() = %v, want %v", got, tt.want)
			}
			// The handler reports what its writer says.
			h := slogaudit.NewHandler(tt.w.(io.Writer), nil)
			if got := h.Buffered(); got != tt.want {
				t.Errorf("Handler.Buffered() = %v, want %v", got, tt.want)
			}
		})
	}
}
