package slogaudit_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/redact"
	"github.com/secaudit/auditkit/slogaudit"
)

// The redaction property through the handler (issue 3): for any nesting of
// maps, slices, groups, structs, pointers and LogValuers in which a secret
// sits under a sensitive key or matches an enabled value rule, the secret's
// bytes never appear in the line, in either format. A control run with
// redact.None() proves that each construction does put the secret in the line,
// so the assertion could fail.

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

var (
	neutralKeys   = []string{"a", "data", "items", "user", "info", "ClassName", "monkey"}
	sensitiveKeys = []string{"password", "db.password", "X-Api-Key", "user_ssn", "refreshToken",
		"Set-Cookie", "credentials", "PIN", "clientSecret"}
)

const layerKinds = 8

func wrapLayer(kind byte, key string, sensitive bool, inner any) any {
	switch kind % layerKinds {
	case 0:
		return map[string]any{"other": 1, key: inner}
	case 1:
		if sensitive { // a list has no key of its own
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

// secretOf makes a secret that JSON shows byte for byte and that cannot occur
// by chance in keys, markers or hex pseudonyms ('z' and 'q').
func secretOf(s string) string {
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

// handlerOutputs logs v every way a value reaches the handler (record attr,
// WithAttrs, under WithGroup, in the message) in both formats.
func handlerOutputs(t *testing.T, r *redact.Redactor, group, key string, v any, msg string) map[string][]byte {
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
		l.Info(msg)
		out[f.name] = buf.Bytes()
	}
	return out
}

func checkHandlerNoLeak(t *testing.T, ops []byte, at int, raw string, mode byte, hmacKey bool) {
	t.Helper()
	if len(ops) > 12 {
		ops = ops[:12]
	}
	secret := secretOf(raw)
	opts := redact.Options{ValuePatterns: []string{`zq[0-9A-Za-z]{6,}`}, Detectors: []string{redact.DetectorBearer}}
	if hmacKey {
		opts.HMACKey = []byte("k")
	}
	r, err := redact.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var leaf any = secret
	sensAt := -2 // no sensitive key: the value rules must catch it
	switch mode % 3 {
	case 0:
		sensAt = at % (len(ops) + 2) // len(ops): the attribute key; len(ops)+1: the group
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
		v = wrapLayer(op, key, i == sensAt, v)
	}
	key, group := "attr", "grp"
	switch sensAt {
	case len(ops):
		key = sk
	case len(ops) + 1:
		group = sk
	}
	msg := "login by " + secret
	if sensAt >= 0 || mode%3 == 1 {
		msg = "Authorization: Bearer " + secret // the message only has value rules
	}
	for name, line := range handlerOutputs(t, r, group, key, v, msg) {
		if bytes.Contains(line, []byte(secret)) {
			t.Fatalf("%s leaked %q (ops %v, sensitive layer %d of %d, mode %d):\n%s",
				name, secret, ops, sensAt, len(ops), mode%3, line)
		}
	}
	for name, line := range handlerOutputs(t, redact.None(), group, key, v, msg) {
		if !bytes.Contains(line, []byte(secret)) {
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
