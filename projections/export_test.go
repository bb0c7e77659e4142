package projections

import (
	"slices"
	"testing"

	"assurance-ledger/eventstore"
)

// Prefix is store's log as it stood at upTo, for the external tests.
func Prefix(store eventstore.Store, upTo eventstore.Position) eventstore.Store {
	return prefixOf{store, upTo}
}

// Where a snapshot's parts start, for tests that edit them.
const (
	SnapshotMagicSize  = len(snapshotMagic)
	SnapshotHeaderSize = snapshotHeaderSize
)

// SeededStore is seededStore, for the external tests.
func SeededStore(t *testing.T, scale int) eventstore.Store { return seededStore(t, scale) }

// AppliedPositions is every position the projector has applied, in the order it applied them.
func (p *Projector) AppliedPositions() []eventstore.Position {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.timeline.positions)
}

// CatchUpBatch is how many events CatchUp reads at a time.
func CatchUpBatch() int { return catchUpBatch }

// SetCatchUpBatch makes CatchUp read n events at a time until the test ends, so that a small log
// is many batches.
func SetCatchUpBatch(t *testing.T, n int) {
	was := catchUpBatch
	catchUpBatch = n
	t.Cleanup(func() { catchUpBatch = was })
}
