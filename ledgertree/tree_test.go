package ledgertree_test

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/ledgertree"
)

// leaf returns a deterministic leaf i at a non-contiguous position, as EventStoreDB's are.
func leaf(i int) ledgertree.Leaf {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	l := ledgertree.Leaf{Hash: sha256.Sum256(b[:]), Position: uint64(i)*3 + 7}
	l.EventID = uuid.NewSHA1(uuid.NameSpaceOID, b[:])
	return l
}

func buildTree(t testing.TB, n int) (*ledgertree.Tree, []ledgertree.Leaf) {
	t.Helper()
	tree := ledgertree.NewTree()
	leaves := make([]ledgertree.Leaf, n)
	for i := range leaves {
		leaves[i] = leaf(i)
		idx, err := tree.Append(leaves[i])
		require.NoError(t, err)
		require.Equal(t, uint64(i), idx)
	}
	return tree, leaves
}

// mth is RFC 6962 section 2.1's definition of the Merkle Tree Hash, written from the spec rather
// than with the library, so that the tree is checked against the standard and not against itself.
func mth(leaves [][HashSize]byte) []byte {
	switch n := len(leaves); n {
	case 0:
		s := sha256.Sum256(nil)
		return s[:]
	case 1:
		s := sha256.Sum256(append([]byte{0}, leaves[0][:]...))
		return s[:]
	default:
		k := 1
		for k*2 < n {
			k *= 2
		}
		s := sha256.Sum256(append(append([]byte{1}, mth(leaves[:k])...), mth(leaves[k:])...))
		return s[:]
	}
}

const HashSize = ledgertree.HashSize

func TestRootMatchesRFC6962Definition(t *testing.T) {
	tree, leaves := buildTree(t, 130)
	data := make([][HashSize]byte, len(leaves))
	for i, l := range leaves {
		data[i] = l.Hash
	}
	for _, size := range []uint64{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 127, 128, 129, 130} {
		root, err := tree.Root(size)
		require.NoError(t, err)
		assert.Equal(t, mth(data[:size]), root, "size %d", size)
	}
}

// Every event of a 10,000-event log has an inclusion proof that verifies, at the current size and
// at an earlier size that still contains it.
func TestInclusionProofVerifiesForEveryLeaf(t *testing.T) {
	t.Parallel() // computes while the tests that fsync wait
	const n = 10_000
	tree, leaves := buildTree(t, n)
	rng := rand.New(rand.NewPCG(1, 2))
	roots := map[uint64][]byte{}
	rootAt := func(size uint64) []byte {
		if r, ok := roots[size]; ok {
			return r
		}
		r, err := tree.Root(size)
		require.NoError(t, err)
		roots[size] = r
		return r
	}
	for i, l := range leaves {
		index, pos, err := tree.IndexOf(l.EventID)
		require.NoError(t, err)
		require.Equal(t, uint64(i), index)
		require.Equal(t, l.Position, pos)
		for _, size := range []uint64{n, index + 1 + rng.Uint64N(n-index)} {
			path, root, err := tree.InclusionProof(index, size)
			require.NoError(t, err)
			require.Equal(t, rootAt(size), root)
			require.NoError(t, ledgertree.VerifyInclusion(l.Hash[:], index, size, path, root), "leaf %d at size %d", index, size)
		}
	}
	// A proof does not verify for another event's hash or at another index.
	path, root, err := tree.InclusionProof(42, n)
	require.NoError(t, err)
	assert.Error(t, ledgertree.VerifyInclusion(leaves[43].Hash[:], 42, n, path, root))
	assert.Error(t, ledgertree.VerifyInclusion(leaves[42].Hash[:], 43, n, path, root))
}

func TestConsistencyProofsVerify(t *testing.T) {
	const n = 1_000
	tree, _ := buildTree(t, n)
	pairs := [][2]uint64{{1, 1}, {1, 2}, {1, n}, {2, 3}, {3, 7}, {4, 8}, {7, 8}, {8, 9}, {15, 16}, {16, 17}, {63, 64}, {64, 1000}, {500, 999}, {999, 1000}, {n, n}}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2_000 {
		to := 1 + rng.Uint64N(n)
		pairs = append(pairs, [2]uint64{1 + rng.Uint64N(to), to})
	}
	for _, p := range pairs {
		from, to := p[0], p[1]
		path, fromRoot, toRoot, err := tree.ConsistencyProof(from, to)
		require.NoError(t, err, "%d..%d", from, to)
		want, _ := tree.Root(from)
		require.Equal(t, want, fromRoot)
		require.NoError(t, ledgertree.VerifyConsistency(from, to, path, fromRoot, toRoot), "%d..%d", from, to)
		if from < to {
			// The proof binds the earlier root: another one is refused.
			other, _ := tree.Root(from + 1)
			assert.Error(t, ledgertree.VerifyConsistency(from, to, path, other, toRoot), "%d..%d with a wrong from root", from, to)
		}
	}
}

