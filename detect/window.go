package detect

// slots is the number of steps a window slides in: counts are kept per
// window/slots, so memory per key does not depend on the threshold.
const slots = 16

// counter is a count of records over a sliding window, kept in slots
// buckets. Slot indices are absolute (time / slot width); base is the newest
// slot the counter has seen, and counts[i%slots] holds slot i for i in
// (base-slots, base].
type counter struct {
	base   int64
	counts [slots]uint32
	total  uint32 // the sum of counts
}

// advance moves the counter to slot s, dropping the slots that leave the
// window. A slot before base (a clock that went backwards) leaves the
// counter as it is: the record then counts in the newest slot; unless the
// clock went back a whole window or more, which restarts the counter at s
// (else the records counted in the future would stay in the window until
// the clock caught up).
func (c *counter) advance(s int64) {
	if s <= c.base {
		if c.base-s >= slots {
			*c = counter{base: s}
		}
		return
	}
	if s-c.base >= slots {
		c.counts = [slots]uint32{}
		c.total = 0
	} else {
		for i := c.base + 1; i <= s; i++ {
			j := i % slots
			c.total -= c.counts[j]
			c.counts[j] = 0
		}
	}
	c.base = s
}

// add counts one record at slot s and returns the count in the window.
func (c *counter) add(s int64) uint32 {
	c.advance(s)
	if c.total < ^uint32(0) {
		c.counts[c.base%slots]++
		c.total++
	}
	return c.total
}

// at returns the count in the window that ends at slot s.
func (c *counter) at(s int64) uint32 {
	c.advance(s)
	return c.total
}

// fingerprints is a fixed-size set of value fingerprints, each with the slot
// it was last seen in: the distinct-count sketch. It counts exactly up to
// MaxDistinct distinct values in the window (two values share a fingerprint
// with probability 2^-32 per pair, under a per-process random seed), and
// saturates there: once full, a new value replaces the one seen longest ago.
type fingerprints struct {
	fp   [MaxDistinct]uint32
	seen [MaxDistinct]int64
	n    uint8
}

// add records fingerprint f at slot s and returns the number of distinct
// values seen in the window ending at s.
func (d *fingerprints) add(f uint32, s int64) int {
	oldest := -1
	for i := range int(d.n) {
		if d.fp[i] == f {
			d.seen[i] = max(d.seen[i], s)
			return d.count(s)
		}
		if oldest < 0 || d.seen[i] < d.seen[oldest] {
			oldest = i
		}
	}
	if int(d.n) < MaxDistinct {
		d.fp[d.n], d.seen[d.n] = f, s
		d.n++
	} else {
		d.fp[oldest], d.seen[oldest] = f, s
	}
	return d.count(s)
}

// count returns the number of fingerprints seen in the window ending at s,
// dropping the older ones (and those a whole window in its future: a clock
// that went back).
func (d *fingerprints) count(s int64) int {
	k := 0
	for i := range int(d.n) {
		if s-d.seen[i] < slots && d.seen[i]-s < slots {
			d.fp[k], d.seen[k] = d.fp[i], d.seen[i]
			k++
		}
	}
	d.n = uint8(k)
	return k
}
