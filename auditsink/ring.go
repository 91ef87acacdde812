package auditsink

// ring is a FIFO of entries that grows up to max and can remove its oldest
// entry of a class.
type ring struct {
	buf    []entry
	head   int
	n      int
	others int // non-audit entries queued
	max    int
}

func (r *ring) at(i int) *entry { return &r.buf[(r.head+i)%len(r.buf)] }

func (r *ring) push(e entry) {
	if r.n == len(r.buf) {
		nb := make([]entry, min(max(2*len(r.buf), 64), r.max))
		for i := 0; i < r.n; i++ {
			nb[i] = *r.at(i)
		}
		r.buf, r.head = nb, 0
	}
	*r.at(r.n) = e
	r.n++
	if !e.audit {
		r.others++
	}
}

func (r *ring) pop() entry {
	e := *r.at(0)
	*r.at(0) = entry{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	if !e.audit {
		r.others--
	}
	return e
}

// removeOldest removes the oldest entry whose audit flag equals audit (any
// entry when audit is true and none is an audit event). The caller checked
// that one exists.
func (r *ring) removeOldest(audit bool) entry {
	i := 0
	if !audit || r.n > r.others {
		for i < r.n && r.at(i).audit != audit {
			i++
		}
	}
	e := *r.at(i)
	// Shift the older entries up by one to close the gap.
	for j := i; j > 0; j-- {
		*r.at(j) = *r.at(j - 1)
	}
	*r.at(0) = entry{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	if !e.audit {
		r.others--
	}
	return e
}
