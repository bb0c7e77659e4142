package evidence

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"

	"assurance-ledger/ledgertree"
)

// ConsistencyProof is the document GET /v1/ledger/proofs/consistency?from=&to= returns: the proof
// that the tree of from leaves is a prefix of the tree of to leaves, with the heads the ledger
// signed at those sizes (each absent, its zero value here, where it signed none).
type ConsistencyProof struct {
	Proof    []string            `json:"proof"`
	FromHead ledgertree.TreeHead `json:"from_head"`
	ToHead   ledgertree.TreeHead `json:"to_head"`
}

// CheckConsistency checks, offline, that the ledger a newer head describes still holds everything
// the bundle's head did: proof must run from a tree of the bundle's size with the bundle's root to a
// head signed by key. It returns the newer head. A bundle made before more events were appended
// keeps verifying on its own; this shows that nothing it proves was rewritten since.
func CheckConsistency(b *Bundle, proof ConsistencyProof, key ed25519.PublicKey) (ledgertree.TreeHead, error) {
	to := proof.ToHead
	if to == (ledgertree.TreeHead{}) {
		return to, fmt.Errorf("the proof carries no newer signed head (the ledger signed none at its to size): ask for to=<the tree_size of a head it signed>, such as GET /v1/ledger/tree-head's, from=%d", b.TreeHead.TreeSize)
	}
	if err := ledgertree.VerifyTreeHead(key, to); err != nil {
		return to, fmt.Errorf("newer head: %w", err)
	}
	from := b.TreeHead
	// The proof is checked against the bundle's own head; the head the ledger gives with it, when
	// it gives one, must be that head's tree.
	if proof.FromHead != (ledgertree.TreeHead{}) && (proof.FromHead.TreeSize != from.TreeSize || proof.FromHead.RootHash != from.RootHash) {
		return to, fmt.Errorf("the proof starts from tree_size %d root %s, the bundle's head is tree_size %d root %s",
			proof.FromHead.TreeSize, proof.FromHead.RootHash, from.TreeSize, from.RootHash)
	}
	path := make([][]byte, len(proof.Proof))
	for i, h := range proof.Proof {
		var err error
		if path[i], err = hex.DecodeString(h); err != nil {
			return to, fmt.Errorf("consistency proof is not hex")
		}
	}
	fromRoot, _ := hex.DecodeString(from.RootHash)
	toRoot, _ := hex.DecodeString(to.RootHash)
	if err := ledgertree.VerifyConsistency(from.TreeSize, to.TreeSize, path, fromRoot, toRoot); err != nil {
		if proof.FromHead == (ledgertree.TreeHead{}) {
			return to, fmt.Errorf("the ledger at tree_size %d is not an extension of the bundle's head at %d, or the proof is not from %d (ask with from=%d, the bundle's tree_head.tree_size): %w",
				to.TreeSize, from.TreeSize, from.TreeSize, from.TreeSize, err)
		}
		return to, fmt.Errorf("the ledger at tree_size %d is not an extension of the bundle's head at %d: %w", to.TreeSize, from.TreeSize, err)
	}
	return to, nil
}

// ProveConsistency builds, from tree (recomputed from a log), the proof that the bundle's head is a
// prefix of the tree now, with the newer head signed by signer; CheckConsistency then checks it. It
// fails when the log no longer holds the tree the bundle's head signed.
func ProveConsistency(b *Bundle, tree *ledgertree.Tree, signHead func(size uint64, root []byte) ledgertree.TreeHead) (ConsistencyProof, error) {
	from, to := b.TreeHead.TreeSize, tree.Size()
	if from > to {
		return ConsistencyProof{}, fmt.Errorf("the bundle's head has %d leaves, the log only %d ledger events: events were removed", from, to)
	}
	root, err := tree.Root(from)
	if err != nil {
		return ConsistencyProof{}, err
	}
	want, _ := hex.DecodeString(b.TreeHead.RootHash)
	if !bytes.Equal(root, want) {
		return ConsistencyProof{}, fmt.Errorf("the log gives root %x at tree_size %d, the bundle's head signed %s: the log was changed", root, from, b.TreeHead.RootHash)
	}
	path, _, toRoot, err := tree.ConsistencyProof(from, to)
	if err != nil {
		return ConsistencyProof{}, err
	}
	p := ConsistencyProof{Proof: make([]string, len(path)), FromHead: b.TreeHead, ToHead: signHead(to, toRoot)}
	for i, h := range path {
		p.Proof[i] = hex.EncodeToString(h)
	}
	return p, nil
}
