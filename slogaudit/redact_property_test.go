package slogaudit_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/internal/leaktest"
	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// The redaction property through the handler (issue 3): for any nesting of
// maps, slices, groups, structs, pointers, LogValuers, errors, json.Marshalers
// and TextMarshalers (internal/leaktest builds them) in which a secret
// sits under a sensitive key or matches an enabled value rule, the secret's
// bytes never appear in the line, in either format. A control run with
// redact.None() proves that each construction does put the secret in the line,
// so the assertion could fail.

// noRules projects values as an application type would in its MarshalJSON or
// MarshalText output: walked, but with nothing redacted.
var noRules = func() *redact.Redactor {
	r, err := redact.New(redact.Options{ReplaceDefaults: true, ReplaceDefaultDetectors: true})
	if err != nil {
		panic(err)
	}
	return r
}()

func project(v any) any { return noRules.Value("", v) }

// handlerOutputs logs v every way a value reaches the handler (record attr,
// WithAttrs, under WithGroup, in the message) in both formats.
//
// The request scope is a way in too: the value as a scope attribute under its
// key (when the group is not what makes it sensitive), and as the value of a
// request-scope key (when the key is not what makes it sensitive either).
func handlerOutputs(t *testing.T, r *redact.Redactor, c leaktest.Case, ops int, msg string) map[string][]byte {
	group, key, v := c.Group, c.Key, c.Value
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []struct {
		name   string
		format slogaudit.Format
	}{{"jsonl", slogaudit.FormatJSONL}, {"otlp", slogaudit.FormatOTLPJSON}} {
		var buf bytes.Buffer
		h := slogaudit.NewHandler(&buf, &slogaudit.Options{
			Redactor: r,
			Format:   f.format,
			// Deep enough that no construction here is cut by limits, which
			// would hide the secret from the control run.
			Limits: slogaudit.Limits{MaxDepth: 64, MaxRecordBytes: 1 << 20},
		})
		l := slog.New(h)
		l.WithGroup(group).Info("m", slog.Any(key, v))
		l.WithGroup(group).With(slog.Any(key, v)).Info("m")
		out[f.name+"/attrs"] = bytes.Clone(buf.Bytes())
		buf.Reset()
		if c.SensitiveAt != ops+1 {
			_ = h.Handle(slogaudit.ContextWithAttrs(context.Background(), slog.Any(key, v)), slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0))
			out[f.name+"/scope"] = bytes.Clone(buf.Bytes())
			buf.Reset()
		}
		if c.SensitiveAt < ops {
			for _, k := range []string{slogaudit.KeyRequestID, slogaudit.KeySessionID, slogaudit.KeyClientAddress} {
				_ = h.Handle(slogaudit.ContextWithAttrs(context.Background(), slog.Any(k, v)), slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0))
			}
			out[f.name+"/scope-keys"] = bytes.Clone(buf.Bytes())
			buf.Reset()
		}
		l.Info(msg)
		out[f.name+"/message"] = bytes.Clone(buf.Bytes())
	}
	return out
}

func checkHandlerNoLeak(t *testing.T, ops []byte, at int, raw string, mode byte, hmacKey bool) {
	t.Helper()
	c := leaktest.Build(ops, at, raw, mode, project)
	opts := redact.Options{ValuePatterns: []string{`zq[0-9A-Za-z]{6,}`}, Detectors: []string{redact.DetectorBearer}}
	if hmacKey {
		opts.HMACKey = []byte("k")
	}
	r, err := redact.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	msg := "login by " + c.Secret
	if c.SensitiveAt >= 0 || mode%3 == 1 {
		msg = "Authorization: Bearer " + c.Secret // the message only has value rules
	}
	for name, line := range handlerOutputs(t, r, c, len(ops), msg) {
		if c.Shows(line) {
			t.Fatalf("%s leaked %q (ops %v, sensitive layer %d of %d, mode %d):\n%s",
				name, c.Secret, ops, c.SensitiveAt, len(ops), mode%3, line)
		}
	}
	// Control: without redaction the secret shows, so the assertion above
	// could fail. Behind an opaque layer (an error or TextMarshaler logged as
	// its text) the value hides it by design; the message still carries it.
	for name, line := range handlerOutputs(t, redact.None(), c, len(ops), msg) {
		if !c.Visible && !strings.HasSuffix(name, "/message") {
			continue
		}
		if !c.Shows(line) {
			t.Fatalf("control: %s without redaction does not show the secret:\n%s", name, line)
		}
	}
}

func FuzzHandlerNoLeak(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, uint8(1), "hunter2", uint8(0), false)
	f.Add([]byte{5, 6, 7}, uint8(3), "s3cr3t", uint8(0), true)
	f.Add([]byte{}, uint8(0), "x", uint8(0), false)
	f.Add([]byte{2, 2, 4}, uint8(0), "token", uint8(1), false)
	f.Add([]byte{1, 3, 9, 17}, uint8(5), "abc", uint8(2), true)
	f.Fuzz(func(t *testing.T, ops []byte, at uint8, raw string, mode uint8, hmacKey bool) {
		checkHandlerNoLeak(t, ops, int(at), raw, mode, hmacKey)
	})
}

func TestHandlerRedactionProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 1500
	if testing.Short() {
		n = 200
	}
	for range n {
		ops := make([]byte, rng.IntN(7))
		for j := range ops {
			ops[j] = byte(rng.IntN(256))
		}
		raw := fmt.Sprintf("%x", rng.Uint64())
		checkHandlerNoLeak(t, ops, rng.IntN(64), raw, byte(rng.IntN(3)), rng.IntN(2) == 0)
	}
}
