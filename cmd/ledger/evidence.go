package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"assurance-ledger/audit"
	"assurance-ledger/eventstore"
	"assurance-ledger/evidence"
	"assurance-ledger/internal/durable"
	"assurance-ledger/ledgertree"
	"assurance-ledger/projections"
)

func evidenceCmd() *cobra.Command {
	var (
		sf       storeFlags
		ods, out string
	)
	cmd := &cobra.Command{
		Use:   "evidence",
		Short: "Write an organisation's SRO evidence bundle: sign-offs, signed content, appointments, a signed tree head, inclusion proofs and the public key, checkable offline with verify --bundle",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ods == "" || out == "" {
				return errors.New("--org and --out are required")
			}
			// The key must already exist: a bundle signed by a key made up here would prove nothing.
			// An auditor's mirror has no key of the ledger's, but the key it pinned and the heads the
			// ledger signed: its bundles carry the largest of those the mirror matches.
			pinned, mirror, err := audit.PinnedKey(sf.data)
			if err != nil {
				return err
			}
			var signer *ledgertree.Signer
			if !mirror {
				if signer, err = ledgertree.ExistingSigner(sf.data); err != nil {
					return err
				}
			}
			store, err := sf.open(false)
			if err != nil {
				return err
			}
			defer store.Close()
			tree, _, err := recomputeTree(cmd.Context(), store)
			if err != nil {
				return err
			}
			var head ledgertree.TreeHead
			if mirror {
				if head, err = matchedHead(sf.data, tree, pinned); err != nil {
					return err
				}
			} else {
				// The head goes on record with those the service gave out, for ledger verify to check.
				heads, err := ledgertree.OpenHeadLog(filepath.Join(sf.data, ledgertree.HeadsFile), signer)
				if err != nil {
					return err
				}
				if head, err = heads.Head(tree); err != nil {
					return err
				}
				pinned = signer.PublicKey()
			}
			cut, err := cutOfHead(cmd.Context(), store, tree, head)
			if err != nil {
				return err
			}
			b, err := evidence.Build(cmd.Context(), evidence.Source{Store: store, Tree: tree, Head: head, PublicKey: pinned,
				AsOf: cut.AsOf, AsOfPosition: cut.AsOfPosition}, ods, nil)
			if err != nil {
				return err
			}
			raw, err := json.MarshalIndent(b, "", "  ")
			if err != nil {
				return err
			}
			// Whole or not at all: a bundle torn by a crash would not verify, and an earlier bundle
			// under the same name would be lost with it.
			if err := durable.WriteFile(out, append(raw, '\n'), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %s, %d sign-offs, %d events, tree head %d leaves, root %s\n",
				out, ods, len(b.SignOffs), len(b.Events), head.TreeSize, head.RootHash)
			return nil
		},
	}
	sf.register(cmd)
	sf.reads = "evidence"
	cmd.Flags().StringVar(&ods, "org", "", "the organisation's ODS code")
	cmd.Flags().StringVar(&out, "out", "", "the file to write")
	return cmd
}

// matchedHead is the largest head in an auditor's mirror (dir) that the pinned key signed and the
// mirror's tree matches: a bundle made from the mirror carries a head the ledger itself signed.
func matchedHead(dir string, tree *ledgertree.Tree, key ed25519.PublicKey) (ledgertree.TreeHead, error) {
	heads, err := ledgertree.ReadHeads(filepath.Join(dir, ledgertree.HeadsFile))
	if err != nil {
		return ledgertree.TreeHead{}, err
	}
	var best *ledgertree.TreeHead
	for i, h := range heads {
		if h.TreeSize == 0 || h.TreeSize > tree.Size() || ledgertree.VerifyTreeHead(key, h) != nil {
			continue
		}
		root, err := tree.Root(h.TreeSize)
		if err != nil || hex.EncodeToString(root) != h.RootHash {
			continue
		}
		if best == nil || h.TreeSize > best.TreeSize {
			best = &heads[i]
		}
	}
	if best == nil {
		return ledgertree.TreeHead{}, fmt.Errorf("no head the ledger signed matches the mirror in %s: run ledger audit on it first", dir)
	}
	return *best, nil
}

