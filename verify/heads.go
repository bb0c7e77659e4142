package verify

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"slices"

	"assurance-ledger/ledgertree"
)

// HeadFinding names a stored tree head that the log, or the key, does not bear out.
type HeadFinding struct {
	Head      int    `json:"head"` // 1-based place in the list of heads checked
	TreeSize  uint64 `json:"tree_size"`
	Timestamp string `json:"timestamp"`
	Reason    string `json:"reason"`
	// FirstBad is the first event the log may have had changed, removed or reordered since the head
	// was signed: the first leaf after the largest head that still matches. Absent for a head whose
	// signature fails, or when the log ends before that leaf.
	FirstBad *Finding `json:"first_bad_event,omitempty"`
}

func (f HeadFinding) String() string {
	s := fmt.Sprintf("tree head %d (tree_size %d, signed %s): %s", f.Head, f.TreeSize, f.Timestamp, f.Reason)
	if f.FirstBad != nil {
		s += "; first event not covered by a matching head: " + f.FirstBad.String()
	}
	return s
}

// HeadReport is the outcome of checking stored heads against the tree recomputed from the log.
type HeadReport struct {
	Checked    int           `json:"checked"`
	Consistent int           `json:"consistency_proofs_checked"`
	Findings   []HeadFinding `json:"findings"`
	// Divergence, when the service's tree checkpoint is at hand and a signed head vouches for it, is
	// exactly the first event at which the log departs from the tree the service built.
	Divergence *Finding `json:"first_divergence,omitempty"`
}

// OK reports whether every head verified.
func (r HeadReport) OK() bool { return len(r.Findings) == 0 }

// TreeHeads checks heads the service signed against tree, the tree recomputed from the log: each
// signature against pub, each root against the recomputed root at its size (a head beyond the log's
// size means events were removed), and an RFC 6962 consistency proof between every two heads in size
// order, each proof built from the recomputed tree and checked against the heads' own roots.
// describe names the event that is leaf i of tree, for the report.
func TreeHeads(tree *ledgertree.Tree, pub ed25519.PublicKey, heads []ledgertree.TreeHead, describe func(leaf uint64) Finding) HeadReport {
	rep := HeadReport{Checked: len(heads), Findings: []HeadFinding{}}
	type signed struct {
		n    int
		head ledgertree.TreeHead
		root []byte
		good bool
	}
	var valid []signed
	for i, h := range heads {
		if err := ledgertree.VerifyTreeHead(pub, h); err != nil {
			rep.Findings = append(rep.Findings, HeadFinding{Head: i + 1, TreeSize: h.TreeSize, Timestamp: h.Timestamp, Reason: err.Error()})
			continue
		}
		root, _ := hex.DecodeString(h.RootHash) // well formed: VerifyTreeHead checked it
		valid = append(valid, signed{n: i + 1, head: h, root: root})
	}
	size := tree.Size()
	for i := range valid {
		v := &valid[i]
		if v.head.TreeSize > size {
			continue
		}
		got, err := tree.Root(v.head.TreeSize)
		v.good = err == nil && bytes.Equal(got, v.root)
	}
	slices.SortStableFunc(valid, func(a, b signed) int { return cmp.Compare(a.head.TreeSize, b.head.TreeSize) })

	// The largest matching head below each bad one bounds where the log changed.
	var lastGood uint64
	for i, v := range valid {
		if v.good {
			lastGood = v.head.TreeSize
			if i > 0 && valid[i-1].good && valid[i-1].head.TreeSize > 0 {
				prev := valid[i-1]
				path, _, _, err := tree.ConsistencyProof(prev.head.TreeSize, v.head.TreeSize)
				if err == nil {
					err = ledgertree.VerifyConsistency(prev.head.TreeSize, v.head.TreeSize, path, prev.root, v.root)
				}
				if err != nil {
					rep.Findings = append(rep.Findings, HeadFinding{Head: v.n, TreeSize: v.head.TreeSize, Timestamp: v.head.Timestamp,
						Reason: fmt.Sprintf("not consistent with head %d (tree_size %d): %v", prev.n, prev.head.TreeSize, err)})
				} else {
					rep.Consistent++
				}
			}
			continue
		}
		f := HeadFinding{Head: v.n, TreeSize: v.head.TreeSize, Timestamp: v.head.Timestamp}
		if v.head.TreeSize > size {
			f.Reason = fmt.Sprintf("signed for %d leaves but the log holds only %d ledger events: events were removed", v.head.TreeSize, size)
		} else {
			got, _ := tree.Root(v.head.TreeSize)
			f.Reason = fmt.Sprintf("signed root %s but the log gives %x at that size: events before it were changed, removed or reordered", v.head.RootHash, got)
		}
		if lastGood < size {
			d := describe(lastGood)
			d.Reason = fmt.Sprintf("leaf %d, the first after the last head that matches (tree_size %d)", lastGood, lastGood)
			f.FirstBad = &d
		}
		rep.Findings = append(rep.Findings, f)
	}
	slices.SortStableFunc(rep.Findings, func(a, b HeadFinding) int { return cmp.Compare(a.Head, b.Head) })
	return rep
}

// Divergence finds the first leaf at which recomputed, the tree rebuilt from the log, departs from
// reference, a tree the service built earlier (its checkpoint). reference is trusted only as far as
// a signed head vouches for it: up to the largest head, signed by pub, whose root reference gives
// at its size. It returns that leaf (the log's size if the log merely ends early), the head, and
// false when no head vouches for reference or the log agrees with it that far.
func Divergence(recomputed, reference *ledgertree.Tree, heads []ledgertree.TreeHead, pub ed25519.PublicKey) (uint64, ledgertree.TreeHead, bool) {
	var vouch ledgertree.TreeHead
	found := false
	for _, h := range heads {
		if h.TreeSize == 0 || h.TreeSize > reference.Size() || (found && h.TreeSize <= vouch.TreeSize) {
			continue
		}
		if ledgertree.VerifyTreeHead(pub, h) != nil {
			continue
		}
		if root, err := reference.Root(h.TreeSize); err == nil && hex.EncodeToString(root) == h.RootHash {
			vouch, found = h, true
		}
	}
	if !found {
		return 0, vouch, false
	}
	n := min(vouch.TreeSize, recomputed.Size())
	for i := range n {
		a, _ := recomputed.LeafHash(i)
		b, _ := reference.LeafHash(i)
		if !bytes.Equal(a, b) {
			return i, vouch, true
		}
	}
	if recomputed.Size() < vouch.TreeSize {
		return recomputed.Size(), vouch, true
	}
	return 0, vouch, false
}
