package ledgertree

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"assurance-ledger/eventstore"
)

// errCheckpointMismatch marks a checkpoint that does not describe this log.
var errCheckpointMismatch = errors.New("the checkpoint does not match the log")

// Resume returns a follower whose tree starts from the checkpoint, so that a restart reads and hashes
// only the events recorded after it, and which saves back to cp as it follows.
//
// Before it is used, the checkpoint's last leaf is checked against the event the log holds at that
// position: same event id, same leaf hash. That is cheap and catches a checkpoint from another
// ledger, another store or a log that was rolled back; it does not re-check earlier leaves (ledger
// verify does, from the log alone). A checkpoint that fails the check or cannot be read is
// discarded with a logged warning and the tree is rebuilt from the start of the log; an error
// reading the log is returned.
func Resume(ctx context.Context, cp *Checkpoint, store eventstore.Store, log *slog.Logger) (*Follower, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tree, err := cp.Load()
	if err == nil {
		err = checkLastLeaf(ctx, store, tree)
	}
	if err != nil {
		if !errors.Is(err, ErrBadCheckpoint) && !errors.Is(err, errCheckpointMismatch) {
			return nil, err
		}
		log.Warn("ledger tree checkpoint discarded; rebuilding the tree from the start of the log", "error", err.Error())
		if err := cp.Reset(); err != nil {
			return nil, err
		}
		tree = NewTree()
	} else if tree.Size() > 0 {
		log.Info("ledger tree resumed from checkpoint", "leaves", tree.Size(), "position", tree.LastPosition())
	}
	f := NewFollower(tree, log)
	f.cp = cp
	return f, nil
}

// checkLastLeaf compares the tree's last leaf with the event at its position in the log.
func checkLastLeaf(ctx context.Context, store eventstore.Store, tree *Tree) error {
	n := tree.Size()
	if n == 0 {
		return nil
	}
	tree.mu.RLock()
	pos, id := tree.positions[n-1], tree.ids[n-1]
	var after eventstore.Position
	if n > 1 {
		after = tree.positions[n-2]
	}
	want := tree.levels[0][n-1]
	tree.mu.RUnlock()
	// Foreign events may lie between the last two leaves, so read on until the position is passed.
	for {
		events, err := store.ReadAll(ctx, after, 64)
		if errors.Is(err, eventstore.ErrInvalidPosition) {
			// A checkpoint of another store's log (moved from the embedded store to EventStoreDB).
			return fmt.Errorf("%w: leaf %d follows position %d, which this store's log has no event at: %w", errCheckpointMismatch, n-1, after, err)
		}
		if err != nil {
			return fmt.Errorf("ledgertree: checking the checkpoint against the log: %w", err)
		}
		if len(events) == 0 {
			return fmt.Errorf("%w: leaf %d is at position %d, beyond the end of the log", errCheckpointMismatch, n-1, pos)
		}
		for _, rec := range events {
			if rec.Position < pos {
				continue
			}
			if rec.Position > pos || rec.ID != id {
				return fmt.Errorf("%w: leaf %d is event %s at position %d, the log has no such event there", errCheckpointMismatch, n-1, id, pos)
			}
			leaf, ok, err := LeafOf(rec)
			if err != nil || !ok {
				return fmt.Errorf("%w: the event at position %d is not a ledger event: %v", errCheckpointMismatch, pos, err)
			}
			if got := Hasher.HashLeaf(leaf.Hash[:]); !bytes.Equal(got, want[:]) {
				return fmt.Errorf("%w: leaf %d (event %s) has hash %x in the checkpoint, %x in the log", errCheckpointMismatch, n-1, id, want, got)
			}
			return nil
		}
		after = events[len(events)-1].Position
	}
}
