package audit

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"

	"assurance-ledger/api"
	"assurance-ledger/ledgertree"
)

// A server could show each auditor a log that is consistent in itself, and different logs to
// different auditors (a split view). Only auditors comparing what they were given can see it: two
// heads the ledger's key signed for the same size with different roots, or a head that is not a
// prefix of another auditor's checked copy of the log.

// SplitView is the outcome of comparing two auditors' heads.
type SplitView struct {
	// HeadsA and HeadsB are how many heads each file holds; Pairs how many pairs of the same size
	// were compared; AgainstMirror how many heads (of either) were checked against the mirror;
	// Proved how many pairs of different sizes were checked with a consistency proof.
	HeadsA        int `json:"heads_a"`
	HeadsB        int `json:"heads_b"`
	Pairs         int `json:"same_size_pairs"`
	AgainstMirror int `json:"checked_against_mirror"`
	Proved        int `json:"proved_pairs"`
	// Unchecked lists the pairs (a head of A, a head of B) of different sizes that nothing here
	// could check: no mirror holding both sizes and no consistency proof to be had. While any is
	// left, the comparison cannot say there is no split view.
	Unchecked []UncheckedPair `json:"not_checked"`
	// Findings are the contradictions: each names the two heads, or the head and the mirror.
	Findings []Finding `json:"split_view"`
}

// UncheckedPair is a pair of heads of different sizes not checked, and why.
type UncheckedPair struct {
	A      uint64 `json:"a_tree_size"`
	B      uint64 `json:"b_tree_size"`
	Reason string `json:"reason"`
}

// OK reports whether no contradiction was found.
func (s *SplitView) OK() bool { return len(s.Findings) == 0 }

// Complete reports whether every pair of heads was checked.
func (s *SplitView) Complete() bool { return len(s.Unchecked) == 0 }

// Prover gives an RFC 6962 consistency proof between two sizes of the ledger's tree: a server's
// (ServerProver), whose proof is checked against the two signed roots, so it need not be trusted.
type Prover func(ctx context.Context, from, to uint64) ([][]byte, error)

// ServerProver asks the ledger at url for consistency proofs.
func ServerProver(url, token string) (Prover, error) {
	c, err := newClient(url, token, nil)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, from, to uint64) ([][]byte, error) {
		var p api.ConsistencyProof
		if err := c.getJSON(ctx, fmt.Sprintf("/v1/ledger/proofs/consistency?from=%d&to=%d", from, to), &p); err != nil {
			return nil, err
		}
		out := make([][]byte, len(p.Proof))
		for i, s := range p.Proof {
			out[i], _ = hex.DecodeString(s)
		}
		return out, nil
	}, nil
}