// cutOfHead is the cut of the log a head covers: its last leaf's position, and when the last
// event by then was recorded, as the projections (and so the API) name it.
func cutOfHead(ctx context.Context, store eventstore.Store, tree *ledgertree.Tree, head ledgertree.TreeHead) (projections.Cut, error) {
	if head.TreeSize == 0 {
		return projections.Cut{}, nil
	}
	_, last, err := tree.Leaf(head.TreeSize - 1)
	if err != nil {
		return projections.Cut{}, err
	}
	p := projections.New(store, nil)
	if err := p.CatchUp(ctx); err != nil {
		return projections.Cut{}, err
	}
	return p.CutAt(last), nil
}

// bundleFlags are verify's options for --bundle.
type bundleFlags struct {
	file        string
	pubKey      string
	consistency string // a /v1/ledger/proofs/consistency answer from the bundle's head to a newer one
}

// verifyBundle checks an evidence bundle with nothing but the file, and the key when pinned. With
// --consistency it also checks a newer head's proof offline; with --data (or --store) it rebuilds the
// tree from that ledger and checks that the ledger still holds the bundle's head.
func verifyBundle(cmd *cobra.Command, bf bundleFlags, sf storeFlags, asJSON bool) error {
	raw, err := os.ReadFile(bf.file)
	if err != nil {
		return err
	}
	b, err := evidence.Parse(raw)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("bundle is NOT valid: %w", err)}
	}
	useStore := cmd.Flags().Changed("data") || cmd.Flags().Changed("store")
	var pinned ed25519.PublicKey
	switch {
	case bf.pubKey != "":
		if pinned, err = headKey(bf.pubKey, ""); err != nil {
			return err
		}
	case useStore:
		if pinned, err = headKey("", sf.data); err != nil {
			return err
		}
	}
	res := evidence.Verify(b, pinned)
	type report struct {
		evidence.Result
		NewerHead *ledgertree.TreeHead `json:"newer_head,omitempty"` // consistent with the bundle's head
		Ledger    *ledgerTree          `json:"ledger,omitempty"`     // --data: the ledger's tree now, unsigned, consistent with the bundle's head
		// Cut is the prefix of the head's tree the bundle says it is of, when smaller than the head
		// (a bundle as of an earlier cut, under a head the ledger signed later): its events are the
		// organisation's up to there only. The cut is the bundle's statement; the head signs the tree.
		Cut *bundleCut `json:"cut,omitempty"`
	}
	rep := report{Result: res}
	if b.TreeSize != 0 && b.TreeSize < b.TreeHead.TreeSize {
		rep.Cut = &bundleCut{TreeSize: b.TreeSize, AsOfPosition: b.AsOfPosition, AsOf: b.AsOf}
	}
	var later []string // what else was checked, for the text report
	if res.OK() && bf.consistency != "" {
		var p evidence.ConsistencyProof
		raw, err := os.ReadFile(bf.consistency)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("--consistency %s: %w", bf.consistency, err)
		}
		key := pinned
		if key == nil {
			key, _ = b.Key()
		}
		to, err := evidence.CheckConsistency(b, p, key)
		if err != nil {
			rep.Findings = append(rep.Findings, evidence.Finding{Reason: err.Error()})
		} else {
			rep.NewerHead = &to
			later = append(later, fmt.Sprintf("consistent with the newer head of %d leaves signed %s (%s)", to.TreeSize, to.Timestamp, bf.consistency))
		}
	}
	if rep.OK() && useStore {
		store, err := sf.open(false)
		if err != nil {
			return err
		}
		defer store.Close()
		tree, _, err := recomputeTree(cmd.Context(), store)
		if err != nil {
			return &exitError{code: 1, err: fmt.Errorf("the ledger's tree cannot be rebuilt: %w", err)}
		}
		// Only public data is needed: the tree rebuilt from the log must give the bundle's root at
		// the bundle's size and extend it to its size now. Signing a head here would demand the
		// private key of an auditor who holds only --public-key, and would prove nothing more.
		now, err := ledgerHolds(b, tree)
		if err != nil {
			rep.Findings = append(rep.Findings, evidence.Finding{Reason: "against the ledger in " + sf.data + ": " + err.Error()})
		} else {
			rep.Ledger = &now
			later = append(later, fmt.Sprintf("the ledger now holds %d leaves and still contains the bundle's head (consistency proof %d -> %d verifies)", tree.Size(), b.TreeHead.TreeSize, tree.Size()))
		}
	}

	out := cmd.OutOrStdout()
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "bundle of %s: %d events, %d sign-offs, tree head %d leaves, root %s\n", b.ODSCode, len(b.Events), len(b.SignOffs), b.TreeHead.TreeSize, b.TreeHead.RootHash)
		if c := rep.Cut; c != nil {
			fmt.Fprintf(out, "as of %s (log position %d): the first %d of the head's %d leaves; its events are the organisation's up to there, not since\n",
				c.AsOf.UTC().Format(time.RFC3339), c.AsOfPosition, c.TreeSize, b.TreeHead.TreeSize)
		}
		for _, f := range rep.Findings {
			fmt.Fprintln(out, "BAD", f.Error())
		}
	}
	if !rep.OK() {
		return &exitError{code: 1, err: fmt.Errorf("bundle is NOT valid: %s", rep.Findings[0].Error())}
	}
	if !asJSON {
		fmt.Fprintln(out, "ok: head signature, every event hash, inclusion proof, plan chain, content hash, signer's appointment, board approvals and round publications verify")
		if pinned == nil {
			fmt.Fprintf(out, "warning: checked with the bundle's own key %s; pin the ledger's key with --public-key (or --data)\n", res.KeyID)
		} else {
			fmt.Fprintf(out, "key: %s (pinned)\n", res.KeyID)
		}
		for _, l := range later {
			fmt.Fprintln(out, l)
		}
	}
	return nil
}

