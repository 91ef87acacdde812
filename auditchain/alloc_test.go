package auditchain

import (
	"io"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/auditsink"
	"github.com/secaudit/auditkit/internal/sinktest"
)

func TestChainWriteAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	c, _ := NewChain(io.Discard, nil, nil)
	c.Write([]byte("{}\n"))
	if n := testing.AllocsPerRun(1000, func() { c.WriteRecord(slog.LevelInfo, true, []byte(`{"a":1}`+"\n")) }); n > 0 {
		t.Errorf("Chain allocates %v times per line, want 0", n)
	}
}

// BenchmarkChainWrite is the cost of chaining one line to io.Discard from
// many goroutines (the lock is the contention point).
func BenchmarkChainWrite(b *testing.B) {
	c, _ := NewChain(io.Discard, nil, nil)
	line := append([]byte(`{"k":1,"pad":"`), make([]byte, 480)...)
	for i := 14; i < len(line); i++ {
		line[i] = 'x'
	}
	line = append(line, "\"}\n"...)
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.WriteRecord(slog.LevelInfo, true, line)
		}
	})
}

// Guard above Chain: the warning event is chained like any other line and the
// file verifies, with the torn fragment noted.
func TestGuardAboveChain(t *testing.T) {
	d := &sinktest.FullDisk{Free: 1 << 20}
	c, _ := NewChain(d, nil, nil)
	g := auditsink.NewGuard(c, &auditsink.GuardOptions{Encoder: encoder(func(error) {})})
	g.Write([]byte(`{"i":1}` + "\n"))
	d.Free = 20
	g.Write([]byte(`{"i":2}` + "\n"))
	g.Write([]byte(`{"i":3}` + "\n"))
	d.AddSpace(1 << 20)
	g.Write([]byte(`{"i":4}` + "\n"))
	path := sinktest.WriteFile(t, d.String())
	rep := verifyT(t, nil, path)
	if !rep.Complete() || rep.Lines != 4 || !hasNote(rep, Torn) { // header, 1, event, 4
		t.Fatalf("%+v %v %v\n%s", rep, rep.Tampered, rep.Notes, d.String())
	}
}
