package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/secaudit/auditkit/auditchain"
)

// Exit codes, in order of precedence: 1 before 3 before 4 before 0.
const (
	exitOK       = 0 // the trail is proven
	exitTampered = 1 // it does not verify under the given keys
	exitUsage    = 2 // the command line itself (flags, key files)
	exitUnproven = 3 // nothing tampered, but not all of it can be proven
	exitStale    = 4 // proven, but the newest checkpoint is older than -max-age
)

// now is the clock of -max-age and of the printed age; tests replace it.
var now = time.Now

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

const usageText = `usage: auditkit-verify -key pub.pem [-hmac-key-file F] [-witness W]... [-max-age D] [-accept SEGMENT:FROM-TO]... [flags] FILE...
       auditkit-verify -unsigned [-hmac-key-file F] [flags] FILE...
       auditkit-verify -genkey NAME
FILE... is a chained file or a rotated series, in any order (FILE.ckpt names
are skipped). Each FILE's checkpoints are read from FILE.ckpt. Put -- before
a glob, so that a file named like a flag stays a file name:
  auditkit-verify -key pub.pem -- audit.jsonl*
A flag other than -witness and -accept given twice is refused (exit 2).
exit status:
  0  proven: every line, up to a final checkpoint, or, with -max-age, a
     fresh checkpoint that covers the last line of a live trail
  1  does not verify under the given keys: modified, deleted, inserted,
     reordered, cut, bytes after a final checkpoint, re-signed or wrong key
     ("signed by key fingerprint A, you gave B"), HMAC chain without
     -hmac-key-file, unreadable trail or witness file
  2  the command line only: flags, no files, unreadable key file
  3  not provable: torn or uncovered end (with -max-age too: lines or
     bytes after the newest checkpoint), not closed, lines and unchained
     bytes of a crashed segment after its last checkpoint (until -accept;
     an HMAC key proves the lines only), oldest files of a series missing,
     file truncated under the writer (copytruncate)
  4  stale: the newest checkpoint is older than -max-age
guarantees: -key detects any edit, deletion, insertion, reordering or cut up
  to the last checkpoint. A cut at a final checkpoint (a whole segment or the
  newest file removed) is detected only with -witness, or with -max-age for a
  live writer signing heartbeats; without either it verifies, and only the
  printed time of the last checkpoint shows how old the trail's end is.
  -hmac-key-file protects every line from whoever lacks the key.
  -witness: one witness stream per trail (filter a shared export by file):
  a checkpoint of another trail signed with the same key reads as a cut.
`

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("auditkit-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "Ed25519 public key (PKIX PEM) that signed the checkpoints")
	unsigned := fs.Bool("unsigned", false, "verify the chain only, without checkpoints (a cut tail goes unnoticed)")
	hmacFile := fs.String("hmac-key-file", "", "file holding the chain's HMAC key (exact bytes, or without a trailing newline: chosen by fingerprint)")
	genkey := fs.String("genkey", "", "write a new key pair to `NAME`.pem and NAME.pub.pem and exit")
	partial := fs.Bool("allow-partial-series", false, "accept a series whose oldest files are missing (exit 0 instead of 3)")
	maxAge := fs.Duration("max-age", 0, "fail with exit 4 when the newest checkpoint is older than `D` (needs -key)")
	var witness, accept listFlag
	fs.Var(&witness, "witness", "`FILE` with copies of the checkpoints (checkpoint lines, or JSON lines with the line in \"_msg\"); repeatable; needs -key")
	fs.Var(&accept, "accept", "reviewed crash range `SEGMENT:FROM-TO` to accept (printed by an exit 3); repeatable")
	quiet := fs.Bool("q", false, "print only problems (never hides them)")
	onlyOnce(fs, "witness", "accept")
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
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
	files := fs.Args()
	if fs.NArg() == 0 || (*keyFile == "") == !*unsigned {
		if fs.NArg() > 0 {
			fmt.Fprintln(stderr, "auditkit-verify: give exactly one of -key or -unsigned")
		}
		fs.Usage()
		return exitUsage
	}
	if onlyCheckpoints(files) {
		fmt.Fprintln(stderr, "auditkit-verify: only FILE.ckpt names given: give the chained files (their checkpoints are read next to them)")
		return exitUsage
	}
	opts := auditchain.VerifyOptions{AllowPartialSeries: *partial, Witness: witness, MaxAge: *maxAge, Now: now}
	if *unsigned && (len(witness) > 0 || *maxAge != 0 || len(accept) > 0) {
		fmt.Fprintln(stderr, "auditkit-verify: -witness, -max-age and -accept need -key")
		return exitUsage
	}
	if *maxAge < 0 {
		fmt.Fprintln(stderr, "auditkit-verify: -max-age must be positive")
		return exitUsage
	}
	for _, a := range accept {
		r, err := auditchain.ParseRange(a)
		if err != nil {
			fmt.Fprintln(stderr, "auditkit-verify: -accept:", err)
			return exitUsage
		}
		opts.Accept = append(opts.Accept, r)
	}
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
	rep, err := auditchain.Verify(files, &opts)
	if err != nil {
		// The files are given, the keys read: whatever fails now is the
		// trail's (or the witness's) failure to verify, never a usage error.
		fmt.Fprintln(stdout, "DOES NOT VERIFY:", err)
		return exitTampered
	}
	return report(rep, opts.PublicKey != nil, *quiet, stdout)
}

