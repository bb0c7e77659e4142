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
