package auditsink

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/secaudit/auditkit/slogaudit"
)

func TestDurable(t *testing.T) {
	dir := t.TempDir()
	file, err := OpenFile(filepath.Join(dir, "audit.log"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	async := NewAsync(file, nil)
	defer func() { _ = async.Close(context.Background()) }()
	closed := &GuardOptions{Action: FailClosed}
	tests := []struct {
		name string
		w    slogaudit.Durable
		want bool
	}{
		{"File", file, true},
		{"Guard FailClosed over a File", NewGuard(file, closed), true},
		{"Guard FailOpen over a File", NewGuard(file, nil), false},
		{"Guard FailClosed over Async", NewGuard(async, closed), false},
		{"Guard FailClosed over io.Discard", NewGuard(io.Discard, closed), false},
		{"Multi of durable sinks", NewMulti(file, NewGuard(file, closed)), true},
		{"Multi with one Async", NewMulti(file, async), false},
		{"Multi with an io.MultiWriter", NewMulti(file, io.MultiWriter(file)), false},
		{"Multi with no sinks", NewMulti(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.w.Durable(); got != tt.want {
				t.Errorf("Durable() = %v, want %v", got, tt.want)
			}
			// The handler reports what its writer says.
			if got := slogaudit.NewHandler(tt.w.(io.Writer), nil).Durable(); got != tt.want {
				t.Errorf("Handler.Durable() = %v, want %v", got, tt.want)
			}
		})
	}
}
