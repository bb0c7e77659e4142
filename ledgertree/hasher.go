package ledgertree

import (
	"crypto/sha256"

	"github.com/transparency-dev/merkle/rfc6962"
)

// hasher is RFC 6962's SHA-256 tree hashing, as rfc6962.DefaultHasher computes it, but for the
// inputs a ledger tree hashes (a 32-byte chain hash as a leaf's data, two 32-byte children) in a
// buffer on the stack: rfc6962's allocates a SHA-256 state for every hash, and a tree takes about
// two hashes a leaf (an audit's mirror builds a tree of the whole log as it mirrors it).
type hasher struct{ *rfc6962.Hasher }

// HashLeaf returns SHA-256(0x00 || leaf).
func (h hasher) HashLeaf(leaf []byte) []byte {
	if len(leaf) != HashSize {
		return h.Hasher.HashLeaf(leaf)
	}
	var in [1 + HashSize]byte
	in[0] = rfc6962.RFC6962LeafHashPrefix
	copy(in[1:], leaf)
	sum := sha256.Sum256(in[:])
	return sum[:]
}

// HashChildren returns SHA-256(0x01 || l || r).
func (h hasher) HashChildren(l, r []byte) []byte {
	if len(l) != HashSize || len(r) != HashSize {
		return h.Hasher.HashChildren(l, r)
	}
	var in [1 + 2*HashSize]byte
	in[0] = rfc6962.RFC6962NodeHashPrefix
	copy(in[1:], l)
	copy(in[1+HashSize:], r)
	sum := sha256.Sum256(in[:])
	return sum[:]
}
