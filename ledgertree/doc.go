// Package ledgertree keeps the ledger-wide RFC 6962 Merkle tree of DESIGN.md section 4: one leaf per
// ledger event, in global commit order, whose data is the event's 32-byte chain hash. It answers
// the tree's root at any size, inclusion proofs for any event and consistency proofs between any
// two sizes, and signs tree heads with the ledger's Ed25519 key.
//
// Hashing, compact ranges and the shape of every proof come from github.com/transparency-dev/merkle,
// so that any RFC 6962 client (and its verifier) checks what this package produces. The tree is
// held in memory and rebuilt from the log at start; persisting it is left for later.
package ledgertree