// CompareHeads compares the signed heads of two files (one JSON head a line, as ledger audit
// --heads writes them). Every head must verify with key. Heads of the same size must have the same
// root; with state (an auditor's directory, "" for none), every head no larger than its mirror
// must be the mirror's tree at that size; every other pair of heads of different sizes, one from
// each file, must be shown consistent by a proof from prove (nil: none), checked against both
// roots. A pair nothing could check is listed as not checked.
func CompareHeads(ctx context.Context, fileA, fileB string, key ed25519.PublicKey, state string, prove Prover) (*SplitView, error) {
	a, err := ledgertree.ReadHeads(fileA)
	if err != nil {
		return nil, err
	}
	b, err := ledgertree.ReadHeads(fileB)
	if err != nil {
		return nil, err
	}
	if len(a) == 0 || len(b) == 0 {
		return nil, fmt.Errorf("no heads to compare in %s", map[bool]string{true: fileA, false: fileB}[len(a) == 0])
	}
	out := &SplitView{HeadsA: len(a), HeadsB: len(b), Findings: []Finding{}, Unchecked: []UncheckedPair{}}
	for _, set := range []struct {
		name  string
		heads []ledgertree.TreeHead
	}{{fileA, a}, {fileB, b}} {
		for _, h := range set.heads {
			if err := ledgertree.VerifyTreeHead(key, h); err != nil {
				out.Findings = append(out.Findings, Finding{Kind: KindBadHead, Heads: []ledgertree.TreeHead{h},
					Reason: fmt.Sprintf("a head of %d leaves in %s does not verify with key %s: %v", h.TreeSize, set.name, ledgertree.KeyID(key), err)})
			} else if why := notATree(h); why != "" {
				out.Findings = append(out.Findings, Finding{Kind: KindBadHead, Heads: []ledgertree.TreeHead{h}, Reason: fmt.Sprintf("in %s, %s", set.name, why)})
			}
		}
	}
	if !out.OK() {
		return out, nil
	}
	var tree *ledgertree.Tree
	if state != "" {
		if tree, err = MirrorTree(state); err != nil {
			return nil, fmt.Errorf("the mirror's tree in %s: %w", state, err)
		}
	}
	// Against the mirror first: a head it holds the size of is checked whatever the other file has.
	inMirror := func(h *ledgertree.TreeHead) bool { return tree != nil && h.TreeSize > 0 && h.TreeSize <= tree.Size() }
	for _, set := range []struct {
		name  string
		heads []ledgertree.TreeHead
	}{{fileA, a}, {fileB, b}} {
		for i := range set.heads {
			h := &set.heads[i]
			if !inMirror(h) {
				continue
			}
			out.AgainstMirror++
			root, err := tree.Root(h.TreeSize)
			if err != nil {
				return nil, err
			}
			if hex.EncodeToString(root) != h.RootHash {
				out.Findings = append(out.Findings, Finding{Kind: KindDeparture, Heads: []ledgertree.TreeHead{*h},
					Reason: fmt.Sprintf("a head of %d leaves in %s is not the tree of the log mirrored in %s at that size", h.TreeSize, set.name, state)})
			}
		}
	}
	for i := range a {
		for j := range b {
			ha, hb := &a[i], &b[j]
			if ha.TreeSize == hb.TreeSize {
				out.Pairs++
				if ha.RootHash != hb.RootHash {
					out.Findings = append(out.Findings, Finding{Kind: KindDeparture, Heads: []ledgertree.TreeHead{*ha, *hb},
						Reason: fmt.Sprintf("the ledger's key signed two trees of %d leaves with different roots (%s in %s, %s in %s)",
							ha.TreeSize, ha.RootHash, fileA, hb.RootHash, fileB)})
				}
				continue
			}
			if inMirror(ha) && inMirror(hb) {
				continue // both held to the one mirror above
			}
			small, large := ha, hb
			if small.TreeSize > large.TreeSize {
				small, large = large, small
			}
			if small.TreeSize == 0 {
				continue // the empty tree is a prefix of every tree
			}
			if prove == nil {
				out.Unchecked = append(out.Unchecked, UncheckedPair{A: ha.TreeSize, B: hb.TreeSize,
					Reason: "of different sizes, not both within the mirror, and no --url to ask a consistency proof of"})
				continue
			}
			proof, err := prove(ctx, small.TreeSize, large.TreeSize)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				out.Unchecked = append(out.Unchecked, UncheckedPair{A: ha.TreeSize, B: hb.TreeSize, Reason: "no consistency proof: " + err.Error()})
				continue
			}
			out.Proved++
			from, _ := hex.DecodeString(small.RootHash)
			to, _ := hex.DecodeString(large.RootHash)
			if ledgertree.VerifyConsistency(small.TreeSize, large.TreeSize, proof, from, to) != nil {
				out.Findings = append(out.Findings, Finding{Kind: KindDeparture, Heads: []ledgertree.TreeHead{*ha, *hb},
					Reason: fmt.Sprintf("the ledger's tree of %d leaves (%s in %s) is not shown to be a prefix of its tree of %d leaves (%s in %s): the consistency proof the server gave does not verify against the two signed roots",
						small.TreeSize, small.RootHash, nameOf(small, ha, fileA, fileB), large.TreeSize, large.RootHash, nameOf(large, ha, fileA, fileB))})
			}
		}
	}
	return out, nil
}

// notATree is why a head the key signed is no tree's head ("" when it is one): a head of 0 leaves
// has the empty tree's root, and one with another root would pass as a prefix of every tree.
func notATree(h ledgertree.TreeHead) string {
	if h.TreeSize == 0 && h.RootHash != hex.EncodeToString(ledgertree.Hasher.EmptyRoot()) {
		return fmt.Sprintf("a head of 0 leaves has root %s, not the empty tree's %x: the ledger's key signed what is no tree's head", h.RootHash, ledgertree.Hasher.EmptyRoot())
	}
	return ""
}

// nameOf is the file head h came from, a being A's head of the pair.
func nameOf(h, a *ledgertree.TreeHead, fileA, fileB string) string {
	if h == a {
		return fileA
	}
	return fileB
}
