package slogaudit

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reservingWriter appends nothing but claims most of the line for itself,
// which forces the fallback record down to its last tier.
type reservingWriter struct {
	lineBuffer
	reserve int
}

func (w *reservingWriter) ReservedBytes() int { return w.reserve }

// TestFallbackLastTierKeepsSchemaVersion: every line carries schema_version,
// the smallest fallback record included.
func TestFallbackLastTierKeepsSchemaVersion(t *testing.T) {
	w := &reservingWriter{reserve: 720}
	h := NewHandler(w, &Options{
		ServiceName:   strings.Repeat("界", 300), // too long for the first two tiers
		SchemaVersion: "2.7",
		Limits:        Limits{MaxRecordBytes: 1024},
	})
	line := handleOne(t, h, &w.lineBuffer, context.Background(),
		record(slog.LevelInfo, "m", slog.String("blob", strings.Repeat("x", 4000))))
	assert.LessOrEqual(t, len(line)+1, 1024-720, "the line must fit what the writer left")
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &got))
	attrs := got[KeyAttributes].(map[string]any)
	assert.Equal(t, EventMalformedRecord, attrs[KeyEventType])
	assert.Equal(t, "2.7", attrs[KeySchemaVersion])
	assert.NotContains(t, got, KeyResource, "the last tier has no room for the resource")
}
