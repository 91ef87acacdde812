package slogaudit

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
)

// TestSlogtest runs the standard handler conformance suite. The result
// function maps our envelope back to what slogtest expects: timestamp →
// slog.TimeKey, severity_text → LevelKey, body → MessageKey, and dotted
// attribute keys → nested maps (our groups are flattened).
func TestSlogtest(t *testing.T) {
	var buf *bytes.Buffer
	slogtest.Run(t, func(*testing.T) slog.Handler {
		buf = new(bytes.Buffer)
		return NewHandler(buf, &Options{Redactor: nil})
	}, func(t *testing.T) map[string]any {
		line := strings.TrimSuffix(buf.String(), "\n")
		if strings.Contains(line, "\n") {
			t.Fatalf("more than one line: %q", line)
		}
		checkJSON(t, line)
		env := parseLine(t, line)
		m := map[string]any{
			slog.LevelKey:   env[KeySeverityText],
			slog.MessageKey: env[KeyBody],
		}
		if ts, ok := env[KeyTimestamp]; ok {
			m[slog.TimeKey] = ts
		}
		for k, v := range env[KeyAttributes].(map[string]any) {
			if k == KeySchemaVersion {
				continue // the handler's own; slogtest does not expect it
			}
			nest(t, m, strings.Split(k, "."), v)
		}
		return m
	})
}

// nest stores v at path in m, creating maps for the groups.
func nest(t *testing.T, m map[string]any, path []string, v any) {
	for _, g := range path[:len(path)-1] {
		sub, ok := m[g].(map[string]any)
		if !ok {
			if _, exists := m[g]; exists {
				t.Fatalf("key %q is both a value and a group", g)
			}
			sub = map[string]any{}
			m[g] = sub
		}
		m = sub
	}
	m[path[len(path)-1]] = v
}
