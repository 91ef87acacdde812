package slogaudit

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/internal/redaction"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRequestKeysTable checks every fact derived from requestKeys against
// the table itself: the bit an attribute key gets in the key cache, the
// index lookup, the sensitive paths, the order in the line and what the
// fallback record keeps. Reordering or extending the table must keep it
// passing; a second encoding of the key set anywhere would make it fail.
func TestRequestKeysTable(t *testing.T) {
	names := map[string]bool{}
	for i, k := range requestKeys {
		require.False(t, names[k.name], "%s listed twice", k.name)
		names[k.name] = true
		assert.Equal(t, i, requestKeyIndex(k.name), k.name)
		assert.Equal(t, reqKeyBit(i), requestKeyBit([]byte(k.name)), k.name)
		assert.True(t, reqKeyBit(i).has(i))
	}
	assert.Equal(t, -1, requestKeyIndex("request"))
	assert.Zero(t, requestKeyBit([]byte("request")))

	h := NewHandler(&lineBuffer{}, nil)
	st := newState(h.c)
	for i, k := range requestKeys {
		assert.Equal(t, reqKeyBit(i), st.keyFor(h.c.root, k.name).reqKey, "key cache, %s", k.name)
		assert.Equal(t, h.c.rules.Enter(redaction.Path{}, k.name), h.c.requestKeyPaths[i], "path of %s", k.name)
	}
	st.free()

	// A scope that provides every key, in reverse: the line lists them in
	// the table's order, right after schema_version.
	var attrs []slog.Attr
	for i := len(requestKeys) - 1; i >= 0; i-- {
		attrs = append(attrs, produced(requestKeys[i].name, "v"+requestKeys[i].name))
	}
	ctx := ContextWithAttrs(context.Background(), attrs...)
	buf := &lineBuffer{}
	line := handleOne(t, NewHandler(buf, withClock(nil)), buf, ctx, record(slog.LevelInfo, "m"))
	want := `"` + KeySchemaVersion + `":"1.0"`
	for _, k := range requestKeys {
		want += `,"` + k.name + `":"v` + k.name + `"`
	}
	assert.Contains(t, line, want)

	// The fallback record keeps exactly the keys marked fallback.
	// (The writer leaves too little room for the record, not for it.)
	w := &reservingWriter{reserve: 600}
	h = NewHandler(w, withClock(&Options{Limits: Limits{MaxRecordBytes: 1024}}))
	line = handleOne(t, h, &w.lineBuffer, ctx, record(slog.LevelInfo, strings.Repeat("m", 400)))
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &got))
	fa := got[KeyAttributes].(map[string]any)
	require.Equal(t, EventMalformedRecord, fa[KeyEventType])
	for _, k := range requestKeys {
		if k.fallback {
			assert.Equal(t, "v"+k.name, fa[k.name], "fallback keeps %s", k.name)
		} else {
			assert.NotContains(t, fa, k.name, "fallback drops %s", k.name)
		}
	}
}
