// Package progress tracks how far a reader of the global log has come, and lets others wait until
// it has come far enough: a query that must see its own write waits for the projections, a command
// receipt waits for the Merkle tree to take in its event.
package progress

import (
	"context"
	"sync"

	"assurance-ledger/eventstore"
)

// Tracker holds a log position that only moves forward. The zero value is not usable; call New.
type Tracker struct {
	mu      sync.Mutex
	pos     eventstore.Position
	changed chan struct{} // closed and replaced whenever pos moves
}

// New returns a tracker at position 0.
func New() *Tracker { return &Tracker{changed: make(chan struct{})} }

// Set records that the reader has come to pos and wakes every waiter.
func (t *Tracker) Set(pos eventstore.Position) {
	t.mu.Lock()
	t.pos = pos
	close(t.changed)
	t.changed = make(chan struct{})
	t.mu.Unlock()
}

// Get is the position last set.
func (t *Tracker) Get() eventstore.Position {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pos
}

// WaitFor blocks until pos has been reached (nil), ctx ends (its error), or stop is closed (nil:
// the reader has stopped and the caller must look at why). A nil stop never closes.
func (t *Tracker) WaitFor(ctx context.Context, pos eventstore.Position, stop <-chan struct{}) error {
	for {
		t.mu.Lock()
		reached, changed := t.pos, t.changed
		t.mu.Unlock()
		if reached >= pos {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-stop:
			return nil
		case <-changed:
		}
	}
}
