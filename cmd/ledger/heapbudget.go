package main

import (
	"github.com/spf13/cobra"

	"assurance-ledger/internal/gcpace"
)

// defaultHeapBudgetMiB is the heap the collector may let grow before it runs (internal/gcpace):
// well inside the 1.5 GiB the ledger is held to at a million events (docs/performance.md), and
// above twice the live heap of logs of up to about half that size, where it saves most.
const defaultHeapBudgetMiB = 1024

// heapBudget is the --heap-budget-mib flag of the commands that fold the whole log or serve.
type heapBudget struct{ mib uint64 }

func (h *heapBudget) register(cmd *cobra.Command) {
	cmd.Flags().Uint64Var(&h.mib, "heap-budget-mib", defaultHeapBudgetMiB,
		"heap in MiB the garbage collector may let grow before it runs, or twice the live heap when that is more; 0 for Go's default (twice the live heap); GOGC or GOMEMLIMIT in the environment override it")
}

// start paces the collector until stop; started is false when the budget is 0 or the environment
// sets GOGC or GOMEMLIMIT.
func (h *heapBudget) start() (stop func(), started bool) { return gcpace.Start(h.mib << 20) }

// pacedBudget is the budget in force for logging: 0 when the collector keeps Go's own pacing.
func pacedBudget(h heapBudget, started bool) uint64 {
	if !started {
		return 0
	}
	return h.mib
}
