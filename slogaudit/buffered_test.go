package slogaudit_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/slogaudit"
)

// bufferedWriter is a writer that may or may not say it buffers.
type bufferedWriter struct {
	io.Writer
	buffered bool
}

func (w bufferedWriter) Buffered() bool { return w.buffered }

func TestHandlerBuffered(t *testing.T) {
	tests := []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"plain writer", io.Discard, false},
		{"buffered writer", bufferedWriter{io.Discard, true}, true},
		{"writer that says it is not buffered", bufferedWriter{io.Discard, false}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := slogaudit.NewHandler(tt.w, nil)
			if got := h.Buffered(); got != tt.want {
				t.Errorf("Buffered() = %v, want %v", got, tt.want)
			}
			// Clones share the writer, so they answer the same, also when
			// seen only as a slog.Handler.
			var sh slog.Handler = h.WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g")
			b, ok := sh.(slogaudit.Buffered)
			if !ok {
				t.Fatalf("%T does not implement Buffered", sh)
			}
			if got := b.Buffered(); got != tt.want {
				t.Errorf("clone Buffered() = %v, want %v", got, tt.want)
			}
		})
	}
}
