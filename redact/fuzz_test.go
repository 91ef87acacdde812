package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"

	"github.com/secaudit/auditkit/internal/leaktest"
)

// The property: for any nesting of maps, slices, groups, structs, pointers,
// LogValuers, errors, json.Marshalers and encoding.TextMarshalers in which a
// secret sits under a sensitive key or matches an enabled value rule, the
// secret's bytes never appear in the output of Middleware (in front of
// slog.NewJSONHandler and slog.NewTextHandler), ReplaceAttr (in
// slog.HandlerOptions of both) or Value (then json.Marshal). A control run with
// a Redactor that has no rules proves that each construction does put the
// secret in the output.
//
// Errors and TextMarshalers are opaque: they are logged as their text, which
// shows the secret only when it wraps the bare secret string. Whatever they
// hold besides (fields, MarshalJSON, MarshalText of an error) must never
// reach the output, since a handler would serialise it past the key rules.

// noRules walks values like any Redactor but has no rule to apply.
var noRules = mustNew(Options{ReplaceDefaults: true, ReplaceDefaultDetectors: true})

// project renders v as a Redactor without rules does, as the data an
// application type would put in its MarshalJSON or MarshalText.
func project(v any) any { return noRules.Value("", v) }

// checkNoLeak builds the nesting and asserts the property. mode 0: the secret
// sits under a sensitive key at layer at (or is the attribute key itself, or
// a WithGroup name); mode 1: a bearer credential, found by a detector; mode
// 2: a user value pattern.
func checkNoLeak(t *testing.T, ops []byte, at int, raw string, mode byte, hmacKey bool) {
	t.Helper()
	c := leaktest.Build(ops, at, raw, mode, project)
	secret, v, attrKey, group := c.Secret, c.Value, c.Key, c.Group
	opts := Options{ValuePatterns: []string{`zq[0-9A-Za-z]{6,}`}, Detectors: []string{DetectorBearer}}
	if hmacKey {
		opts.HMACKey = []byte("k")
	}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	outputs := func(r *Redactor) map[string][]byte {
		out := map[string][]byte{}
		var buf bytes.Buffer
		l := slog.New(r.Middleware()(slog.NewJSONHandler(&buf, nil)))
		l.WithGroup(group).Info("m", slog.Any(attrKey, v))
		l.WithGroup(group).With(slog.Any(attrKey, v)).Info("m")
		out["Middleware"] = bytes.Clone(buf.Bytes())
		buf.Reset()
		l = slog.New(r.Middleware()(slog.NewTextHandler(&buf, nil)))
		l.WithGroup(group).Info("m", slog.Any(attrKey, v))
		l.WithGroup(group).With(slog.Any(attrKey, v)).Info("m")
		out["Middleware+Text"] = bytes.Clone(buf.Bytes())
		buf.Reset()
		l = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: r.ReplaceAttr}))
		l.WithGroup(group).Info("m", slog.Any(attrKey, v))
		out["ReplaceAttr"] = bytes.Clone(buf.Bytes())
		buf.Reset()
		l = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: r.ReplaceAttr}))
		l.WithGroup(group).Info("m", slog.Any(attrKey, v))
		out["ReplaceAttr+Text"] = bytes.Clone(buf.Bytes())
		b, err := json.Marshal(r.Value(group+"."+attrKey, v))
		if err != nil {
			t.Fatalf("json.Marshal(Value): %v", err)
		}
		out["Value"] = b
		return out
	}
	// A []byte holding the secret shows as base64 (JSON, c.Forms), as a
	// quoted string (slog.TextHandler at the top level) or, nested in
	// slog.TextHandler output, as fmt's list of decimal numbers.
	decimal := fmt.Sprint([]byte(secret))
	decimal = decimal[1 : len(decimal)-1]
	shows := func(out []byte) bool {
		return c.Shows(out) || len(c.Forms) > 0 && bytes.Contains(out, []byte(decimal))
	}
	for name, out := range outputs(r) {
		if shows(out) {
			t.Fatalf("%s leaked %q (ops %v, sensitive layer %d of %d, mode %d):\n%s",
				name, secret, ops, c.SensitiveAt, len(ops), mode%3, out)
		}
	}
	// Control: the same walk without any rule shows the secret, so the
	// assertion above could fail. (Behind an opaque layer it is hidden by
	// design; there the assertion is that nothing the layer holds besides
	// its text gets out.)
	if !c.Visible {
		return
	}
	for name, out := range outputs(noRules) {
		if !shows(out) {
			t.Fatalf("control: %s without rules does not show the secret:\n%s", name, out)
		}
	}
}

func FuzzRedact(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, uint8(1), "hunter2", uint8(0), false)
	f.Add([]byte{5, 6, 7}, uint8(3), "s3cr3t", uint8(0), true)
	f.Add([]byte{}, uint8(0), "x", uint8(0), false)
	f.Add([]byte{2, 2, 4}, uint8(0), "token", uint8(1), false)
	f.Add([]byte{1, 3, 9, 17}, uint8(5), "abc", uint8(2), true)
	// Errors, json.Marshalers and TextMarshalers at the leaf and deeper.
	f.Add([]byte{8, 1}, uint8(0), "fields", uint8(0), false)
	f.Add([]byte{0, 1, 8}, uint8(9), "nested", uint8(1), false)
	f.Add([]byte{9, 10, 12}, uint8(3), "marshal", uint8(2), true)
	f.Add([]byte{11, 1, 11}, uint8(1), "json", uint8(0), false)
	f.Fuzz(func(t *testing.T, ops []byte, at uint8, raw string, mode uint8, hmacKey bool) {
		checkNoLeak(t, ops, int(at), raw, mode, hmacKey)
	})
}

func TestRedactProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := 0; i < n; i++ {
		ops := make([]byte, rng.IntN(7))
		for j := range ops {
			ops[j] = byte(rng.IntN(256))
		}
		raw := fmt.Sprintf("%x", rng.Uint64())
		checkNoLeak(t, ops, rng.IntN(64), raw, byte(rng.IntN(3)), rng.IntN(2) == 0)
	}
}
