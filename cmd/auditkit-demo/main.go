package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/detect"
	"github.com/secaudit/auditkit/slogaudit"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: tests call it with their own writers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	// Timed checkpoints and delivery errors may report from other goroutines.
	stderr = &lockedWriter{w: stderr}
	fs := flag.NewFlagSet("auditkit-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	serve := fs.Bool("serve", false, "keep serving after the scenario (until interrupted)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback)")
	out := fs.String("out", "", "also append the audit lines to this file")
	var cc chainConfig
	fs.StringVar(&cc.path, "chain", "", "also write the audit lines, hash-chained with signed checkpoints, to this `file` (auditchain.OpenChain; checkpoints in FILE.ckpt)")
	fs.StringVar(&cc.keyFile, "key", "", "Ed25519 `private.pem` (PKCS #8) that signs the checkpoints of -chain (default: "+demoKeyName+".pem next to the file, generated on the first run with its "+demoKeyName+".pub.pem)")
	otlpURL := fs.String("otlp", "", "also ship the audit events over OTLP/HTTP (protobuf, gzip) to this receiver `URL` (an OpenTelemetry Collector, http://127.0.0.1:4318)")
	fs.StringVar(&cc.witnessURL, "witness-url", "", "VictoriaLogs /insert/jsonline `URL` that receives a copy of every checkpoint of -chain (the witness)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "auditkit-demo: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if cc.path == "" && (cc.keyFile != "" || cc.witnessURL != "") {
		fmt.Fprintln(stderr, "auditkit-demo:", errWitnessNeedsChain)
		return 2
	}
	if cc.witnessURL != "" {
		if _, err := newVLWitness(cc.witnessURL, ""); err != nil {
			fmt.Fprintln(stderr, "auditkit-demo:", err)
			return 2
		}
	}

	var sink io.Writer = stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			fmt.Fprintln(stderr, "auditkit-demo:", err)
			return 1
		}
		defer f.Close()
		sink = io.MultiWriter(stdout, f)
	}

	opts := &slogaudit.Options{
		ServiceName:    "auditkit-demo",
		ServiceVersion: "1.0.0",
		AddSource:      false,
	}
	var deliveryErrors atomic.Int64
	if cc.path != "" {
		opts.OnError = func(err error) {
			deliveryErrors.Add(1)
			fmt.Fprintln(stderr, "auditkit-demo: audit delivery:", err)
		}
	}
	// One configuration for the handler and the chain's own lines.
	enc := slogaudit.NewEncoder(opts)
	if cc.path != "" {
		oc, err := openChain(cc, enc)
		if err != nil {
			fmt.Fprintln(stderr, "auditkit-demo:", err)
			return 1
		}
		stopHUP := oc.chain.ReopenOnSignal() // rotation: rename FILE and FILE.ckpt, then SIGHUP
		defer func() {
			stopHUP()
			if err := oc.chain.Close(); err != nil {
				fmt.Fprintln(stderr, "auditkit-demo: closing the chain:", err)
				code = 1
			}
			if n := deliveryErrors.Load(); n > 0 {
				fmt.Fprintf(stderr, "auditkit-demo: %d audit delivery error(s)\n", n)
				code = 1
			}
			oc.report(stderr, cc)
		}()
		sink = auditsink.NewMulti(sink, oc.chain)
	}
	var handler slog.Handler = enc.NewHandler(sink)
	if *otlpURL != "" {
		shipper, otlpEnc, err := openOTLP(*otlpURL, *opts, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "auditkit-demo:", err)
			return 2
		}
		defer func() { // after the detector's summaries, which it ships too
			if !shipper.close(stderr) {
				code = 1
			}
		}()
		handler = shipper.fanout(handler, otlpEnc)
	}
	// The detector watches the audit stream and writes its detections
	// (detect.*) through the same handler; Close below writes the summaries
	// of episodes still open when the scenario ends.
	detector, err := detect.New(nil)
	if err != nil {
		fmt.Fprintln(stderr, "auditkit-demo:", err)
		return 1
	}
	logger := slog.New(detector.Middleware()(handler))
	// The helpers (authaudit, modelaudit) log through the default logger.
	prev := slog.Default()
	slog.SetDefault(logger)
	defer slog.SetDefault(prev)

	app, err := newApp(logger)
	if err != nil {
		fmt.Fprintln(stderr, "auditkit-demo:", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "auditkit-demo:", err)
		return 1
	}
	srv := &http.Server{
		Handler:           app.handler,
		ReadHeaderTimeout: 5 * time.Second,
		// The panic endpoint makes net/http log a stack trace; keep it off the
		// audit stream.
		ErrorLog: slog.NewLogLogger(slog.NewTextHandler(io.Discard, nil), slog.LevelError),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stderr, "auditkit-demo: serving on %s\n", base)

	if err := runScenario(ctx, base, stderr); err != nil {
		fmt.Fprintln(stderr, "auditkit-demo: scenario failed:", err)
		code = 1
	}
	if *serve && code == 0 {
		fmt.Fprintf(stderr, "auditkit-demo: try  curl -i -X POST %s/login -d '{\"username\":\"alice\",\"password\":\"wrong\"}'\n", base)
		<-ctx.Done()
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintln(stderr, "auditkit-demo: shutdown:", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "auditkit-demo: serve:", err)
		code = 1
	}
	if err := detector.Close(); err != nil {
		fmt.Fprintln(stderr, "auditkit-demo: detector:", err)
		code = 1
	}
	if st := detector.Stats(); st.Episodes > 0 {
		fmt.Fprintf(stderr, "auditkit-demo: %d attack episode(s) detected (detect.* events)\n", st.Episodes)
	}
	return code
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
