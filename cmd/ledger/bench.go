package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"

	"assurance-ledger/internal/bench"
)

func benchCmd() *cobra.Command {
	var (
		cfg        bench.Config
		asJSON     bool
		cpuProfile string
		hb         heapBudget
		servingMiB uint64
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the ledger on this machine: fsync ceiling, durable appends, replay, start-up, reports, HTTP",
		Long: `bench writes a fresh ledger from the demo generator at scale with --writers concurrent writers,
then replays it, restarts on it and serves it over loopback HTTP, and prints every figure of
docs/performance.md. Figures are only comparable within one run on one machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Progress = cmd.ErrOrStderr()
			// serve's log, discarded: its cost is part of answering, its lines are not wanted.
			cfg.Log = func(secret []byte) *slog.Logger { return newLogger(io.Discard, logJSON, secret) }
			budget, err := hb.bytes()
			if err != nil {
				return err
			}
			cfg.HeapBudget = budget
			cfg.ServingHeapBudget = min(servingMiB, maxHeapBudgetMiB) << 20
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			res, err := bench.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			v, t := reflect.ValueOf(res), reflect.TypeOf(res)
			for i := range t.NumField() {
				name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
				fmt.Fprintf(out, "%s: %v\n", name, v.Field(i).Interface())
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Dir, "data", "", "directory to write the bench ledger in (default: a fresh temporary directory, removed afterwards)")
	f.IntVar(&cfg.Events, "events", bench.DefaultEvents, "events in the log when appending ends")
	f.IntVar(&cfg.Plans, "plans", 0, "stop after this many plans (0: as many as --events takes)")
	f.IntVar(&cfg.Writers, "writers", bench.DefaultWriters, "concurrent writers, each on its own plan")
	f.Int64Var(&cfg.Seed, "seed", 0, "seed of the generated data set")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	hb.register(cmd)
	registerServing(cmd, &servingMiB)
	return cmd
}
