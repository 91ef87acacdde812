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
	"syscall"
	"time"

	"github.com/secaudit/auditkit/slogaudit"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: tests call it with their own writers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("auditkit-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	serve := fs.Bool("serve", false, "keep serving after the scenario (until interrupted)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback)")
	out := fs.String("out", "", "also append the audit lines to this file")
	if err := fs.Parse(args); err != nil {
		return 2
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

	logger := slog.New(slogaudit.NewHandler(sink, &slogaudit.Options{
		ServiceName:    "auditkit-demo",
		ServiceVersion: "1.0.0",
		AddSource:      false,
	}))
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

	code := 0
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
	return code
}