// report prints the outcome and returns the exit code.
func report(rep *auditchain.Report, signed, quiet bool, stdout io.Writer) int {
	code := exitOK
	switch {
	case !rep.OK():
		code = exitTampered
	case !rep.Complete():
		code = exitUnproven
	case rep.Stale != nil:
		code = exitStale
	}
	if !quiet {
		for _, n := range rep.Notes {
			fmt.Fprintln(stdout, "note:", n)
		}
	}
	switch code {
	case exitTampered:
		fmt.Fprintln(stdout, "TAMPERED:", rep.Tampered)
	case exitUnproven:
		for _, n := range rep.Incomplete {
			fmt.Fprintln(stdout, "UNPROVEN:", n)
		}
		fmt.Fprintf(stdout, "INCOMPLETE: %d lines in %d segments verify, but not all of the trail is proven\n", rep.Lines, rep.Segments)
	}
	if rep.Stale != nil && code != exitTampered {
		fmt.Fprintln(stdout, "STALE:", rep.Stale)
	}
	if !quiet || code != exitOK {
		fmt.Fprintln(stdout, lastCheckpoint(rep, signed))
	}
	if code == exitOK && !quiet {
		fmt.Fprintf(stdout, "OK: %d lines in %d segments, %d checkpoints\n", rep.Lines, rep.Segments, rep.Checkpoints)
	}
	return code
}

// lastCheckpoint says when the trail's newest checkpoint was made: without
// a witness or -max-age, the only sign of a trail cut at a final checkpoint.
func lastCheckpoint(rep *auditchain.Report, signed bool) string {
	switch {
	case !signed:
		return "last checkpoint: not checked (-unsigned)"
	case rep.LastCheckpoint.IsZero():
		return "last checkpoint: none"
	}
	t := rep.LastCheckpoint
	return fmt.Sprintf("last checkpoint: %s (%s ago)", t.UTC().Format(time.RFC3339), now().Sub(t).Round(time.Second))
}

// onlyOnce makes every flag of fs but the repeatable ones refuse to be
// given twice: a file named "-key=evil.pem" that a shell glob expands
// between the flags must not override the key given before it (which the
// flag package otherwise does: the last one wins).
func onlyOnce(fs *flag.FlagSet, repeatable ...string) {
	fs.VisitAll(func(f *flag.Flag) {
		for _, r := range repeatable {
			if f.Name == r {
				return
			}
		}
		o := &onceValue{Value: f.Value, name: f.Name}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			f.Value = onceBool{o}
		} else {
			f.Value = o
		}
	})
}

// onceValue is a flag value that can be set only once.
type onceValue struct {
	flag.Value
	name string
	set  bool
}

func (o *onceValue) Set(s string) error {
	if o.set {
		return fmt.Errorf("-%s given twice (a file name starting with '-' in a glob? put -- before the files)", o.name)
	}
	o.set = true
	return o.Value.Set(s)
}

// onceBool is a onceValue for a boolean flag, which takes no argument.
type onceBool struct{ *onceValue }

func (onceBool) IsBoolFlag() bool { return true }

// onlyCheckpoints reports whether every argument is a FILE.ckpt name.
func onlyCheckpoints(files []string) bool {
	for _, f := range files {
		if !strings.HasSuffix(f, ".ckpt") {
			return false
		}
	}
	return true
}

func genKey(name string, stdout, stderr io.Writer) int {
	if err := auditchain.WriteKeyFiles(name); err != nil {
		fmt.Fprintln(stderr, "auditkit-verify:", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "wrote %s.pem (private) and %s.pub.pem (public)\n", name, name)
	return exitOK
}
