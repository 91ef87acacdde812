package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	slogmulti "github.com/samber/slog-multi"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/slogaudit"
)

// otlpShipper sends the audit events to an OTLP/HTTP receiver as well: a
// second slogaudit handler in OTLP/JSON over an auditsink.OTLP exporter,
// next to the handler that writes the JSON lines.
type otlpShipper struct {
	exp      *auditsink.OTLP
	endpoint string
}

// openOTLP validates url and starts the exporter; its errors go to stderr.
func openOTLP(url string, opts slogaudit.Options, stderr io.Writer) (*otlpShipper, *slogaudit.Encoder, error) {
	opts.Format = slogaudit.FormatOTLPJSON
	opts.OnError = func(err error) { fmt.Fprintln(stderr, "auditkit-demo: otlp:", err) }
	enc := slogaudit.NewEncoder(&opts)
	exp, err := auditsink.NewOTLP(&auditsink.OTLPOptions{
		Endpoint:       url,
		Encoder:        enc,
		InitialBackoff: 100 * time.Millisecond,
		MaxBackoff:     2 * time.Second,
	})
	if err != nil {
		return nil, nil, err
	}
	return &otlpShipper{exp: exp, endpoint: url}, enc, nil
}

// fanout returns a handler writing to h and to the exporter.
func (s *otlpShipper) fanout(h slog.Handler, enc *slogaudit.Encoder) slog.Handler {
	return slogmulti.Fanout(h, enc.NewHandler(s.exp))
}

// close sends what is queued (within 10 s) and reports the counts; false
// when a line was not delivered.
func (s *otlpShipper) close(stderr io.Writer) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.exp.Close(ctx)
	st := s.exp.Stats()
	fmt.Fprintf(stderr, "auditkit-demo: otlp: %d lines delivered to %s in %d requests (%d retried, %d dropped, %d failed)\n",
		st.Written, s.endpoint, st.Requests, st.Retries, st.Dropped, st.Failed)
	if err != nil {
		fmt.Fprintln(stderr, "auditkit-demo: otlp:", err)
	}
	return err == nil && st.Dropped == 0 && st.Failed == 0
}