func TestFlippedLeafChangesTheRoot(t *testing.T) {
	const n = 300
	_, leaves := buildTree(t, n)
	reference, _ := buildTree(t, n)
	want, err := reference.Root(n)
	require.NoError(t, err)
	tests := []struct {
		index int
		bit   uint
	}{{0, 0}, {1, 7}, {127, 100}, {128, 255}, {n - 1, 3}}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("leaf %d bit %d", tc.index, tc.bit), func(t *testing.T) {
			tampered := ledgertree.NewTree()
			for i, l := range leaves {
				if i == tc.index {
					l.Hash[tc.bit/8] ^= 1 << (tc.bit % 8)
				}
				_, err := tampered.Append(l)
				require.NoError(t, err)
			}
			got, err := tampered.Root(n)
			require.NoError(t, err)
			assert.NotEqual(t, want, got)
			// Earlier heads that do not contain the flipped leaf are unchanged, later ones are not
			// consistent with the honest tree.
			before, _ := tampered.Root(uint64(tc.index))
			honest, _ := reference.Root(uint64(tc.index))
			assert.Equal(t, honest, before)
			if tc.index > 0 {
				path, _, _, err := reference.ConsistencyProof(uint64(tc.index), n)
				require.NoError(t, err)
				assert.Error(t, ledgertree.VerifyConsistency(uint64(tc.index), n, path, honest, got))
			}
		})
	}
}

func TestTreeRefusals(t *testing.T) {
	tree, leaves := buildTree(t, 10)
	_, _, err := tree.IndexOf(uuid.New())
	assert.ErrorIs(t, err, ledgertree.ErrUnknownEvent)

	tests := []struct {
		name string
		call func() error
	}{
		{"root beyond size", func() error { _, err := tree.Root(11); return err }},
		{"inclusion beyond size", func() error { _, _, err := tree.InclusionProof(1, 11); return err }},
		{"inclusion of a later leaf", func() error { _, _, err := tree.InclusionProof(5, 5); return err }},
		{"consistency from 0", func() error { _, _, _, err := tree.ConsistencyProof(0, 5); return err }},
		{"consistency from > to", func() error { _, _, _, err := tree.ConsistencyProof(6, 5); return err }},
		{"consistency to beyond size", func() error { _, _, _, err := tree.ConsistencyProof(5, 11); return err }},
		{"leaf hash beyond size", func() error { _, err := tree.LeafHash(10); return err }},
	}
	for _, tc := range tests {
		assert.ErrorIs(t, tc.call(), ledgertree.ErrBadSize, tc.name)
	}

	stale := leaf(99)
	stale.Position = leaves[9].Position
	_, err = tree.Append(stale)
	assert.ErrorContains(t, err, "does not follow", "positions must increase")
	dup := leaves[3]
	dup.Position = 1_000
	_, err = tree.Append(dup)
	assert.ErrorContains(t, err, "already leaf 3")
	assert.Equal(t, uint64(10), tree.Size(), "refused leaves are not appended")
	assert.False(t, errors.Is(err, ledgertree.ErrBadSize))
}

func TestPositionIndex(t *testing.T) {
	tree, leaves := buildTree(t, 5) // positions 7, 10, 13, 16, 19
	tests := []struct {
		pos       uint64
		index     uint64
		known     bool
		sizeAtPos uint64
	}{
		{6, 0, false, 0}, {7, 0, true, 1}, {8, 0, false, 1}, {13, 2, true, 3}, {19, 4, true, 5}, {100, 0, false, 5},
	}
	for _, tc := range tests {
		i, err := tree.IndexAt(tc.pos)
		if tc.known {
			assert.NoError(t, err, "position %d", tc.pos)
			assert.Equal(t, tc.index, i, "position %d", tc.pos)
		} else {
			assert.ErrorIs(t, err, ledgertree.ErrUnknownEvent, "position %d", tc.pos)
		}
		assert.Equal(t, tc.sizeAtPos, tree.SizeAt(tc.pos), "size at position %d", tc.pos)
	}
	assert.Equal(t, leaves[4].Position, tree.LastPosition())
	lh, err := tree.LeafHash(2)
	require.NoError(t, err)
	want := sha256.Sum256(append([]byte{0}, leaves[2].Hash[:]...))
	assert.Equal(t, want[:], lh, "the leaf hash is RFC 6962's SHA-256(0x00 || chain hash)")
}
