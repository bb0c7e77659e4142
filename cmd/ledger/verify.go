package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"assurance-ledger/verify"
)

func verifyCmd() *cobra.Command {
	var sf storeFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Re-check every stored event and every stream's hash chain; exit 1 naming the first bad event",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := sf.open(false)
			if err != nil {
				return err
			}
			defer store.Close()
			rep, err := verify.Chains(cmd.Context(), store)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(out, "checked %d events in %d streams (head position %d)\n", rep.Events, rep.Streams, rep.Head)
				for _, f := range rep.Findings {
					fmt.Fprintln(out, "BAD", f)
				}
			}
			if !rep.OK() {
				return &exitError{code: 1, err: fmt.Errorf("ledger is NOT intact: first bad event at %s", rep.Findings[0])}
			}
			if !asJSON {
				fmt.Fprintln(out, "ok: every chain verifies")
			}
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
