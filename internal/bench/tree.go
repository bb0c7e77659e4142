package bench

import (
	"context"
	"errors"
	"path/filepath"

	"assurance-ledger/eventstore"
	"assurance-ledger/ledgertree"
)

// liveTree is the Merkle tree follower as `ledger serve` runs it: resumed from its checkpoint in the
// data directory, following the log on its own subscription and saving the checkpoint as it goes.
// Running it during the append phase leaves the checkpoint a restart of serve would find, so that
// start-up is measured resuming from it rather than building the tree from nothing.
type liveTree struct {
	cp     *ledgertree.Checkpoint
	f      *ledgertree.Follower
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returns
	err    error         // what Run returned; read after done
}

func startTree(ctx context.Context, dir string, store eventstore.Store) (*liveTree, error) {
	cp, err := ledgertree.OpenCheckpointOrSetAside(filepath.Join(dir, ledgertree.CheckpointFile), nil)
	if err != nil {
		return nil, err
	}
	f, err := ledgertree.Resume(ctx, cp, store, nil)
	if err != nil {
		_ = cp.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	t := &liveTree{cp: cp, f: f, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(t.done); t.err = f.Run(runCtx, store) }()
	return t, nil
}

// stop waits until the tree holds the log up to upTo (0: does not wait), then stops the follower as
// serve does at shutdown (Run saves the checkpoint as it returns) and closes the checkpoint.
func (t *liveTree) stop(ctx context.Context, upTo eventstore.Position) error {
	var err error
	if upTo > 0 {
		err = t.f.WaitFor(ctx, upTo)
	}
	t.cancel()
	<-t.done
	if t.err != nil && !errors.Is(t.err, context.Canceled) {
		err = errors.Join(err, t.err)
	}
	return errors.Join(err, t.cp.Close())
}
