package ledgertree

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"assurance-ledger/eventstore"
	"assurance-ledger/internal/progress"
)

// ErrNotReady is returned while the tree has not yet caught up with the log as it was at start: an
// event recorded before then could otherwise be reported unknown.
var ErrNotReady = errors.New("the ledger tree is still catching up with the log")

// Follower keeps a Tree in step with the global log, as the projections do, and reports readiness.
type Follower struct {
	tree     *Tree
	log      *slog.Logger
	ready    atomic.Bool
	failed   atomic.Pointer[error]
	progress *progress.Tracker
	stopped  chan struct{} // closed when Run returns, so that no waiter outlives it
	stopOnce sync.Once
	read     atomic.Uint64 // ledger events read from the log and appended

	// cp, when set, receives the tree every SaveInterval while Run follows, and when it returns.
	cp           *Checkpoint
	SaveInterval time.Duration
}

// NewFollower returns a follower feeding tree, which it neither loads nor saves.
func NewFollower(tree *Tree, log *slog.Logger) *Follower {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Follower{tree: tree, log: log, progress: progress.New(), stopped: make(chan struct{}), SaveInterval: time.Second}
	f.progress.Set(tree.LastPosition())
	return f
}

// Read is how many ledger events this follower has read from the log and appended: after Resume,
// only those after the checkpoint.
func (f *Follower) Read() uint64 { return f.read.Load() }

// WaitFor blocks until the follower has read the log up to pos, ctx ends, or the follower stops.
// The caller then asks the tree: an event at pos is a leaf unless it was foreign or the follower
// stopped first.
func (f *Follower) WaitFor(ctx context.Context, pos eventstore.Position) error {
	return f.progress.WaitFor(ctx, pos, f.stopped)
}

// Tree is the tree being fed.
func (f *Follower) Tree() *Tree { return f.tree }

// Run subscribes to the log after the tree's last leaf and appends every ledger event until ctx
// ends or an event cannot be appended. Readiness is reached once the head found at start is in.
func (f *Follower) Run(ctx context.Context, store eventstore.Store) error {
	defer f.stop()
	if f.cp != nil {
		saverDone := make(chan struct{})
		saveCtx, stopSaving := context.WithCancel(context.Background())
		go func() { defer close(saverDone); f.saveEvery(saveCtx) }()
		defer func() {
			stopSaving()
			<-saverDone
			f.save() // what was appended since the last tick
		}()
	}
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
	defer func() {
		if f.cp != nil {
			f.save()
		}
	}()
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
	if err != nil {
		return err
	}
	if ok {
		if _, err := f.tree.Append(leaf); err != nil {
			return err
		}
		f.read.Add(1)
	}
	f.progress.Set(rec.Position)
	return nil
}

func (f *Follower) stop() { f.stopOnce.Do(func() { close(f.stopped) }) }

func (f *Follower) saveEvery(ctx context.Context) {
	tick := time.NewTicker(f.SaveInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			f.save()
		}
	}
}

// save writes the checkpoint. A failure is logged and not fatal: the log still holds every event,
// and the next save (or the next start, from an older checkpoint) catches up.
func (f *Follower) save() {
	if err := f.cp.Save(f.tree); err != nil {
		f.log.Warn("ledger tree checkpoint not saved", "error", err.Error())
	}
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
