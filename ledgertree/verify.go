package ledgertree

import (
	"github.com/transparency-dev/merkle/proof"
)

// VerifyInclusion checks that the event whose chain hash is eventHash is leaf index of the tree of
// size leaves with the given root. It is what a client holding a signed tree head runs.
func VerifyInclusion(eventHash []byte, index, size uint64, path [][]byte, root []byte) error {
	return proof.VerifyInclusion(Hasher, index, size, Hasher.HashLeaf(eventHash), path, root)
}

// VerifyConsistency checks that the tree of size from with fromRoot is a prefix of the tree of size
// to with toRoot: nothing recorded by the first head was changed or removed by the second.
func VerifyConsistency(from, to uint64, path [][]byte, fromRoot, toRoot []byte) error {
	return proof.VerifyConsistency(Hasher, from, to, path, fromRoot, toRoot)
}
