package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"assurance-ledger/eventstore"
	"assurance-ledger/ledgertree"
	"assurance-ledger/verify"
)

// verifyResult is what verify --json prints: the chain report, with the recomputed tree added as a
// member so that readers of the report's existing members are unaffected.
type verifyResult struct {
	verify.Report
	Tree *treeSummary `json:"tree,omitempty"` // absent when the chains did not verify
}

// treeSummary is the ledger-wide Merkle tree recomputed from the log, to compare with a signed
// tree head the service gave out.
type treeSummary struct {
	Size uint64 `json:"tree_size"`
	Root string `json:"root_hash"`
}

func recomputeTree(ctx context.Context, store eventstore.Store) (*treeSummary, error) {
	f := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	if err := f.CatchUp(ctx, store); err != nil {
		return nil, err
	}
	size := f.Tree().Size()
	root, err := f.Tree().Root(size)
	if err != nil {
		return nil, err
	}
	return &treeSummary{Size: size, Root: hex.EncodeToString(root)}, nil
}

func verifyCmd() *cobra.Command {
	var sf storeFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Re-check every stored event and every stream's hash chain, and recompute the Merkle tree root; exit 1 naming the first bad event",
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
			// The tree is recomputed only over intact chains: over a damaged log its root would be
			// the root of something nobody recorded.
			res := verifyResult{Report: rep}
			if rep.OK() {
				if res.Tree, err = recomputeTree(cmd.Context(), store); err != nil {
					return &exitError{code: 1, err: fmt.Errorf("ledger is NOT intact: the Merkle tree cannot be rebuilt: %w", err)}
				}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
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
				fmt.Fprintf(out, "tree: %d leaves, root %s\n", res.Tree.Size, res.Tree.Root)
			}
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
