package storetest

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// lenderOf returns s as an eventstore.Lender, skipping t for a store that does not offer it.
func lenderOf(t *testing.T, s eventstore.Store) eventstore.Lender {
	t.Helper()
	return optional[eventstore.Lender](t, s, "its events are read with ReadStream and ReadAll")
}

// lendCopy lends the event of stream at revision and returns a copy of it, taken inside fn.
func lendCopy(t *testing.T, l eventstore.Lender, stream string, revision uint64) (eventstore.RecordedEvent, bool) {
	t.Helper()
	var got eventstore.RecordedEvent
	calls := 0
	found, err := l.LendStreamEvent(t.Context(), stream, revision, func(e eventstore.RecordedEvent) error {
		calls++
		got = e
		got.Data = append([]byte(nil), e.Data...)
		got.Metadata = append([]byte(nil), e.Metadata...)
		return nil
	})
	require.NoError(t, err)
	if !found {
		require.Zero(t, calls, "fn was called for an event that is not there")
		return eventstore.RecordedEvent{}, false
	}
	require.Equal(t, 1, calls, "fn is called once for an event that is there")
	return got, true
}

// A lent event is the event ReadStream returns, field for field, at every revision; a revision or
// stream that does not exist is not found.
func testLendStreamEvent(t *testing.T, h Harness) {
	s := open(t, h)
	l := lenderOf(t, s)
	mustAppend(t, s, "a", eventstore.NoStream, events("A", 3)...)
	mustAppend(t, s, "b", eventstore.NoStream, events("B", 2)...)
	mustAppend(t, s, "a", eventstore.Exact(2), event("A", 3))
	for _, stream := range []string{"a", "b"} {
		stored, err := s.ReadStream(t.Context(), stream, 0, 0)
		require.NoError(t, err)
		for _, want := range stored {
			got, found := lendCopy(t, l, stream, want.Revision)
			require.True(t, found, "%s revision %d", stream, want.Revision)
			requireSameEvents(t, []eventstore.RecordedEvent{want}, []eventstore.RecordedEvent{got})
		}
		_, found := lendCopy(t, l, stream, uint64(len(stored)))
		require.False(t, found, "%s has no revision %d", stream, len(stored))
	}
	_, found := lendCopy(t, l, "never-written", 0)
	require.False(t, found)
}

// fn's error comes back as it is, and a done context or a closed store lends nothing.
func testLendStreamEventErrors(t *testing.T, h Harness) {
	s := open(t, h)
	l := lenderOf(t, s)
	mustAppend(t, s, "a", eventstore.NoStream, event("A", 0))
	mine := errors.New("the reader's own failure")
	found, err := l.LendStreamEvent(t.Context(), "a", 0, func(eventstore.RecordedEvent) error { return mine })
	require.True(t, found)
	require.ErrorIs(t, err, mine)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	called := false
	_, err = l.LendStreamEvent(ctx, "a", 0, func(eventstore.RecordedEvent) error { called = true; return nil })
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, called)

	require.NoError(t, s.Close())
	_, err = l.LendStreamEvent(t.Context(), "a", 0, func(eventstore.RecordedEvent) error { called = true; return nil })
	require.ErrorIs(t, err, eventstore.ErrClosed)
	require.False(t, called)
}

// LendAll lends what ReadAll returns, for every starting point and limit, and calls fn not at all
// where there is nothing.
func testLendAll(t *testing.T, h Harness) {
	s := open(t, h)
	l := lenderOf(t, s)
	mustAppend(t, s, "a", eventstore.NoStream, events("A", 3)...)
	mustAppend(t, s, "b", eventstore.NoStream, events("B", 4)...)
	mustAppend(t, s, "a", eventstore.Exact(2), events("A", 2)...)
	all, err := s.ReadAll(t.Context(), 0, 0)
	require.NoError(t, err)
	require.Len(t, all, 9)
	// Each position is followed by the one no event can follow, read right after reads that lent
	// records: a store that reuses what it lends must not lend them again. Then past the end.
	afters := []eventstore.Position{0, math.MaxUint64}
	for _, e := range all {
		afters = append(afters, e.Position, math.MaxUint64)
	}
	afters = append(afters, all[len(all)-1].Position+1000)
	for _, after := range afters {
		for _, limit := range []int{0, 1, 4, 100} {
			want, err := s.ReadAll(t.Context(), after, limit)
			require.NoError(t, err)
			var got []eventstore.RecordedEvent
			calls := 0
			n, err := l.LendAll(t.Context(), after, limit, func(recs []eventstore.RecordedEvent) error {
				calls++
				for _, e := range recs {
					e.Data = append([]byte(nil), e.Data...)
					e.Metadata = append([]byte(nil), e.Metadata...)
					got = append(got, e)
				}
				return nil
			})
			require.NoError(t, err)
			require.Equal(t, len(want), n, "after %d limit %d", after, limit)
			if len(want) == 0 {
				require.Zero(t, calls, "fn was called with nothing to lend (after %d)", after)
				continue
			}
			require.Equal(t, 1, calls)
			requireSameEvents(t, want, got)
		}
	}
}

// Spread, inside LendAll's fn, calls work once for every record, on however many goroutines.
func testLendSpread(t *testing.T, h Harness) {
	s := open(t, h)
	l := lenderOf(t, s)
	mustAppend(t, s, "a", eventstore.NoStream, events("A", 37)...)
	for _, workers := range []int{1, 3, 8, 100} {
		_, err := l.LendAll(t.Context(), 0, 0, func(recs []eventstore.RecordedEvent) error {
			seen := make([]atomic.Int32, len(recs))
			err := l.Spread(recs, workers, func(i int) {
				if len(recs[i].Data) > 0 {
					seen[i].Add(1)
				}
			})
			for i := range seen {
				require.Equal(t, int32(1), seen[i].Load(), "record %d with %d workers", i, workers)
			}
			return err
		})
		require.NoError(t, err)
	}
}

// LendAll's fn error comes back as it is, and a done context or a closed store lends nothing.
func testLendAllErrors(t *testing.T, h Harness) {
	s := open(t, h)
	l := lenderOf(t, s)
	mustAppend(t, s, "a", eventstore.NoStream, event("A", 0))
	mine := errors.New("the reader's own failure")
	n, err := l.LendAll(t.Context(), 0, 0, func([]eventstore.RecordedEvent) error { return mine })
	require.ErrorIs(t, err, mine)
	require.Equal(t, 1, n)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	called := false
	_, err = l.LendAll(ctx, 0, 0, func([]eventstore.RecordedEvent) error { called = true; return nil })
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, called)

	require.NoError(t, s.Close())
	_, err = l.LendAll(t.Context(), 0, 0, func([]eventstore.RecordedEvent) error { called = true; return nil })
	require.ErrorIs(t, err, eventstore.ErrClosed)
	require.False(t, called)
}
