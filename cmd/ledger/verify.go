package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"assurance-ledger/audit"
	"assurance-ledger/eventstore"
	"assurance-ledger/ledgertree"
	"assurance-ledger/verify"
)

// verifyResult is what verify --json prints: the chain report, with the recomputed tree and the
// check of the stored tree heads added as members so that readers of the report's existing members
// are unaffected.
type verifyResult struct {
	verify.Report
	Tree  *treeSummary       `json:"tree,omitempty"`       // absent when the chains did not verify
	Heads *verify.HeadReport `json:"tree_heads,omitempty"` // absent when the tree was not recomputed
	// PastSignedHeads is, on an auditor's mirror, how many of its events no head it matched holds
	// (an audit interrupted before it matched one, or a server signing short of its feed): they are
	// the server's word only.
	PastSignedHeads uint64 `json:"events_past_signed_heads,omitempty"`
}

// pastSignedHeads is how many of a tree's size leaves lie past the largest of heads.
func pastSignedHeads(size uint64, heads []ledgertree.TreeHead) uint64 {
	largest := uint64(0)
	for _, h := range heads {
		largest = max(largest, h.TreeSize)
	}
	if size <= largest {
		return 0
	}
	return size - largest
}

// treeSummary is the ledger-wide Merkle tree recomputed from the log, to compare with a signed
// tree head the service gave out.
type treeSummary struct {
	Size uint64 `json:"tree_size"`
	Root string `json:"root_hash"`
}

func recomputeTree(ctx context.Context, store eventstore.Store) (*ledgertree.Tree, *treeSummary, error) {
	f := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	if err := f.CatchUp(ctx, store); err != nil {
		return nil, nil, err
	}
	size := f.Tree().Size()
	root, err := f.Tree().Root(size)
	if err != nil {
		return nil, nil, err
	}
	return f.Tree(), &treeSummary{Size: size, Root: hex.EncodeToString(root)}, nil
}

// describeLeaf names the event that is leaf i of tree, read back from the store.
func describeLeaf(ctx context.Context, store eventstore.Store, tree *ledgertree.Tree) func(uint64) verify.Finding {
	return func(i uint64) verify.Finding {
		id, pos, err := tree.Leaf(i)
		if err != nil {
			return verify.Finding{Reason: err.Error()}
		}
		f := verify.Finding{Position: pos, EventID: id.String()}
		var after eventstore.Position
		if i > 0 {
			_, after, _ = tree.Leaf(i - 1)
		}
		for {
			events, err := store.ReadAll(ctx, after, 64)
			if err != nil || len(events) == 0 {
				return f
			}
			for _, rec := range events {
				if rec.Position == pos {
					f.Stream, f.Revision, f.Type = rec.Stream, rec.Revision, rec.Type
					return f
				}
			}
			after = events[len(events)-1].Position
		}
	}
}

// divergence compares the recomputed tree, leaf by leaf, with the service's checkpoint of its tree,
// as far as a signed head vouches for the checkpoint, to name exactly the first event where the log
// departs from what was signed. nil when there is no usable checkpoint (none, one held open by a
// running service, or one no head vouches for): the head findings then stand alone.
func divergence(dataDir string, tree *ledgertree.Tree, heads []ledgertree.TreeHead, pub ed25519.PublicKey, describe func(uint64) verify.Finding) *verify.Finding {
	path := filepath.Join(dataDir, ledgertree.CheckpointFile)
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	cp, err := ledgertree.OpenCheckpointReadOnly(path)
	if err != nil {
		return nil
	}
	defer cp.Close()
	ref, err := cp.Load()
	if err != nil {
		return nil
	}
	i, head, ok := verify.Divergence(tree, ref, heads, pub)
	if !ok {
		return nil
	}
	wantID, wantPos, _ := ref.Leaf(i)
	was := fmt.Sprintf("where the tree signed at tree_size %d (%s) had event %s at position %d (per %s)", head.TreeSize, head.Timestamp, wantID, wantPos, ledgertree.CheckpointFile)
	if i >= tree.Size() {
		return &verify.Finding{Reason: fmt.Sprintf("the log ends at leaf %d, %s: events were removed", i, was)}
	}
	f := describe(i)
	f.Reason = fmt.Sprintf("leaf %d differs, %s: changed, removed or reordered", i, was)
	return &f
}

