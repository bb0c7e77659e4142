package main

import (
	"context"
	"log/slog"

	"assurance-ledger/eventstore"
)

// mappedReleaser is a store that can give back the file pages a full read left in the process
// (boltstore.Store.ReleaseMapped).
type mappedReleaser interface{ ReleaseMapped() error }

// follower is a reader of the log that can be waited for: the projections, the ledger tree.
type follower interface {
	WaitFor(ctx context.Context, pos eventstore.Position) error
}

// releaseAfterCatchUp waits for every reader (the projections, and the tree, which reads the whole
// log too when it has no checkpoint) to reach the log's head as it was at start, then has the store
// give back the pages their catch-up mapped: at a million events they are most of the process's
// RSS, and nothing reads most of them again. A store without mapped pages, a failed catch-up or an
// ended ctx: nothing to do.
func releaseAfterCatchUp(ctx context.Context, store eventstore.Store, log *slog.Logger, readers ...follower) {
	r, ok := store.(mappedReleaser)
	if !ok {
		return
	}
	head, err := store.Head(ctx)
	if err != nil {
		return
	}
	for _, f := range readers {
		if f.WaitFor(ctx, head) != nil {
			return
		}
	}
	if err := r.ReleaseMapped(); err != nil {
		log.Warn("could not release the store's mapped pages after catching up", "error", err.Error())
	}
}
