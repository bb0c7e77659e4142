package projections_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
	"assurance-ledger/projections"
)

// SaveSnapshot leaves the snapshot and nothing else in the directory, even after a crash left its
// temporary file, and RestoreOrNew takes it up.
func TestSaveSnapshotThenRestoreOrNew(t *testing.T) {
	ctx := context.Background()
	store := demoStore(t)
	p := projections.New(store, nil)
	require.NoError(t, p.CatchUp(ctx))
	dir := t.TempDir()
	path := filepath.Join(dir, projections.SnapshotFile)
	require.NoError(t, os.WriteFile(path+".tmp", []byte("half a snapshot a crash left"), 0o600))
	info, err := p.SaveSnapshot(path)
	require.NoError(t, err)
	assert.Equal(t, p.Applied(), info.Position)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left beside the snapshot, nor one an earlier save left")
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.EqualValues(t, info.Bytes, st.Size())

	var logged bytes.Buffer
	restored, err := projections.RestoreOrNew(ctx, store, path, slog.New(slog.NewTextHandler(&logged, nil)))
	require.NoError(t, err)
	assert.Equal(t, p.Applied(), restored.Applied())
	assert.Contains(t, logged.String(), "projections restored from their snapshot")
}

// RestoreOrNew starts from the whole log when there is no snapshot to use, setting a refused one
// aside with a warning; only trouble reading the file is an error.
func TestRestoreOrNewWithoutAUsableSnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, head, good := demoSnapshot(t)
	damaged := bytes.Clone(good)
	damaged[len(damaged)/2] ^= 0xff

	for _, c := range []struct {
		name      string
		file      []byte // nil: no file
		store     bool   // the snapshot's own log (false: another log of as many events)
		setAside  bool
		wantLog   string
		wantError string
	}{
		{name: "no snapshot", store: true, wantLog: "no projections snapshot"},
		{name: "damaged", file: damaged, store: true, setAside: true, wantLog: "checksum does not match"},
		{name: "of another log", file: good, setAside: true, wantLog: "snapshot of another log"},
		{name: "not a snapshot", file: []byte("hello"), store: true, setAside: true, wantLog: "not a projections snapshot"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), projections.SnapshotFile)
			if c.file != nil {
				require.NoError(t, os.WriteFile(path, c.file, 0o600))
			}
			s := store
			if !c.store {
				s = otherLogOfLength(t, head)
			}
			var logged bytes.Buffer
			restored, err := projections.RestoreOrNew(ctx, s, path, slog.New(slog.NewTextHandler(&logged, nil)))
			require.NoError(t, err)
			assert.Zero(t, restored.Applied(), "a new projector, to fold the whole log")
			assert.Contains(t, logged.String(), c.wantLog)
			_, err = os.Stat(path)
			assert.ErrorIs(t, err, os.ErrNotExist)
			aside, err := os.ReadFile(path + ".rejected")
			if c.setAside {
				require.NoError(t, err)
				assert.Equal(t, c.file, aside, "set aside as it was")
				assert.Contains(t, logged.String(), "level=WARN")
			} else {
				assert.ErrorIs(t, err, os.ErrNotExist)
			}
			require.NoError(t, restored.CatchUp(ctx))
			want := projections.New(s, nil)
			require.NoError(t, want.CatchUp(ctx))
			assert.Equal(t, want.Report(projections.ReportFilter{}), restored.Report(projections.ReportFilter{}))
		})
	}

	t.Run("unreadable", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), projections.SnapshotFile)
		require.NoError(t, os.Mkdir(path, 0o700))
		restored, err := projections.RestoreOrNew(ctx, store, path, nil)
		assert.ErrorContains(t, err, "reading the snapshot")
		assert.Nil(t, restored)
	})
}

// sparseStore is store with every position multiplied by 1000, and, as EventStoreDB, it refuses
// to read $all after a position that is not 0 or an event's.
type sparseStore struct{ eventstore.Store }

func (s sparseStore) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if after%1000 != 0 {
		return nil, fmt.Errorf("%w: %d", eventstore.ErrInvalidPosition, after)
	}
	evs, err := s.Store.ReadAll(ctx, after/1000, limit)
	for i := range evs {
		evs[i].Position *= 1000
	}
	return evs, err
}

func (s sparseStore) Head(ctx context.Context) (eventstore.Position, error) {
	h, err := s.Store.Head(ctx)
	return h * 1000, err
}

// TestRestoreOrNewOnAStoreWithOtherPositions: the data directory moved from the embedded store to
// EventStoreDB brings a snapshot whose positions the new store has no event at. It is set aside
// and the projections built from the new store's log, instead of stopping the start.
func TestRestoreOrNewOnAStoreWithOtherPositions(t *testing.T) {
	ctx := context.Background()
	store, _, good := demoSnapshot(t)
	path := filepath.Join(t.TempDir(), projections.SnapshotFile)
	require.NoError(t, os.WriteFile(path, good, 0o600))
	moved := sparseStore{store}

	var logged bytes.Buffer
	restored, err := projections.RestoreOrNew(ctx, moved, path, slog.New(slog.NewTextHandler(&logged, nil)))
	require.NoError(t, err)
	assert.Zero(t, restored.Applied())
	assert.Contains(t, logged.String(), "snapshot of another log")
	_, err = os.Stat(path + ".rejected")
	require.NoError(t, err)
	require.NoError(t, restored.CatchUp(ctx))
	want := projections.New(moved, nil)
	require.NoError(t, want.CatchUp(ctx))
	assert.Equal(t, want.Report(projections.ReportFilter{}), restored.Report(projections.ReportFilter{}))
}
