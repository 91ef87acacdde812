package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/secaudit/auditkit/auditchain"
)

// Exit codes.
const (
	exitOK       = 0
	exitTampered = 1
	exitUsage    = 2
	exitUnproven = 3
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("auditkit-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "Ed25519 public key (PKIX PEM) that signed the checkpoints")
	unsigned := fs.Bool("unsigned", false, "verify the chain only, without checkpoints (a cut tail goes unnoticed)")
	hmacFile := fs.String("hmac-key-file", "", "file whose exact bytes are the chain's HMAC key")
	genkey := fs.String("genkey", "", "write a new key pair to `NAME`.pem and NAME.pub.pem and exit")
	partial := fs.Bool("allow-partial-series", false, "accept a series whose oldest files are missing (exit 0 instead of 3)")
	quiet := fs.Bool("q", false, "print only problems (never hides them)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: auditkit-verify -key pub.pem [-hmac-key-file F] [flags] FILE...\n"+
			"       auditkit-verify -unsigned [-hmac-key-file F] [flags] FILE...\n"+
			"       auditkit-verify -genkey NAME\n"+
			"exit status: 0 ok, 1 tampered, 2 usage or I/O error,\n"+
			"  3 not tampered but the end is unproven (torn line, lines after the last\n"+
			"    checkpoint, not closed cleanly, oldest files of a series missing)\n"+
			"guarantees: -key (Ed25519 checkpoints) detects any edit, deletion, insertion,\n"+
			"  reordering, cut tail or deleted checkpoint up to the last checkpoint;\n"+
			"  -hmac-key-file (HMAC-SHA256 chain) protects every line from whoever lacks\n"+
			"  the key, but alone cannot see a cut tail; use both for the strongest check\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *genkey != "" {
		if fs.NArg() > 0 {
			fs.Usage()
			return exitUsage
		}
		return genKey(*genkey, stdout, stderr)
	}
	if fs.NArg() == 0 || (*keyFile == "") == !*unsigned {
		if fs.NArg() > 0 {
			fmt.Fprintln(stderr, "auditkit-verify: give exactly one of -key or -unsigned")
		}
		fs.Usage()
		return exitUsage
	}
	opts := auditchain.VerifyOptions{AllowPartialSeries: *partial}
	if *keyFile != "" {
		data, err := os.ReadFile(*keyFile)
		if err == nil {
			opts.PublicKey, err = auditchain.ParsePublicKeyPEM(data)
		}
		if err != nil {
			fmt.Fprintln(stderr, "auditkit-verify:", err)
			return exitUsage
		}
	}
	if *hmacFile != "" {
		key, err := os.ReadFile(*hmacFile)
		if err == nil && len(key) == 0 {
			err = errors.New("empty HMAC key file")
		}
		if err != nil {
			fmt.Fprintln(stderr, "auditkit-verify:", err)
			return exitUsage
		}
		opts.HMACKey = key
	}
	rep, err := auditchain.Verify(fs.Args(), &opts)
	if err != nil {
		fmt.Fprintln(stderr, "auditkit-verify:", err)
		return exitUsage
	}
	if !*quiet {
		for _, n := range rep.Notes {
			fmt.Fprintln(stdout, "note:", n)
		}
	}
	if !rep.OK() {
		fmt.Fprintln(stdout, "TAMPERED:", rep.Tampered)
		return exitTampered
	}
	if !rep.Complete() {
		for _, n := range rep.Incomplete {
			fmt.Fprintln(stdout, "UNPROVEN:", n)
		}
		fmt.Fprintf(stdout, "INCOMPLETE: %d lines in %d segments verify, but the end of the trail is not proven\n", rep.Lines, rep.Segments)
		return exitUnproven
	}
	if !*quiet {
		fmt.Fprintf(stdout, "OK: %d lines in %d segments, %d checkpoints\n", rep.Lines, rep.Segments, rep.Checkpoints)
	}
	return exitOK
}

func genKey(name string, stdout, stderr io.Writer) int {
	pub, priv, err := auditchain.GenerateKeyPEM()
	if err == nil {
		// O_EXCL: never overwrite a key that may already sign a trail.
		err = writeNew(name+".pem", priv, 0o600)
	}
	if err == nil {
		err = writeNew(name+".pub.pem", pub, 0o644)
	}
	if err != nil {
		fmt.Fprintln(stderr, "auditkit-verify:", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "wrote %s.pem (private) and %s.pub.pem (public)\n", name, name)
	return exitOK
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
