package boltstore

// bbolt keeps a reference to every value put until its transaction ends: the writer encodes a
// batch's records into chunks it reuses from one batch to the next, instead of allocating each
// record. A store written a few MiB a commit (ledger audit's mirror) otherwise allocated every byte
// it stored, and in a process whose heap was still growing the kernel zeroed each new page first:
// a tenth of the mirror's writing.

// arena holds the records of the batch being written; owned by the writer goroutine.
type arena struct {
	full  [][]byte // chunks in use, filled
	cur   []byte   // the chunk being filled
	spare [][]byte // chunks free for the next batch
}

const (
	arenaChunk = 1 << 20
	// maxArenaKept bounds what is kept between batches: chunks past it are left to the collector.
	maxArenaKept = 32 << 20
)

// alloc returns an empty slice with room for n bytes, valid until reset. A nil arena allocates.
func (a *arena) alloc(n int) []byte {
	if a == nil || n > arenaChunk/4 {
		return make([]byte, 0, n) // an outsized record has memory of its own
	}
	if cap(a.cur)-len(a.cur) < n {
		if a.cur != nil {
			a.full = append(a.full, a.cur)
		}
		if k := len(a.spare); k > 0 {
			a.cur, a.spare = a.spare[k-1][:0], a.spare[:k-1]
		} else {
			a.cur = make([]byte, 0, arenaChunk)
		}
	}
	b := a.cur[len(a.cur) : len(a.cur) : len(a.cur)+n]
	a.cur = a.cur[:len(a.cur)+n]
	return b
}

// reset frees every chunk for the next batch. Call it only once the transaction whose values are
// in them has ended.
func (a *arena) reset() {
	if a.cur != nil {
		a.full = append(a.full, a.cur)
		a.cur = nil
	}
	for _, c := range a.full {
		if (len(a.spare)+1)*arenaChunk > maxArenaKept {
			break
		}
		a.spare = append(a.spare, c[:0])
	}
	clear(a.full)
	a.full = a.full[:0]
}
