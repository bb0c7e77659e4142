package api

import (
	"context"
	"encoding/hex"
	"errors"

	"assurance-ledger/command"
	"assurance-ledger/ledgertree"
)

// CommandResult is a command's 201 body: where its event landed, and its receipt in the ledger tree.
type CommandResult struct {
	command.Result
	Receipt Receipt `json:"receipt"`
}

// Receipt names a command's event as a leaf of the ledger-wide Merkle tree, so that its client can
// later ask for an inclusion proof (GET /v1/ledger/proofs/inclusion/{event_id}: against the current
// signed head, or with ?tree_size= the size of a head it holds) and check it against that head.
// Every command appends exactly one event, so there is one receipt.
type Receipt struct {
	// LeafHash is SHA-256(0x00 || the event's 32-byte chain hash), as RFC 6962 hashes leaves.
	LeafHash string `json:"leaf_hash"`
	// LeafIndex is the event's 0-based place among the ledger's events in global order, and
	// TreeSize the tree's size when the receipt was made (more than LeafIndex). Both are null when
	// the tree did not reach the event within the read wait, is still catching up after a start, or
	// this server keeps none: the event is recorded all the same, and the inclusion route finds it
	// by event id.
	LeafIndex *uint64 `json:"leaf_index"`
	TreeSize  *uint64 `json:"tree_size"`
}

// receipt waits, up to the read wait, for the tree to take in r's event. A replayed command gets
// the receipt of the event first recorded.
func (s *server) receipt(ctx context.Context, r command.Result) Receipt {
	var rc Receipt
	if chain, err := hex.DecodeString(r.Hash); err == nil && len(chain) == ledgertree.HashSize {
		rc.LeafHash = hex.EncodeToString(ledgertree.Hasher.HashLeaf(chain))
	}
	if s.Tree == nil || s.Tree.Ready() != nil {
		return rc // no tree, or one still catching up: do not hold every command for it
	}
	ctx, cancel := context.WithTimeout(ctx, s.ReadWait)
	defer cancel()
	if err := s.Tree.WaitFor(ctx, r.Position); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return rc
	}
	tree := s.Tree.Tree()
	size := tree.Size()
	if index, err := tree.IndexAt(r.Position); err == nil && index < size {
		rc.LeafIndex, rc.TreeSize = &index, &size
	}
	return rc
}
