package boltstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/eventstore"
)

// fileEvent is an event with a fresh id.
func fileEvent() eventstore.Event {
	return eventstore.Event{ID: uuid.New(), Type: "E", Data: []byte("x")}
}

// landUnannounced appends e to stream at position pos in the file behind the store's writer, as a
// commit that was reported failed but reached the disk leaves it.
func landUnannounced(t *testing.T, s *Store, stream string, expected eventstore.ExpectedRevision, pos eventstore.Position, e eventstore.Event) {
	t.Helper()
	require.NoError(t, s.db.Update(func(tx *bbolt.Tx) error {
		b, err := openBuckets(tx)
		if err != nil {
			return err
		}
		w := &batchWriter{b: b, next: pos, at: time.Now().UTC(), heads: &streamHeads{}} // not the writer's
		if _, err := w.append(&appendRequest{ctx: t.Context(), stream: stream, expected: expected, events: []eventstore.Event{e}}); err != nil {
			return err
		}
		w.put(b.meta, keyLastPosition, u64(pos))
		return w.err
	}))
}

// TestAppendNeverOverwritesWhatTheFileHolds writes an event into the file behind the store's back,
// as a commit that was reported failed but reached the disk leaves it. The next append must go
// after it, not over it; the event must be readable and published; and retrying its append with
// the same event id must return where it landed.
func TestAppendNeverOverwritesWhatTheFileHolds(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"), Options{})
	require.NoError(t, err)
	defer s.Close()
	ctx := t.Context()
	first, landed, next := fileEvent(), fileEvent(), fileEvent()
	_, err = s.Append(ctx, "a", eventstore.NoStream, first)
	require.NoError(t, err)
	mark := s.ChangeMark()

	landUnannounced(t, s, "b", eventstore.NoStream, 2, landed)
	h, err := s.Head(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, h, "the store has not been told")

	res, err := s.Append(ctx, "c", eventstore.NoStream, next)
	require.NoError(t, err)
	require.EqualValues(t, 3, res.Position)
	require.True(t, s.ChangedSince("b", mark), "the event that landed unannounced is reported as a change of its stream")
	all, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, all, 3)
	require.Equal(t, []uuid.UUID{first.ID, landed.ID, next.ID}, []uuid.UUID{all[0].ID, all[1].ID, all[2].ID})

	retry, err := s.Append(ctx, "b", eventstore.NoStream, landed)
	require.NoError(t, err)
	require.EqualValues(t, 2, retry.Position, "the retried append is recognised where it landed")

	var seen []uuid.UUID
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	for e, err := range s.Subscribe(subCtx, 0) {
		require.NoError(t, err)
		seen = append(seen, e.ID)
		if len(seen) == 3 {
			break
		}
	}
	require.Equal(t, []uuid.UUID{first.ID, landed.ID, next.ID}, seen)
}

// The writer's cached head of a stream is dropped when the file turns out to hold more than the
// writer committed: an append expecting the stream's old end is refused, not written twice over.
func TestCachedHeadsYieldToWhatTheFileHolds(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"), Options{})
	require.NoError(t, err)
	defer s.Close()
	ctx := t.Context()
	_, err = s.Append(ctx, "a", eventstore.NoStream, fileEvent()) // the writer now holds a's head: revision 0
	require.NoError(t, err)
	landUnannounced(t, s, "a", eventstore.Exact(0), 2, fileEvent()) // a's revision 1
	_, err = s.Append(ctx, "a", eventstore.Exact(0), fileEvent())
	require.ErrorIs(t, err, eventstore.ErrConflict)
	res, err := s.Append(ctx, "a", eventstore.Exact(1), fileEvent())
	require.NoError(t, err)
	require.EqualValues(t, 2, res.NextRevision)
}
