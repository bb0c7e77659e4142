package main

import (
	"context"
	"log/slog"

	"assurance-ledger/eventstore"
	"assurance-ledger/projections"
)

// mappedReleaser is a store that can give back the file pages a full read left in the process
// (boltstore.Store.ReleaseMapped).
type mappedReleaser interface{ ReleaseMapped() error }

// releaseAfterCatchUp waits for the projections to reach the log's head as it was at start, then
// has the store give back the pages the catch-up mapped: at a million events they are most of the
// process's RSS, and nothing reads most of them again. A store without mapped pages, a failed
// catch-up or an ended ctx: nothing to do.
func releaseAfterCatchUp(ctx context.Context, store eventstore.Store, proj *projections.Projector, log *slog.Logger) {
	r, ok := store.(mappedReleaser)
	if !ok {
		return
	}
	head, err := store.Head(ctx)
	if err != nil || proj.WaitFor(ctx, head) != nil {
		return
	}
	if err := r.ReleaseMapped(); err != nil {
		log.Warn("could not release the store's mapped pages after catching up", "error", err.Error())
	}
}
