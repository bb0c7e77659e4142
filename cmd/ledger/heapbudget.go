package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"assurance-ledger/internal/gcpace"
)

// defaultHeapBudgetMiB is the heap the collector may let grow before it runs (internal/gcpace):
// well inside the 1.5 GiB the ledger is held to at a million events (docs/performance.md), and
// above twice the live heap of logs of up to about half that size, where it saves most.
const defaultHeapBudgetMiB = 1024

// defaultServingHeapBudgetMiB is the budget once a service has caught up with its log: a catch-up's
// garbage is its own and goes at once, but a serving process's is its clients', and must not let a
// few heavy readers take it over 1 GiB (README, "Security").
const defaultServingHeapBudgetMiB = 512

// heapBudget is the --heap-budget-mib flag of the commands that fold the whole log or serve.
type heapBudget struct{ mib uint64 }

func (h *heapBudget) register(cmd *cobra.Command) {
	cmd.Flags().Uint64Var(&h.mib, "heap-budget-mib", defaultHeapBudgetMiB,
		"heap in MiB the garbage collector may let grow before it runs, or twice the live heap when that is more; 0 for Go's default (twice the live heap); GOGC or GOMEMLIMIT in the environment override it")
}

// registerServing adds --serving-heap-budget-mib, the budget once caught up with the log.
func registerServing(cmd *cobra.Command, mib *uint64) {
	cmd.Flags().Uint64Var(mib, "serving-heap-budget-mib", defaultServingHeapBudgetMiB,
		"heap budget in MiB once the service has caught up with the log (--heap-budget-mib paces the catch-up); 0 keeps --heap-budget-mib")
}

// maxHeapBudgetMiB (16 TiB) keeps the budget in bytes far from overflowing.
const maxHeapBudgetMiB = 1 << 24

// bytes is the budget in bytes, or an error for a budget too large to mean anything.
func (h *heapBudget) bytes() (uint64, error) {
	if h.mib > maxHeapBudgetMiB {
		return 0, fmt.Errorf("--heap-budget-mib %d is more than %d (16 TiB)", h.mib, maxHeapBudgetMiB)
	}
	return h.mib << 20, nil
}

// start paces the collector until stop; started is false when the budget is 0 or the environment
// sets GOGC or GOMEMLIMIT.
func (h *heapBudget) start() (stop func(), started bool, err error) {
	b, err := h.bytes()
	if err != nil {
		return nil, false, err
	}
	stop, started = gcpace.Start(b)
	return stop, started, nil
}

// pacedBudget is the budget in force for logging: 0 when the collector keeps Go's own pacing.
func pacedBudget(h heapBudget, started bool) uint64 {
	if !started {
		return 0
	}
	return h.mib
}