// headKey returns the key stored heads are checked with: --public-key when given (a file holding
// the key, or the key itself), else the key an auditor's mirror pinned, else the ledger's own key
// from LEDGER_SIGNING_KEY or the data dir.
func headKey(flag, dataDir string) (ed25519.PublicKey, error) {
	if flag == "" {
		// An auditor's mirror (ledger audit) holds the key its audits pinned, not the ledger's secret.
		if k, ok, err := audit.PinnedKey(dataDir); ok || err != nil {
			return k, err
		}
		s, err := ledgertree.ExistingSigner(dataDir)
		if err != nil {
			return nil, fmt.Errorf("%w (give --public-key)", err)
		}
		return s.PublicKey(), nil
	}
	if raw, err := os.ReadFile(flag); err == nil {
		return ledgertree.ParsePublicKey(string(raw))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return ledgertree.ParsePublicKey(flag)
}

func verifyCmd() *cobra.Command {
	var (
		sf        storeFlags
		asJSON    bool
		headsFile string
		pubKey    string
		bf        bundleFlags
	)
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Re-check every stored event, every stream's hash chain, the Merkle tree and every stored tree head (or an evidence bundle, offline); exit 1 naming the first bad event",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if bf.file != "" {
				bf.pubKey = pubKey
				return verifyBundle(cmd, bf, sf, asJSON)
			}
			store, err := sf.open(false)
			if err != nil {
				return err
			}
			defer store.Close()
			rep, err := verify.Chains(cmd.Context(), store)
			if err != nil {
				return err
			}
			if headsFile == "" {
				headsFile = filepath.Join(sf.data, ledgertree.HeadsFile)
			}
			heads, err := ledgertree.ReadHeads(headsFile)
			if err != nil {
				return err
			}
			var pub ed25519.PublicKey
			if len(heads) > 0 {
				if pub, err = headKey(pubKey, sf.data); err != nil {
					return fmt.Errorf("cannot check the %d tree heads in %s: %w", len(heads), headsFile, err)
				}
			}
			// The tree is recomputed only over intact chains: over a damaged log its root would be
			// the root of something nobody recorded.
			res := verifyResult{Report: rep}
			if rep.OK() {
				tree, summary, err := recomputeTree(cmd.Context(), store)
				if err != nil {
					return &exitError{code: 1, err: fmt.Errorf("ledger is NOT intact: the Merkle tree cannot be rebuilt: %w", err)}
				}
				res.Tree = summary
				describe := describeLeaf(cmd.Context(), store, tree)
				hr := verify.TreeHeads(tree, pub, heads, describe)
				if !hr.OK() {
					hr.Divergence = divergence(sf.data, tree, heads, pub, describe)
				}
				res.Heads = &hr
				if sf.data != "" && audit.IsStateDir(sf.data) {
					res.PastSignedHeads = pastSignedHeads(summary.Size, heads)
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
				if rep.Foreign > 0 {
					fmt.Fprintf(out, "skipped %d events of streams that are not the ledger's\n", rep.Foreign)
				}
				for _, f := range rep.Findings {
					fmt.Fprintln(out, "BAD", f)
				}
				if res.Heads != nil {
					for _, f := range res.Heads.Findings {
						fmt.Fprintln(out, "BAD", f)
					}
					if d := res.Heads.Divergence; d != nil {
						fmt.Fprintln(out, "BAD first departure from the signed tree:", d)
					}
				}
			}
			if !rep.OK() {
				return &exitError{code: 1, err: fmt.Errorf("ledger is NOT intact: first bad event at %s", rep.Findings[0])}
			}
			if d := res.Heads.Divergence; d != nil {
				return &exitError{code: 1, err: fmt.Errorf("ledger is NOT intact: first bad event at %s", d)}
			}
			if !res.Heads.OK() {
				return &exitError{code: 1, err: fmt.Errorf("ledger is NOT intact: %s", res.Heads.Findings[0])}
			}
			if !asJSON {
				fmt.Fprintln(out, "ok: every chain verifies")
				fmt.Fprintf(out, "tree: %d leaves, root %s\n", res.Tree.Size, res.Tree.Root)
				if len(heads) == 0 {
					fmt.Fprintf(out, "tree heads: none stored in %s\n", headsFile)
				} else {
					noun, proofs := "heads match", "proofs"
					if res.Heads.Checked == 1 {
						noun = "head matches"
					}
					if res.Heads.Consistent == 1 {
						proofs = "proof"
					}
					fmt.Fprintf(out, "tree heads: %d stored %s the log (%d consistency %s checked)\n", res.Heads.Checked, noun, res.Heads.Consistent, proofs)
				}
				if n := res.PastSignedHeads; n > 0 {
					fmt.Fprintf(out, "note: this is an auditor's mirror, and no head the ledger signed that an audit matched holds its last %d event(s): they are the server's word only until an audit matches a head that holds them\n", n)
				}
			}
			return nil
		},
	}
	sf.register(cmd)
	sf.reads = "verify"
	// A bundle is checked against a ledger only when one is named: whoever received a bundle seldom
	// holds the ledger, and a ./ledger-data that happens to be in the working directory, perhaps of
	// another ledger, must not decide the answer. The help says so rather than show a default that
	// --bundle does not use.
	data := cmd.Flags().Lookup("data")
	data.Usage = "data directory (embedded store file, keys, secrets); ./ledger-data when not given, except with --bundle, which reads a ledger only when --data or --store is given"
	data.DefValue = ""
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&headsFile, "heads", "", "signed tree heads to check, one JSON object per line (default <data>/tree-heads.jsonl)")
	cmd.Flags().StringVar(&pubKey, "public-key", "", "the ledger's Ed25519 public key (base64, hex or the /v1/ledger/public-key JSON), or a file holding it (default: the key of --data)")
	cmd.Flags().StringVar(&bf.file, "bundle", "", "verify this evidence bundle offline instead of a store (with --data or --store given: also that the ledger there still holds its head)")
	cmd.Flags().StringVar(&bf.consistency, "consistency", "", "with --bundle: a /v1/ledger/proofs/consistency answer from the bundle's head to a newer one, checked offline")
	return cmd
}
