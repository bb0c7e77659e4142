package ledgertree

import (
	"context"
	"sync"

	"assurance-ledger/eventstore"
)

// progress is the log position the follower has read up to (foreign events included), with a way to
// wait for it: a command's receipt needs the leaf index of an event the tree may not have yet.
type progress struct {
	mu      sync.Mutex
	read    eventstore.Position
	changed chan struct{} // closed and replaced whenever read moves
}

func newProgress() *progress { return &progress{changed: make(chan struct{})} }

func (p *progress) set(pos eventstore.Position) {
	p.mu.Lock()
	p.read = pos
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

func (p *progress) get() eventstore.Position {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.read
}

// waitFor blocks until pos has been read, stop is closed, or ctx ends.
func (p *progress) waitFor(ctx context.Context, pos eventstore.Position, stop <-chan struct{}) error {
	for {
		p.mu.Lock()
		read, changed := p.read, p.changed
		p.mu.Unlock()
		if read >= pos {
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
