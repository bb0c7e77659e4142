package projections

import (
	"context"
	"sync"

	"assurance-ledger/eventstore"
)

// progress tracks the last applied position and lets readers wait for one.
type progress struct {
	mu      sync.Mutex
	applied eventstore.Position
	changed chan struct{} // closed and replaced whenever applied moves
}

func newProgress() *progress { return &progress{changed: make(chan struct{})} }

func (p *progress) set(pos eventstore.Position) {
	p.mu.Lock()
	p.applied = pos
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

func (p *progress) get() eventstore.Position {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.applied
}

// waitFor blocks until pos is applied or ctx ends.
func (p *progress) waitFor(ctx context.Context, pos eventstore.Position) error {
	for {
		p.mu.Lock()
		applied, changed := p.applied, p.changed
		p.mu.Unlock()
		if applied >= pos {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}
