package ledgertree_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/command"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/ledgertree"
)

func openStore(t *testing.T, path string) eventstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, boltstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// resume opens the checkpoint at path, catches a resumed follower up with store (which saves the
// checkpoint), and closes it, as a service run from start to shutdown does.
func resume(t *testing.T, path string, store eventstore.Store, log *slog.Logger) *ledgertree.Follower {
	t.Helper()
	cp, err := ledgertree.OpenCheckpoint(path)
	require.NoError(t, err)
	defer cp.Close()
	f, err := ledgertree.Resume(context.Background(), cp, store, log)
	require.NoError(t, err)
	require.NoError(t, f.CatchUp(context.Background(), store))
	return f
}

func fullRebuild(t *testing.T, store eventstore.Store) *ledgertree.Tree {
	t.Helper()
	f := ledgertree.NewFollower(ledgertree.NewTree(), nil)
	require.NoError(t, f.CatchUp(context.Background(), store))
	return f.Tree()
}

// A restart reads only the events after the checkpoint, and ends with the tree a full rebuild
// gives: same root and the same proofs at every earlier size.
func TestResumeReadsOnlyEventsAfterTheCheckpoint(t *testing.T) {
	t.Parallel() // most of its time is fsync: it overlaps the tests that compute
	dir := t.TempDir()
	store := openStore(t, filepath.Join(dir, "ledger.db"))
	h := command.NewHandler(store, command.Options{})
	cpPath := filepath.Join(dir, ledgertree.CheckpointFile)

	register(t, h, 0, 300)
	first := resume(t, cpPath, store, nil)
	assert.Equal(t, uint64(300), first.Read(), "the first start reads the whole log")

	for _, more := range []int{0, 1, 77} {
		before := fullRebuild(t, store).Size()
		register(t, h, int(before), more)
		f := resume(t, cpPath, store, nil)
		assert.Equal(t, uint64(more), f.Read(), "only the %d new events are read after %d", more, before)

		want := fullRebuild(t, store)
		require.Equal(t, want.Size(), f.Tree().Size())
		for _, size := range []uint64{1, 2, 255, 256, 257, want.Size()} {
			wr, _ := want.Root(size)
			gr, err := f.Tree().Root(size)
			require.NoError(t, err)
			assert.Equal(t, wr, gr, "root at %d", size)
		}
		path, root, err := f.Tree().InclusionProof(5, want.Size())
		require.NoError(t, err)
		wantPath, _, _ := want.InclusionProof(5, want.Size())
		assert.Equal(t, wantPath, path)
		leaf, _ := want.LeafHash(5)
		lh, err := f.Tree().LeafHash(5)
		require.NoError(t, err)
		assert.Equal(t, leaf, lh)
		wantRoot, _ := want.Root(want.Size())
		assert.Equal(t, wantRoot, root)
	}
}

// A checkpoint that does not describe the log is discarded with a warning and the tree rebuilt.
func TestResumeDiscardsACheckpointOfAnotherLog(t *testing.T) {
	t.Parallel() // most of its time is fsync: it overlaps the tests that compute
	tests := []struct {
		name   string
		damage func(t *testing.T, cpPath, dir string, store eventstore.Store) eventstore.Store
	}{
		{"another ledger", func(t *testing.T, cpPath, dir string, _ eventstore.Store) eventstore.Store {
			other := openStore(t, filepath.Join(dir, "other.db"))
			register(t, command.NewHandler(other, command.Options{}), 500, 40)
			return other
		}},
		{"log shorter than the checkpoint", func(t *testing.T, cpPath, dir string, _ eventstore.Store) eventstore.Store {
			other := openStore(t, filepath.Join(dir, "short.db"))
			register(t, command.NewHandler(other, command.Options{}), 0, 10)
			return other
		}},
		{"corrupted last leaf", corruptNode(0, 39)},               // compared with the event in the log
		{"corrupted node of the root's range", corruptNode(3, 4)}, // leaves 32-39: the saved root no longer matches
		// Neither is folded into the root at 40 or compared with the log, yet proofs are built from them.
		{"corrupted interior node off the root's range", corruptNode(2, 3)}, // leaves 12-15, under the stored node of 0-31
		{"corrupted leaf hash in the middle", corruptNode(0, 17)},
		// The same events in a store with other positions, which refuses to read from the
		// checkpoint's (the data directory moved from the embedded store to EventStoreDB).
		{"a store that has no event at the checkpoint's positions", func(_ *testing.T, _, _ string, store eventstore.Store) eventstore.Store {
			return sparseStore{store}
		}},
		{"corrupted size", func(t *testing.T, cpPath, _ string, _ eventstore.Store) eventstore.Store {
			editCheckpoint(t, cpPath, func(tx *bbolt.Tx) error {
				return tx.Bucket([]byte("meta")).Put([]byte("size"), []byte{0, 0, 0, 0, 0, 0, 0, 41})
			})
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			store := openStore(t, filepath.Join(dir, "ledger.db"))
			register(t, command.NewHandler(store, command.Options{}), 0, 40)
			cpPath := filepath.Join(dir, ledgertree.CheckpointFile)
			resume(t, cpPath, store, nil)
			if other := tc.damage(t, cpPath, dir, store); other != nil {
				store = other
			}
			var logged bytes.Buffer
			f := resume(t, cpPath, store, slog.New(slog.NewTextHandler(&logged, nil)))
			assert.Contains(t, logged.String(), "checkpoint discarded")
			want := fullRebuild(t, store)
			assert.Equal(t, want.Size(), f.Read(), "rebuilt from the start")
			wr, _ := want.Root(want.Size())
			gr, _ := f.Tree().Root(f.Tree().Size())
			assert.Equal(t, wr, gr)
		})
	}
}

