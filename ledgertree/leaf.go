package ledgertree

import (
	jsonv1 "github.com/go-json-experiment/json/v1"

	"encoding/hex"
	"fmt"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// LeafOf returns the leaf of a recorded event, and false for an event of a foreign stream: the tree
// covers the ledger's own streams only (domain.IsLedgerStream, as the projections do), so that
// another application's streams in a shared EventStoreDB neither enter the tree nor stop it. A ledger
// event without a well-formed metadata hash is an error: it cannot be put in the tree, and leaving it
// out would shift every later leaf.
func LeafOf(rec eventstore.RecordedEvent) (Leaf, bool, error) {
	if !domain.IsLedgerStream(rec.Stream) {
		return Leaf{}, false, nil
	}
	var meta struct {
		Hash string `json:"hash"`
	}
	// encoding/json's semantics on the JSON v2 engine, as eventcodec.DecodeEvent: half the time and one
	// allocation instead of seven, for every event the tree takes in.
	if err := jsonv1.Unmarshal(rec.Metadata, &meta); err != nil {
		return Leaf{}, false, fmt.Errorf("ledgertree: position %d (%s revision %d): metadata: %w", rec.Position, rec.Stream, rec.Revision, err)
	}
	raw, err := hex.DecodeString(meta.Hash)
	if err != nil || len(raw) != HashSize {
		return Leaf{}, false, fmt.Errorf("ledgertree: position %d (%s revision %d): metadata hash %q is not 32 hex-encoded bytes", rec.Position, rec.Stream, rec.Revision, meta.Hash)
	}
	leaf := Leaf{EventID: rec.ID, Position: rec.Position}
	copy(leaf.Hash[:], raw)
	return leaf, true, nil
}
