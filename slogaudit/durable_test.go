package slogaudit_test

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/secaudit/auditkit/slogaudit"
)

// durableWriter is a writer that declares, or denies, durable writes.
type durableWriter struct {
	io.Writer
	durable bool
}

func (w durableWriter) Durable() bool { return w.durable }

// Only a positive declaration counts: a plain writer, or a wrapper that
// hides a durable writer (io.MultiWriter), is not durable.
func TestHandlerDurable(t *testing.T) {
	durable := durableWriter{io.Discard, true}
	tests := []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"plain writer", io.Discard, false},
		{"os.Stdout", os.Stdout, false},
		{"durable writer", durable, true},
		{"writer that says it is not durable", durableWriter{io.Discard, false}, false},
		{"io.MultiWriter over durable writers", io.MultiWriter(durable, durable), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := slogaudit.NewHandler(tt.w, nil)
			if got := h.Durable(); got != tt.want {
				t.Errorf("Durable() = %v, want %v", got, tt.want)
			}
			// Clones share the writer, so they answer the same, also when
			// seen only as a slog.Handler.
			var sh slog.Handler = h.WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g")
			d, ok := sh.(slogaudit.Durable)
			if !ok {
				t.Fatalf("%T does not implement Durable", sh)
			}
			if got := d.Durable(); got != tt.want {
				t.Errorf("clone Durable() = %v, want %v", got, tt.want)
			}
		})
	}
}
