package slogaudit_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/secaudit/auditkit/slogaudit"
)

// An Encoder writes what a handler with the same Options writes, in both
// formats, and its NewHandler is such a handler.
func TestEncoderMatchesHandler(t *testing.T) {
	now := func() time.Time { return time.Unix(0, 1712345678000001000) }
	for _, format := range []slogaudit.Format{slogaudit.FormatJSONL, slogaudit.FormatOTLPJSON} {
		opts := &slogaudit.Options{ServiceName: "billing", ServiceVersion: "1.4.2", Format: format, Now: now,
			Resource: []slog.Attr{slog.String("deployment.environment", "prod")}}
		r := slog.NewRecord(time.Unix(0, 1712345678000000000), slog.LevelWarn, "audit.delivery.dropped", 0)
		r.AddAttrs(slog.String(slogaudit.KeyEventType, "audit.delivery.dropped"), slog.Int("n", 3),
			slog.String("error", "Bearer abcdefgh12345678"))

		var want bytes.Buffer
		if err := slogaudit.NewHandler(&want, opts).Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		enc := slogaudit.NewEncoder(opts)
		if got := enc.AppendRecord([]byte("prefix:"), r); string(got) != "prefix:"+want.String() {
			t.Errorf("format %v:\n got %s\nwant %s", format, got, want.String())
		}
		var viaHandler bytes.Buffer
		if err := enc.NewHandler(&viaHandler).Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if viaHandler.String() != want.String() {
			t.Errorf("format %v: NewHandler wrote %s", format, viaHandler.String())
		}
		if bytes.Contains(want.Bytes(), []byte("abcdefgh12345678")) || enc.Format() != format {
			t.Errorf("format %v: not redacted, or Format %v: %s", format, enc.Format(), want.String())
		}
		opts.ServiceName = "changed" // the Encoder copied opts
		if got := enc.AppendRecord(nil, r); !bytes.Contains(got, []byte("billing")) {
			t.Errorf("format %v: Options not copied: %s", format, got)
		}
	}
}
