package verify_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/ledgertree"
	"assurance-ledger/verify"
)

func treeOf(t *testing.T, order []int) *ledgertree.Tree {
	t.Helper()
	tree := ledgertree.NewTree()
	for i, n := range order {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(n))
		_, err := tree.Append(ledgertree.Leaf{EventID: uuid.NewSHA1(uuid.NameSpaceOID, b[:]), Position: uint64(i + 1), Hash: sha256.Sum256(b[:])})
		require.NoError(t, err)
	}
	return tree
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// The reference tree is trusted only as far as a signed head vouches for it.
func TestDivergenceNeedsAVouchingHead(t *testing.T) {
	signer, err := ledgertree.NewSigner(bytes.Repeat([]byte{'k'}, ed25519.SeedSize))
	require.NoError(t, err)
	honest := treeOf(t, seq(100))
	head := func(tree *ledgertree.Tree, size uint64) ledgertree.TreeHead {
		root, err := tree.Root(size)
		require.NoError(t, err)
		return signer.Sign(size, root, time.Now())
	}
	swapped := seq(100)
	swapped[40], swapped[41] = swapped[41], swapped[40]
	tests := []struct {
		name      string
		log       []int
		heads     func() []ledgertree.TreeHead
		ok        bool
		leaf      uint64
		vouchSize uint64
	}{
		{"swap found at its leaf", swapped, func() []ledgertree.TreeHead { return []ledgertree.TreeHead{head(honest, 10), head(honest, 100)} }, true, 40, 100},
		{"removed tail", seq(70), func() []ledgertree.TreeHead { return []ledgertree.TreeHead{head(honest, 100)} }, true, 70, 100},
		{"change beyond the vouched part is not claimed", swapped, func() []ledgertree.TreeHead { return []ledgertree.TreeHead{head(honest, 30)} }, false, 0, 30},
		{"no head vouches for the reference", swapped, func() []ledgertree.TreeHead { return []ledgertree.TreeHead{head(treeOf(t, swapped), 100)} }, false, 0, 0},
		{"intact log", seq(100), func() []ledgertree.TreeHead { return []ledgertree.TreeHead{head(honest, 100)} }, false, 0, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			leaf, vouch, ok := verify.Divergence(treeOf(t, tc.log), honest, tc.heads(), signer.PublicKey())
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.vouchSize, vouch.TreeSize)
			if tc.ok {
				assert.Equal(t, tc.leaf, leaf)
			}
		})
	}
}

func TestTreeHeads(t *testing.T) {
	signer, err := ledgertree.NewSigner(bytes.Repeat([]byte{'k'}, ed25519.SeedSize))
	require.NoError(t, err)
	other, err := ledgertree.NewSigner(bytes.Repeat([]byte{'o'}, ed25519.SeedSize))
	require.NoError(t, err)
	honest := treeOf(t, seq(100))
	head := func(s *ledgertree.Signer, tree *ledgertree.Tree, size uint64) ledgertree.TreeHead {
		root, err := tree.Root(size)
		require.NoError(t, err)
		return s.Sign(size, root, time.Now())
	}
	swapped := seq(100)
	swapped[60], swapped[61] = swapped[61], swapped[60]
	describe := func(leaf uint64) verify.Finding { return verify.Finding{Position: leaf + 1} }
	tests := []struct {
		name       string
		log        []int
		heads      []ledgertree.TreeHead
		consistent int
		bad        []int  // head numbers reported
		firstBad   uint64 // position named for the first bad head, 0 for none
		reason     string
	}{
		{"all match", seq(100), []ledgertree.TreeHead{head(signer, honest, 1), head(signer, honest, 60), head(signer, honest, 100)}, 2, nil, 0, ""},
		{"none stored", seq(100), nil, 0, nil, 0, ""},
		{"swapped pair", swapped, []ledgertree.TreeHead{head(signer, honest, 50), head(signer, honest, 100), head(signer, honest, 61)}, 0, []int{2, 3}, 51, "changed, removed or reordered"},
		{"log shorter than a head", seq(80), []ledgertree.TreeHead{head(signer, honest, 70), head(signer, honest, 100)}, 0, []int{2}, 71, "events were removed"},
		{"head by another key", seq(100), []ledgertree.TreeHead{head(other, honest, 100)}, 0, []int{1}, 0, "signed by key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := verify.TreeHeads(treeOf(t, tc.log), signer.PublicKey(), tc.heads, describe)
			assert.Equal(t, len(tc.heads), rep.Checked)
			assert.Equal(t, tc.consistent, rep.Consistent)
			var bad []int
			for _, f := range rep.Findings {
				bad = append(bad, f.Head)
			}
			assert.Equal(t, tc.bad, bad)
			assert.Equal(t, len(tc.bad) == 0, rep.OK())
			if len(rep.Findings) > 0 {
				assert.Contains(t, rep.Findings[0].String(), tc.reason)
				if tc.firstBad == 0 {
					assert.Nil(t, rep.Findings[0].FirstBad)
				} else {
					require.NotNil(t, rep.Findings[0].FirstBad)
					assert.Equal(t, tc.firstBad, rep.Findings[0].FirstBad.Position)
				}
			}
		})
	}
}
