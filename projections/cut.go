package projections

import (
	"math"
	"sort"
	"time"

	"assurance-ledger/eventstore"
)

// Cut names the prefix of the log an answer was computed from, so that the answer can be checked
// against the log: the position it ends at, when its last ledger event was recorded, and how many
// ledger events it holds, which is the size of the ledger tree at that point (a signed tree head of
// that size commits to exactly those events).
type Cut struct {
	// AsOf is when the last ledger event of the prefix was recorded (the running maximum of the
	// stamps, as "as of a time" reads them); the zero time for an empty prefix.
	AsOf time.Time `json:"as_of"`
	// AsOfPosition is the last global position the prefix covers: the position asked for, or the
	// last one the projections have applied when that is earlier (or nothing was asked).
	AsOfPosition eventstore.Position `json:"as_of_position"`
	// TreeSize is the number of ledger events in the prefix: the leaves of the ledger tree then.
	TreeSize uint64 `json:"tree_size"`
}

// Latest asks an "as of" query for the ledger as the projections stand: every position at or after
// the last one applied answers the present.
const Latest eventstore.Position = math.MaxUint64

// CutAt is the cut of the log at pos as the projections know it (the present when pos is beyond
// what they have applied; the empty prefix for pos 0).
func (p *Projector) CutAt(pos eventstore.Position) Cut {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.cutLocked(pos)
}

// cutLocked is CutAt with p.mu held.
func (p *Projector) cutLocked(pos eventstore.Position) Cut {
	pos = min(pos, p.appliedPos)
	t := &p.timeline
	n := sort.Search(len(t.positions), func(i int) bool { return t.positions[i] > pos })
	c := Cut{AsOfPosition: pos, TreeSize: uint64(n)}
	if n > 0 {
		c.AsOf = time.Unix(0, t.maxStamp[n-1]).UTC()
	}
	return c
}

// current reports, with p.mu held, whether an answer as of pos is the present one.
func (p *Projector) current(pos eventstore.Position) bool { return pos >= p.appliedPos }

// cutOf is the cut an "as of pos" query answers from, and whether that is the present: the live
// models answer it then, without refolding anything.
func (p *Projector) cutOf(pos eventstore.Position) (Cut, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.cutLocked(pos), p.current(pos)
}