// sparseStore is store with every position multiplied by sparseStep, and, as EventStoreDB, it
// refuses to read $all after a position that is not 0 or an event's.
type sparseStore struct{ eventstore.Store }

const sparseStep = 1000

func (s sparseStore) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if after%sparseStep != 0 {
		return nil, fmt.Errorf("%w: %d", eventstore.ErrInvalidPosition, after)
	}
	evs, err := s.Store.ReadAll(ctx, after/sparseStep, limit)
	for i := range evs {
		evs[i].Position *= sparseStep
	}
	return evs, err
}

func (s sparseStore) Head(ctx context.Context) (eventstore.Position, error) {
	h, err := s.Store.Head(ctx)
	return h * sparseStep, err
}

func editCheckpoint(t *testing.T, path string, edit func(tx *bbolt.Tx) error) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(edit))
	require.NoError(t, db.Close())
}

// corruptNode overwrites one stored node hash of a 40-leaf checkpoint.
func corruptNode(level byte, index uint64) func(t *testing.T, cpPath, _ string, _ eventstore.Store) eventstore.Store {
	return func(t *testing.T, cpPath, _ string, _ eventstore.Store) eventstore.Store {
		editCheckpoint(t, cpPath, func(tx *bbolt.Tx) error {
			k := binary.BigEndian.AppendUint64([]byte{level}, index)
			require.NotNil(t, tx.Bucket([]byte("nodes")).Get(k), "the node exists")
			return tx.Bucket([]byte("nodes")).Put(k, bytes.Repeat([]byte{7}, 32))
		})
		return nil
	}
}

// An unreadable checkpoint is set aside and a new one started; one held by another opener is not.
func TestUnreadableCheckpointIsSetAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ledgertree.CheckpointFile)
	require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte("not a bbolt file "), 500), 0o600))
	var logged bytes.Buffer
	cp, err := ledgertree.OpenCheckpointOrSetAside(path, slog.New(slog.NewTextHandler(&logged, nil)))
	require.NoError(t, err)
	tree, err := cp.Load()
	require.NoError(t, err)
	assert.Zero(t, tree.Size())
	assert.Contains(t, logged.String(), "set aside")
	_, err = os.Stat(path + ".unreadable")
	assert.NoError(t, err, "the damaged file is kept for inspection")

	_, err = ledgertree.OpenCheckpointOrSetAside(path, nil)
	assert.Error(t, err, "a checkpoint in use is not taken over")
	require.NoError(t, cp.Close())
	_, err = os.Stat(path)
	assert.NoError(t, err)
}

// A checkpoint torn so that its meta pages are valid but name a meta page as the freelist (as a
// power cut left one under lazyfs) made bbolt panic inside Open, and serve crash at every start; it
// is set aside like any other unreadable checkpoint.
func TestCheckpointWhoseFreelistIsAMetaPageIsSetAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), ledgertree.CheckpointFile)
	cp, err := ledgertree.OpenCheckpoint(path)
	require.NoError(t, err)
	require.NoError(t, cp.Close())
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	// bbolt's meta page: a 16-byte page header, then magic, version, page size and flags (4 bytes
	// each), the root bucket (16), the freelist's page id (8), the high-water page id (8), the
	// transaction id (8) and an FNV-1a checksum of everything before it.
	pageSize := int(binary.LittleEndian.Uint32(raw[16+8:]))
	for _, at := range []int{0, pageSize} {
		meta := raw[at+16:]
		binary.LittleEndian.PutUint64(meta[32:], 0)
		h := fnv.New64a()
		h.Write(meta[:56])
		binary.LittleEndian.PutUint64(meta[56:], h.Sum64())
	}
	require.NoError(t, os.WriteFile(path, raw, 0o600))

	// A copy, for the open that fails stays locked (see openBolt).
	copied := path + ".copy"
	require.NoError(t, os.WriteFile(copied, raw, 0o600))
	_, err = ledgertree.OpenCheckpoint(copied)
	require.ErrorIs(t, err, ledgertree.ErrBadCheckpoint)
	cp, err = ledgertree.OpenCheckpointOrSetAside(path, nil)
	require.NoError(t, err)
	tree, err := cp.Load()
	require.NoError(t, err)
	assert.Zero(t, tree.Size())
	require.NoError(t, cp.Close())
	_, err = os.Stat(path + ".unreadable")
	assert.NoError(t, err)
}
