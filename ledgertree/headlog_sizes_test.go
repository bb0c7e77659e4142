package ledgertree

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A head asked for at a size the tree had before is the one signed when it had that size, after a
// restart too: never one signed now, whose time would make the old tree look fresh. A size the tree
// has grown past with no head gets none (ErrNoSignedHead), and the sizes nearest it that have one
// are named; only the tree's size now gets a new one.
func TestHeadAtAnEarlierSizeIsTheHeadSignedThen(t *testing.T) {
	signer, err := NewSigner(bytes.Repeat([]byte{'s'}, 32))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), HeadsFile)
	log, err := OpenHeadLog(path, signer)
	require.NoError(t, err)
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	log.now = func() time.Time { return clock }
	tree := NewTree()
	add := func(n int) {
		for range n {
			var l Leaf
			l.EventID = uuid.New()
			l.Position = tree.Size() + 1
			l.Hash[0] = byte(tree.Size())
			_, err := tree.Append(l)
			require.NoError(t, err)
		}
	}
	add(3)
	at3, err := log.Head(tree)
	require.NoError(t, err)
	clock = clock.Add(time.Hour)
	add(4)
	at7, err := log.Head(tree)
	require.NoError(t, err)
	clock = clock.Add(time.Hour)

	again, err := log.HeadAt(tree, 3)
	require.NoError(t, err)
	assert.Equal(t, at3, again, "the head signed when the tree had 3 leaves")
	stored, ok := log.Stored(3)
	require.True(t, ok)
	assert.Equal(t, at3, stored)
	_, ok = log.Stored(5)
	assert.False(t, ok, "no head was signed at 5 leaves")

	_, err = log.HeadAt(tree, 5)
	require.ErrorIs(t, err, ErrNoSignedHead, "a size the tree has grown past is not signed now")
	below, above := log.Nearest(5)
	assert.Equal(t, []uint64{3, 7}, []uint64{below, above})
	after, ok := log.AtOrAfter(5)
	require.True(t, ok)
	assert.Equal(t, at7, after, "the first head signed once the tree held leaf 5")
	_, ok = log.AtOrAfter(8)
	assert.False(t, ok)
	heads, err := ReadHeads(path)
	require.NoError(t, err)
	assert.Equal(t, []TreeHead{at3, at7}, heads, "a refusal stores nothing")

	add(1)
	fresh, err := log.HeadAt(tree, 8)
	require.NoError(t, err)
	assert.Equal(t, clock.Format(time.RFC3339), fresh.Timestamp, "the tree's size now is signed now")

	reopened, err := OpenHeadLog(path, signer)
	require.NoError(t, err)
	reopened.now = func() time.Time { return clock.Add(time.Hour) }
	below, above = reopened.Nearest(7)
	assert.Equal(t, []uint64{3, 8}, []uint64{below, above}, "the sizes of the heads read back")
	_, err = reopened.HeadAt(tree, 5)
	require.ErrorIs(t, err, ErrNoSignedHead)
	for _, want := range []TreeHead{at3, fresh, at7} {
		got, err := reopened.HeadAt(tree, want.TreeSize)
		require.NoError(t, err)
		assert.Equal(t, want, got, "size %d after a restart", want.TreeSize)
	}
}
