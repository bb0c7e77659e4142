package main

import (
	"context"
	"fmt"
	"log/slog"

	"assurance-ledger/command"
	"assurance-ledger/demo"
	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// seedDemo seeds the demo data set into an empty store; a store that already holds events is left
// alone, so "serve --demo" can be restarted on the same data.
//
// demo.Seed records through a command handler of its own, whose clock is the demo's simulated one
// (1 April 2009 onwards); the service's handler is not used. It needs no refresh afterwards: it
// catches up from the store before deciding each command.
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
		return fmt.Errorf("seed the demo: %w", err)
	}
	byStatus := make([]any, 0, 2*len(domain.Statuses))
	for _, s := range domain.Statuses {
		byStatus = append(byStatus, string(s), sum.ByStatus[s])
	}
	log.Info("demo seeded",
		"organisations", sum.Organisations, "lhcs", sum.LHCs, "plans", sum.Plans, "events", sum.Events,
		"chief_executive_changes", sum.ChiefExecutiveChanges,
		slog.Group("plans_by_status", byStatus...),
		slog.Group("plans_by_round", "2009-10", sum.ByRound[demo.Round2009], "2010-11", sum.ByRound[demo.Round2010]),
		"simulated_from", sum.First, "simulated_to", sum.Last)
	return nil
}
