package audit

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"

	"assurance-ledger/ledgertree"
)

// A server could show each auditor a log that is consistent in itself, and different logs to
// different auditors (a split view). Only auditors comparing what they were given can see it: two
// heads the ledger's key signed for the same size with different roots, or a head that is not a
// prefix of another auditor's checked copy of the log.

// SplitView is the outcome of comparing two auditors' heads.
type SplitView struct {
	// HeadsA and HeadsB are how many heads each file holds; Pairs how many pairs of the same size
	// were compared; AgainstMirror how many heads (of either) were checked against the mirror.
	HeadsA        int `json:"heads_a"`
	HeadsB        int `json:"heads_b"`
	Pairs         int `json:"same_size_pairs"`
	AgainstMirror int `json:"checked_against_mirror"`
	// Unchecked counts heads neither of the same size as one of the other file's nor within the
	// mirror: nothing here can show whether they agree.
	Unchecked int `json:"unchecked"`
	// Findings are the contradictions: each names the two heads, or the head and the mirror.
	Findings []Finding `json:"split_view"`
}

// OK reports whether no contradiction was found.
func (s *SplitView) OK() bool { return len(s.Findings) == 0 }

// CompareHeads compares the signed heads of two files (one JSON head a line, as ledger audit
// --heads writes them). Every head must verify with key. Heads of the same size must have the same
// root; with state (an auditor's directory, "" for none), every head no larger than its mirror
// must be the mirror's tree at that size, which finds heads of different sizes that cannot both be
// of one log.
func CompareHeads(fileA, fileB string, key ed25519.PublicKey, state string) (*SplitView, error) {
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
	out := &SplitView{HeadsA: len(a), HeadsB: len(b), Findings: []Finding{}}
	for _, set := range []struct {
		name  string
		heads []ledgertree.TreeHead
	}{{fileA, a}, {fileB, b}} {
		for _, h := range set.heads {
			if err := ledgertree.VerifyTreeHead(key, h); err != nil {
				out.Findings = append(out.Findings, Finding{Kind: KindBadHead, Heads: []ledgertree.TreeHead{h},
					Reason: fmt.Sprintf("a head of %d leaves in %s does not verify with key %s: %v", h.TreeSize, set.name, ledgertree.KeyID(key), err)})
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
	matched := map[*ledgertree.TreeHead]bool{}
	for i := range a {
		for j := range b {
			ha, hb := &a[i], &b[j]
			if ha.TreeSize != hb.TreeSize {
				continue
			}
			out.Pairs++
			matched[ha], matched[hb] = true, true
			if ha.RootHash != hb.RootHash {
				out.Findings = append(out.Findings, Finding{Kind: KindDeparture, Heads: []ledgertree.TreeHead{*ha, *hb},
					Reason: fmt.Sprintf("split view: the ledger's key signed two trees of %d leaves with different roots (%s in %s, %s in %s)",
						ha.TreeSize, ha.RootHash, fileA, hb.RootHash, fileB)})
			}
		}
	}
	for _, set := range []struct {
		name  string
		heads []ledgertree.TreeHead
	}{{fileA, a}, {fileB, b}} {
		for i := range set.heads {
			h := &set.heads[i]
			if tree == nil || h.TreeSize > tree.Size() || h.TreeSize == 0 {
				if !matched[h] {
					out.Unchecked++
				}
				continue
			}
			out.AgainstMirror++
			root, err := tree.Root(h.TreeSize)
			if err != nil {
				return nil, err
			}
			if hex.EncodeToString(root) != h.RootHash {
				out.Findings = append(out.Findings, Finding{Kind: KindDeparture, Heads: []ledgertree.TreeHead{*h},
					Reason: fmt.Sprintf("split view: a head of %d leaves in %s is not the tree of the log mirrored in %s at that size", h.TreeSize, set.name, state)})
			}
		}
	}
	return out, nil
}
