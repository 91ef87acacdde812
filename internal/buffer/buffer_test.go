package buffer

import (
	"testing"
)

func TestBufferWrites(t *testing.T) {
	b := New()
	defer b.Free()
	b.WriteString("hello")
	b.WriteByte(',')
	b.Write([]byte(" world"))
	if got := string(*b); got != "hello, world" {
		t.Fatalf("got %q", got)
	}
	if b.Len() != 12 {
		t.Fatalf("Len = %d", b.Len())
	}
	b.Reset()
	if b.Len() != 0 {
		t.Fatalf("Reset left %d bytes", b.Len())
	}
}

func TestFreeDropsLargeBuffers(t *testing.T) {
	b := New()
	*b = append(*b, make([]byte, maxPooled+1)...)
	b.Free() // must not put it back; nothing observable except no panic and no reuse of a huge slice
	for range 10 {
		c := New()
		if cap(*c) > maxPooled {
			t.Fatalf("pool returned an oversized buffer (cap %d)", cap(*c))
		}
		c.Free()
	}
}

func TestAllocBufferRoundTrip(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	New().Free() // warm the pool
	got := testing.AllocsPerRun(100, func() {
		b := New()
		b.WriteString("x")
		b.Free()
	})
	if got != 0 {
		t.Fatalf("New/Free allocated %v times per run, want 0", got)
	}
}
