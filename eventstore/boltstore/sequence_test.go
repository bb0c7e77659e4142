package boltstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
)

func seqEvent(n int) eventstore.Event {
	return eventstore.Event{ID: uuid.New(), Type: "T", Data: []byte(fmt.Sprintf(`{"n":%d}`, n)), Metadata: []byte(`{}`)}
}

// A sequence lands in the global log in its own order, in one commit, at the positions after the
// head; a refused part stops it there, leaving the parts before it written; a repeat writes nothing.
func TestAppendSequence(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	_, err := s.Append(ctx, "a", eventstore.NoStream, seqEvent(0))
	require.NoError(t, err)

	parts := []boltstore.Part{
		{Stream: "b", Expected: eventstore.NoStream, Events: []eventstore.Event{seqEvent(1)}},
		{Stream: "a", Expected: eventstore.Exact(0), Events: []eventstore.Event{seqEvent(2), seqEvent(3)}},
		{Stream: "c", Expected: eventstore.NoStream, Events: []eventstore.Event{seqEvent(4)}},
		{Stream: "b", Expected: eventstore.Exact(0), Events: []eventstore.Event{seqEvent(5)}},
	}
	before := s.Stats()
	res, err := s.AppendSequence(ctx, parts)
	require.NoError(t, err)
	assert.Equal(t, eventstore.AppendResult{NextRevision: 1, Position: 6}, res)
	assert.Equal(t, before.BatchesCommitted+1, s.Stats().BatchesCommitted, "one commit")
	all, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, all, 6)
	var order []string
	for i, rec := range all {
		assert.EqualValues(t, i+1, rec.Position)
		order = append(order, fmt.Sprintf("%s/%d", rec.Stream, rec.Revision))
	}
	assert.Equal(t, []string{"a/0", "b/0", "a/1", "a/2", "c/0", "b/1"}, order)

	// The same sequence again is recognised: nothing written.
	again, err := s.AppendSequence(ctx, parts)
	require.NoError(t, err)
	assert.Equal(t, res, again)
	head, err := s.Head(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 6, head)

	// A part that does not fit stops the sequence there.
	_, err = s.AppendSequence(ctx, []boltstore.Part{
		{Stream: "d", Expected: eventstore.NoStream, Events: []eventstore.Event{seqEvent(6)}},
		{Stream: "c", Expected: eventstore.Exact(5), Events: []eventstore.Event{seqEvent(7)}},
		{Stream: "e", Expected: eventstore.NoStream, Events: []eventstore.Event{seqEvent(8)}},
	})
	var seqErr *boltstore.SequenceError
	require.ErrorAs(t, err, &seqErr)
	assert.Equal(t, 1, seqErr.Part)
	assert.Equal(t, 1, seqErr.Written)
	assert.ErrorIs(t, err, eventstore.ErrConflict)
	all, err = s.ReadAll(ctx, 6, 0)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, "d", all[0].Stream)

	// A part invalid in itself is refused before anything is written.
	_, err = s.AppendSequence(ctx, []boltstore.Part{{Stream: "f", Expected: eventstore.NoStream, Events: []eventstore.Event{seqEvent(9)}}, {Stream: "", Events: []eventstore.Event{seqEvent(10)}}})
	require.ErrorAs(t, err, &seqErr)
	assert.Equal(t, 1, seqErr.Part)
	head, err = s.Head(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 7, head)
}

// A store created with a page size of its own keeps it: reopened without one, it reads and takes
// appends as any other.
func TestPageSizeOfANewStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := boltstore.Open(path, boltstore.Options{PageSize: 64 << 10})
	require.NoError(t, err)
	_, err = s.AppendSequence(ctx, []boltstore.Part{{Stream: "a", Expected: eventstore.NoStream, Events: []eventstore.Event{seqEvent(1), seqEvent(2)}}})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	require.NoError(t, err)
	assert.Equal(t, 64<<10, db.Info().PageSize)
	require.NoError(t, db.Close())
	s, err = boltstore.Open(path, boltstore.Options{})
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Append(ctx, "a", eventstore.Exact(1), seqEvent(3))
	require.NoError(t, err)
	all, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	assert.Len(t, all, 3)
}
