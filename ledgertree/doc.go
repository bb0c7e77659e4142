// Package ledgertree keeps the ledger-wide RFC 6962 Merkle tree of docs/design.md §6: one leaf per
// ledger event, in global commit order, whose data is the event's 32-byte chain hash. It answers
// the tree's root at any size, inclusion proofs for any event and consistency proofs between any
// two sizes, and signs tree heads with the ledger's Ed25519 key.
//
// Hashing, compact ranges and the shape of every proof come from github.com/transparency-dev/merkle,
// so that any RFC 6962 client (and its verifier) checks what this package produces. The tree is
// held in memory and saved to a checkpoint file under the data directory, so that a restart reads
// only the events recorded since; the signed heads the service gives out are kept in a file of
// their own, for ledger verify to compare with the log.
package ledgertree