// bundleCut is the cut a bundle says it is of.
type bundleCut struct {
	TreeSize     uint64    `json:"tree_size"`
	AsOfPosition uint64    `json:"as_of_position"`
	AsOf         time.Time `json:"as_of"`
}

// ledgerTree is the size and root of a ledger's tree rebuilt from its log.
type ledgerTree struct {
	TreeSize uint64 `json:"tree_size"`
	RootHash string `json:"root_hash"`
}

// ledgerHolds checks that tree, rebuilt from a ledger's log, still holds the tree the bundle's head
// signed: the same root at the head's size, and a consistency proof from there to its size now that
// verifies against that root.
func ledgerHolds(b *evidence.Bundle, tree *ledgertree.Tree) (ledgerTree, error) {
	from, to := b.TreeHead.TreeSize, tree.Size()
	if from > to {
		return ledgerTree{}, fmt.Errorf("the bundle's head has %d leaves, the log only %d ledger events: events were removed", from, to)
	}
	path, fromRoot, toRoot, err := tree.ConsistencyProof(from, to)
	if err != nil {
		return ledgerTree{}, err
	}
	want, err := hex.DecodeString(b.TreeHead.RootHash)
	if err != nil || !bytes.Equal(fromRoot, want) {
		return ledgerTree{}, fmt.Errorf("the log gives root %x at tree_size %d, the bundle's head signed %s: the log was changed", fromRoot, from, b.TreeHead.RootHash)
	}
	if err := ledgertree.VerifyConsistency(from, to, path, want, toRoot); err != nil {
		return ledgerTree{}, fmt.Errorf("the ledger at tree_size %d is not an extension of the bundle's head at %d: %w", to, from, err)
	}
	return ledgerTree{TreeSize: to, RootHash: hex.EncodeToString(toRoot)}, nil
}
