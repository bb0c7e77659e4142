package main

import (
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

func replayCmd() *cobra.Command {
	var (
		sf storeFlags
		hb heapBudget
	)
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Rebuild every projection from the whole log and print counts and throughput",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stopPacing, paced, err := hb.start()
			if err != nil {
				return err
			}
			defer stopPacing()
			store, err := sf.open(false)
			if err != nil {
				return err
			}
			defer store.Close()
			start := time.Now()
			proj := projections.New(store, nil)
			if err := proj.CatchUp(cmd.Context()); err != nil {
				return err
			}
			elapsed := time.Since(start)
			var mem runtime.MemStats
			runtime.ReadMemStats(&mem)
			rep := proj.Report(projections.ReportFilter{})
			out := cmd.OutOrStdout()
			events := proj.Events()
			fmt.Fprintf(out, "events: %d\nhead_position: %d\norganisations: %d\nlhcs: %d\nplans: %d\n",
				events, proj.Applied(), len(proj.Organisations()), len(proj.LHCs()), rep.Totals.Plans)
			for _, s := range domain.Statuses {
				fmt.Fprintf(out, "plans_%s: %d\n", s, rep.Totals.ByStatus(s))
			}
			fmt.Fprintf(out, "elapsed_ms: %d\nevents_per_sec: %.0f\nheap_mb: %.1f\nalloc_mb: %.1f\nallocs: %d\nheap_budget_mib: %d\n",
				elapsed.Milliseconds(), float64(events)/elapsed.Seconds(), float64(mem.HeapAlloc)/(1<<20),
				float64(mem.TotalAlloc)/(1<<20), mem.Mallocs, pacedBudget(hb, paced))
			return nil
		},
	}
	sf.register(cmd)
	sf.reads = "replay"
	hb.register(cmd)
	return cmd
}
