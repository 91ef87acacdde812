package slogaudit

import (
	"testing"
	"time"
)

func TestWallClock(t *testing.T) {
	var c wallClock
	for i := range 3 {
		before := time.Now().UnixNano()
		got := c.nowNano()
		after := time.Now().UnixNano()
		// The monotonic and wall clocks may differ by their slew between
		// reads: allow a millisecond.
		if got < before-int64(time.Millisecond) || got > after+int64(time.Millisecond) {
			t.Errorf("read %d: %d not within [%d, %d]", i, got, before, after)
		}
	}
	// A base older than a second is replaced by a fresh wall-clock reading,
	// so a stepped clock is followed.
	stale := &clockBase{wall: 0, mono: time.Now().Add(-2 * rebaseEvery)}
	c.base.Store(stale)
	if got := c.nowNano(); got < time.Now().Add(-time.Minute).UnixNano() {
		t.Errorf("stale base used: %d", got)
	}
	if c.base.Load() == stale {
		t.Error("base not replaced")
	}
}

// BenchmarkClock compares the handler's clock with time.Now.
func BenchmarkClock(b *testing.B) {
	b.Run("time.Now", func(b *testing.B) {
		for b.Loop() {
			sinkNano = time.Now().UnixNano()
		}
	})
	b.Run("wallClock", func(b *testing.B) {
		var c wallClock
		for b.Loop() {
			sinkNano = c.nowNano()
		}
	})
}

var sinkNano int64
