package otlp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/secaudit/auditkit/auditchain"
	"github.com/secaudit/auditkit/slogaudit"
)

// TestCollectorReadsChainedFile writes a chained, signed file in
// FormatOTLPJSON (the handler and the chain made from one Encoder), with
// three segments: the first run, a rotation in place (Reopen) and a restart
// (OpenChain again). Every line of it, the segment headers included, is
// decoded on its own by the Collector's plog.JSONUnmarshaler, as the
// otlpjsonfile receiver reads a file: the chain's top-level "seq" and
// "chain" keys must not stop it, and the headers must carry the configured
// resource, not unknown_service. The file then verifies.
func TestCollectorReadsChainedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.otlp.jsonl")
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	enc := slogaudit.NewEncoder(&slogaudit.Options{
		Format:         slogaudit.FormatOTLPJSON,
		ServiceName:    "billing",
		ServiceVersion: "2.3.4",
		OnError:        func(err error) { t.Errorf("OnError: %v", err) },
	})
	chainOpts := &auditchain.ChainOptions{SigningKey: priv, Encoder: enc}

	logged := 0
	logSome := func(chain *auditchain.Chain, n int) {
		logger := slog.New(enc.NewHandler(chain))
		for i := range n {
			logger.LogAttrs(context.Background(), slog.LevelWarn, "login failed",
				slog.String(slogaudit.KeyEventType, "auth.login.failed"), slog.Int("attempt", i))
			logged++
		}
	}
	chain, err := auditchain.OpenChain(path, nil, chainOpts)
	require.NoError(t, err)
	logSome(chain, 3)
	require.NoError(t, chain.Reopen()) // rotation without a rename: a new segment in the same file
	logSome(chain, 2)
	require.NoError(t, chain.Close())
	chain, err = auditchain.OpenChain(path, nil, chainOpts) // a restart
	require.NoError(t, err)
	logSome(chain, 1)
	require.NoError(t, chain.Close())

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	headers, records, n := 0, 0, 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		require.True(t, bytes.HasPrefix(line, []byte(`{"resourceLogs":[`)), "line %d is not an OTLP/JSON request: %s", n, line)
		var u plog.JSONUnmarshaler
		ld, err := u.UnmarshalLogs(line)
		require.NoError(t, err, "line %d: the Collector's decoder rejects it: %s", n, line)
		require.Equal(t, 1, ld.LogRecordCount(), "line %d: %s", n, line)
		rl := ld.ResourceLogs().At(0)
		sl := rl.ScopeLogs().At(0)
		lr := sl.LogRecords().At(0)
		assert.Equal(t, map[string]any{"service.name": "billing", "service.version": "2.3.4"},
			rl.Resource().Attributes().AsRaw(), "line %d: resource", n)
		attrs := lr.Attributes().AsRaw()
		assert.Equal(t, "1.0", attrs[slogaudit.KeySchemaVersion], "line %d: schema_version", n)
		assert.NotZero(t, lr.ObservedTimestamp(), "line %d", n)

		if lr.EventName() != auditchain.EventChainSegment {
			records++
			assert.Equal(t, slogaudit.DefaultScopeName, sl.Scope().Name(), "line %d", n)
			assert.Equal(t, "auth.login.failed", attrs[slogaudit.KeyEventType], "line %d", n)
			assert.Equal(t, plog.SeverityNumberWarn, lr.SeverityNumber(), "line %d", n)
			continue
		}
		headers++
		assert.Equal(t, auditchain.ScopeName, sl.Scope().Name(), "header %d: scope", headers)
		assert.Equal(t, auditchain.EventChainSegment, attrs[slogaudit.KeyEventType], "header %d", headers)
		assert.Equal(t, pcommon.ValueTypeStr, lr.Body().Type())
		seg, _ := attrs[auditchain.KeyChainSegment].(string)
		assert.Len(t, seg, 32, "header %d: %s", headers, auditchain.KeyChainSegment)
		assert.Equal(t, auditchain.AlgSHA256, attrs[auditchain.KeyChainAlgorithm], "header %d", headers)
		assert.Equal(t, auditchain.KeyFingerprint(pub), attrs[auditchain.KeyChainKeyFingerprint], "header %d", headers)
		if headers == 1 {
			assert.NotContains(t, attrs, auditchain.KeyChainPrevHead, "the first header continues nothing")
		} else {
			// The link is typed as the chain wrote it: prev_seq an int.
			assert.IsType(t, int64(0), attrs[auditchain.KeyChainPrevSeq], "header %d: %s", headers, auditchain.KeyChainPrevSeq)
			assert.Len(t, attrs[auditchain.KeyChainPrevHead], 64, "header %d", headers)
			assert.Len(t, attrs[auditchain.KeyChainPrevSegment], 32, "header %d", headers)
		}
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, 3, headers, "segment headers: first run, Reopen, restart")
	assert.Equal(t, logged, records)

	rep, err := auditchain.Verify([]string{path}, &auditchain.VerifyOptions{PublicKey: pub})
	require.NoError(t, err)
	require.True(t, rep.Complete(), "tampered %v, incomplete %v", rep.Tampered, rep.Incomplete)
	assert.Equal(t, 3, rep.Segments)
	assert.Equal(t, n, rep.Lines)
}
