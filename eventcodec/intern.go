package eventcodec

import (
	"hash/maphash"
	"sync"
)

// internTable remembers recently decoded strings, so that a value recurring across events (an ODS
// code, a person, a role, a section, the content hash every sign-off of a version names) is one
// string in memory rather than one per event. At a million events that is tens of megabytes less
// to allocate and, since the projections keep these strings, less for the collector to mark.
type internTable struct {
	slots [1 << 12]string
	// reader is the shape reader of the decode holding t: pooled with it, so that no decode
	// allocates one (the reader's list helper takes func values, which escape analysis cannot see
	// through, so a reader of the decode's own would be put on the heap).
	reader shapeReader
}

// readerFor returns t's reader, set to read b with t's interning; done clears it.
func (t *internTable) readerFor(b []byte, borrow bool) *shapeReader {
	if t == nil {
		return &shapeReader{b: b, borrow: borrow}
	}
	t.reader = shapeReader{b: b, intern: t, borrow: borrow}
	return &t.reader
}

// done forgets what r read, so that the pooled table keeps no reference to the decode's input.
func (r *shapeReader) done() { r.b = nil }

var (
	internSeed   = maphash.MakeSeed()
	internTables = sync.Pool{New: func() any { return new(internTable) }}
)

// maxInterned bounds the strings worth looking up: longer ones are text, which rarely recurs.
const maxInterned = 96

// string returns b as a string, the one already in the table if it is there.
func (t *internTable) string(b []byte) string {
	if t == nil || len(b) > maxInterned || len(b) < 2 {
		return string(b) // one-byte strings need no table: the runtime has them
	}
	slot := &t.slots[maphash.Bytes(internSeed, b)%uint64(len(t.slots))]
	if *slot != string(b) {
		*slot = string(b)
	}
	return *slot
}
