package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
)

// The property: for any nesting of maps, slices, groups, structs, pointers
// and LogValuers in which a secret sits under a sensitive key or matches an
// enabled value rule, the secret's bytes never appear in the output of
// Middleware (in front of slog.NewJSONHandler), ReplaceAttr (in
// slog.HandlerOptions) or Value (then json.Marshal). A control run with a
// Redactor that has no rules proves that each construction does put the
// secret in the output.

type plainBox struct {
	Inner any `json:"inner"`
}

type secretBox struct {
	Inner any `json:"password"`
}

type groupValuer struct {
	key   string
	inner any
}

func (g groupValuer) LogValue() slog.Value { return slog.GroupValue(slog.Any(g.key, g.inner)) }

var neutralKeys = []string{"a", "data", "items", "user", "info", "ClassName", "monkey"}

// sensitiveKeys are denylisted by default; each layer kind can carry them.
var sensitiveKeys = []string{"password", "db.password", "X-Api-Key", "user_ssn", "refreshToken",
	"Set-Cookie", "credentials", "PIN"}

const layerKinds = 8

// noRules walks values like any Redactor but has no rule to apply.
var noRules = mustNew(Options{ReplaceDefaults: true})

// wrap puts inner under one layer of the given kind with key.
func wrap(kind byte, key string, sensitive bool, inner any) any {
	switch kind % layerKinds {
	case 0:
		return map[string]any{"other": 1, key: inner}
	case 1:
		if sensitive { // a list has no key of its own: put it in a map
			return map[string]any{key: []any{"x", inner}}
		}
		return []any{"x", inner}
	case 2:
		return slog.GroupValue(slog.String("other", "o"), slog.Any(key, inner))
	case 3:
		if sensitive {
			return secretBox{Inner: inner}
		}
		return plainBox{Inner: inner}
	case 4:
		if sensitive {
			return &secretBox{Inner: inner}
		}
		return &plainBox{Inner: inner}
	case 5:
		return groupValuer{key: key, inner: inner}
	case 6:
		return map[any]any{key: inner, 7: "seven"}
	default:
		return map[string][]any{key: {inner}}
	}
}

// secretFrom makes a secret that JSON shows byte for byte and that cannot
// occur by chance in keys, markers or hex pseudonyms ('z' and 'q').
func secretFrom(s string) string {
	var b strings.Builder
	b.WriteString("zq")
	for _, c := range s {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			b.WriteRune(c)
		}
	}
	for b.Len() < 8 {
		b.WriteByte('Q')
	}
	return b.String()
}

// checkNoLeak builds the nesting and asserts the property. mode 0: the secret
// sits under a sensitive key at layer at (or is the attribute key itself, or
// a WithGroup name); mode 1: a bearer credential, found by a detector; mode
// 2: a user value pattern.
func checkNoLeak(t *testing.T, ops []byte, at int, raw string, mode byte, hmacKey bool) {
	t.Helper()
	if len(ops) > 12 {
		ops = ops[:12]
	}
	secret := secretFrom(raw)
	opts := Options{ValuePatterns: []string{`zq[0-9A-Za-z]{6,}`}, Detectors: []string{DetectorBearer}}
	if hmacKey {
		opts.HMACKey = []byte("k")
	}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var leaf any = secret
	sensAt := -2 // no sensitive key
	switch mode % 3 {
	case 0:
		sensAt = at % (len(ops) + 2) // len(ops): attribute key; len(ops)+1: WithGroup
	case 1:
		leaf = "Authorization: Bearer " + secret
	}
	sk := sensitiveKeys[(at/7)%len(sensitiveKeys)]
	v := leaf
	for i, op := range ops {
		key := neutralKeys[(int(op)/layerKinds)%len(neutralKeys)]
		if i == sensAt {
			key = sk
		}
		v = wrap(op, key, i == sensAt, v)
	}
	attrKey, group := "attr", "grp"
	switch sensAt {
	case len(ops):
		attrKey = sk
	case len(ops) + 1:
		group = sk
	}
	outputs := func(r *Redactor) map[string][]byte {
		out := map[string][]byte{}
		var buf bytes.Buffer
		l := slog.New(r.Middleware()(slog.NewJSONHandler(&buf, nil)))
		l.WithGroup(group).Info("m", slog.Any(attrKey, v))
		l.WithGroup(group).With(slog.Any(attrKey, v)).Info("m")
		out["Middleware"] = bytes.Clone(buf.Bytes())
		buf.Reset()
		l = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: r.ReplaceAttr}))
		l.WithGroup(group).Info("m", slog.Any(attrKey, v))
		out["ReplaceAttr"] = bytes.Clone(buf.Bytes())
		b, err := json.Marshal(r.Value(group+"."+attrKey, v))
		if err != nil {
			t.Fatalf("json.Marshal(Value): %v", err)
		}
		out["Value"] = b
		return out
	}
	for name, out := range outputs(r) {
		if bytes.Contains(out, []byte(secret)) {
			t.Fatalf("%s leaked %q (ops %v, sensitive layer %d of %d, mode %d):\n%s",
				name, secret, ops, sensAt, len(ops), mode%3, out)
		}
	}
	// Control: the same walk without any rule shows the secret, so the
	// assertion above could fail.
	for name, out := range outputs(noRules) {
		if !bytes.Contains(out, []byte(secret)) {
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
