package boltstore

import (
	"hash/maphash"
	"sync/atomic"

	"assurance-ledger/eventstore"
)

// changeSlots is how many positions the store remembers for ChangedSince: streams share a slot by
// hash, so a slot holds the last position committed to any of its streams. 128 KiB, nothing for
// the collector to scan; with tens of thousands of streams a false alarm (a read that finds
// nothing new) stays rare.
const changeSlots = 1 << 14

// changes remembers, per slot, the last position committed to its streams. The writer goroutine
// alone raises them, after the commit and before the head moves and appends are answered.
type changes struct {
	seed  maphash.Seed
	slots [changeSlots]atomic.Uint64
}

func newChanges() *changes { return &changes{seed: maphash.MakeSeed()} }

func (c *changes) slot(stream string) *atomic.Uint64 {
	return &c.slots[maphash.String(c.seed, stream)%changeSlots]
}

// committed records that stream's events up to pos are committed.
func (c *changes) committed(stream string, pos eventstore.Position) { raise(c.slot(stream), pos) }

// committedUnknown records that events up to pos of streams unknown are committed: every slot
// may have changed.
func (c *changes) committedUnknown(pos eventstore.Position) {
	for i := range c.slots {
		raise(&c.slots[i], pos)
	}
}

// raise sets slot to pos unless it is already past it. Only the writer raises slots, so a load
// then a store cannot lose a higher value.
func raise(slot *atomic.Uint64, pos eventstore.Position) {
	if slot.Load() < pos {
		slot.Store(pos)
	}
}

var _ eventstore.StreamChanges = (*Store)(nil)

// ChangeMark is the last committed position: slots are raised before it moves.
func (s *Store) ChangeMark() eventstore.Position { return s.head.Load() }

// ChangedSince reports whether an event of stream may have been committed after pos. Only this
// process writes the file (bbolt holds it locked), and every append goes through the writer, so
// nothing is committed that the slots miss: events stored before Open are at or before the first
// ChangeMark, and a commit reported failed that reached the file anyway raises every slot when the
// writer finds it (fileHead).
func (s *Store) ChangedSince(stream string, pos eventstore.Position) bool {
	return s.changes.slot(stream).Load() > pos
}
