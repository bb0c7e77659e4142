package ledgertree

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"assurance-ledger/eventstore"
)

// ErrNotReady is returned while the tree has not yet caught up with the log as it was at start: an
// event recorded before then could otherwise be reported unknown.
var ErrNotReady = errors.New("the ledger tree is still catching up with the log")

// Follower keeps a Tree in step with the global log, as the projections do, and reports readiness.
type Follower struct {
	tree   *Tree
	log    *slog.Logger
	ready  atomic.Bool
	failed atomic.Pointer[error]
}

// NewFollower returns a follower feeding tree.
func NewFollower(tree *Tree, log *slog.Logger) *Follower {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Follower{tree: tree, log: log}
}

// Tree is the tree being fed.
func (f *Follower) Tree() *Tree { return f.tree }

// Run subscribes to the log after the tree's last leaf and appends every ledger event until ctx
// ends or an event cannot be appended. Readiness is reached once the head found at start is in.
func (f *Follower) Run(ctx context.Context, store eventstore.Store) error {
	head, err := store.Head(ctx)
	if err != nil {
		return f.fail(fmt.Errorf("ledgertree: reading the log head: %w", err))
	}
	after := f.tree.LastPosition()
	if after >= head {
		f.ready.Store(true)
	}
	for rec, err := range store.Subscribe(ctx, after) {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return f.fail(fmt.Errorf("ledgertree: subscription: %w", err))
		}
		if err := f.apply(rec); err != nil {
			return f.fail(err)
		}
		if !f.ready.Load() && rec.Position >= head {
			f.ready.Store(true)
			f.log.Info("ledger tree caught up", "position", rec.Position, "leaves", f.tree.Size())
		}
	}
	return ctx.Err()
}

// CatchUp appends every ledger event already in the log and returns: a one-off build (ledger
// verify, tests) without a live subscription.
func (f *Follower) CatchUp(ctx context.Context, store eventstore.Store) error {
	after := f.tree.LastPosition()
	for {
		events, err := store.ReadAll(ctx, after, 4096)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			f.ready.Store(true)
			return nil
		}
		for _, rec := range events {
			if err := f.apply(rec); err != nil {
				return f.fail(err)
			}
		}
		after = events[len(events)-1].Position
	}
}

func (f *Follower) apply(rec eventstore.RecordedEvent) error {
	leaf, ok, err := LeafOf(rec)
	if err != nil || !ok {
		return err
	}
	_, err = f.tree.Append(leaf)
	return err
}

func (f *Follower) fail(err error) error {
	f.failed.Store(&err)
	f.log.Error("ledger tree stopped", "error", err.Error())
	return err
}

// Ready returns nil once the tree covers the log as it was at start, and keeps returning the error
// that stopped it, if any.
func (f *Follower) Ready() error {
	if e := f.failed.Load(); e != nil {
		return *e
	}
	if !f.ready.Load() {
		return ErrNotReady
	}
	return nil
}
