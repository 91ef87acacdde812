package otlp

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/secaudit/auditkit/internal/otlp"
)

// sameAsCollector checks that the exporter's request bodies for lines, in
// protobuf and in JSON, decode with the Collector's own unmarshalers to
// exactly what the Collector decodes from the lines themselves: every
// resource, scope and record field, value types included.
func sameAsCollector(t testing.TB, lines ...[]byte) {
	t.Helper()
	var ju plog.JSONUnmarshaler
	want := plog.NewLogs()
	for _, l := range lines {
		ld, err := ju.UnmarshalLogs(l)
		require.NoError(t, err, "%s", l)
		ld.ResourceLogs().MoveAndAppendTo(want.ResourceLogs())
	}
	wantJSON := flatten(t, want)
	for _, protobuf := range []bool{true, false} {
		b := otlp.NewBatch(protobuf)
		for _, l := range lines {
			require.NoError(t, b.Add(l), "%s", l)
		}
		body, err := b.Append(nil, 0, len(lines))
		require.NoError(t, err)
		var got plog.Logs
		if protobuf {
			got, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(body)
		} else {
			got, err = ju.UnmarshalLogs(body)
		}
		require.NoError(t, err, "protobuf %v", protobuf)
		require.Equal(t, wantJSON, flatten(t, got), "protobuf %v", protobuf)
	}
}

// flatten returns one OTLP/JSON request per record (its resource and
// scope with it), so that grouping records differently compares equal.
func flatten(t testing.TB, ld plog.Logs) []string {
	t.Helper()
	var out []string
	var m plog.JSONMarshaler
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			sl := rl.ScopeLogs().At(j)
			for k := 0; k < sl.LogRecords().Len(); k++ {
				one := plog.NewLogs()
				orl := one.ResourceLogs().AppendEmpty()
				rl.Resource().CopyTo(orl.Resource())
				orl.SetSchemaUrl(rl.SchemaUrl())
				osl := orl.ScopeLogs().AppendEmpty()
				sl.Scope().CopyTo(osl.Scope())
				osl.SetSchemaUrl(sl.SchemaUrl())
				sl.LogRecords().At(k).CopyTo(osl.LogRecords().AppendEmpty())
				b, err := m.MarshalLogs(one)
				require.NoError(t, err)
				out = append(out, string(b))
			}
		}
	}
	return out
}

// TestExporterBodiesMatchCollector runs every case of TestCollectorDecodes
// (each value kind, groups, trace ids, limits, the fallback, hostile
// strings) through the exporter's transcoder, one by one and as one batch.
func TestExporterBodiesMatchCollector(t *testing.T) {
	var all [][]byte
	for _, tc := range cases() {
		line := handle(t, tc)
		t.Run(tc.name, func(t *testing.T) { sameAsCollector(t, line) })
		all = append(all, line)
	}
	sameAsCollector(t, all...)
}
