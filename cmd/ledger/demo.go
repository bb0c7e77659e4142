package main

import (
	"context"
	"log/slog"

	"assurance-ledger/command"
	"assurance-ledger/demo"
	"assurance-ledger/eventstore"
)

// seedDemo seeds the demo data set into an empty store; a store that already holds events is left
// alone, so "serve --demo" can be restarted on the same data.
func seedDemo(ctx context.Context, store eventstore.Store, _ *command.Handler, log *slog.Logger) error {
	head, err := store.Head(ctx)
	if err != nil {
		return err
	}
	if head != 0 {
		log.Info("demo not seeded: the store already holds events", "head_position", head)
		return nil
	}
	sum, err := demo.Seed(ctx, store, demo.Options{})
	if err != nil {
		return err
	}
	log.Info("demo seeded", "organisations", sum.Organisations, "lhcs", sum.LHCs, "plans", sum.Plans, "events", sum.Events)
	return nil
}
