package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// changesOf returns s as an eventstore.StreamChanges, skipping t for a store that does not offer it.
func changesOf(t *testing.T, s eventstore.Store) eventstore.StreamChanges {
	t.Helper()
	return optional[eventstore.StreamChanges](t, s, "its streams are read before each command")
}

// optional returns s as the optional interface T, skipping t for a store that does not offer it;
// without says what the ledger does then.
func optional[T any](t *testing.T, s eventstore.Store, without string) T {
	t.Helper()
	v, ok := s.(T)
	if !ok {
		t.Skipf("%T does not implement %s (optional: %s)", s, reflect.TypeFor[T](), without)
	}
	return v
}

// A store that offers StreamChanges never misses a change: every acknowledged append is at or
// before the next ChangeMark and reported by ChangedSince from any earlier mark; with nothing
// appended since a mark, no stream has changed since it.
func testStreamChanges(t *testing.T, h Harness) {
	s := open(t, h)
	c := changesOf(t, s)
	m0 := c.ChangeMark()
	require.False(t, c.ChangedSince("a", m0), "nothing was appended after the mark")

	res := mustAppend(t, s, "a", eventstore.NoStream, events("A", 2)...)
	require.GreaterOrEqual(t, c.ChangeMark(), res.Position, "an acknowledged append is at or before the mark")
	require.True(t, c.ChangedSince("a", m0), "a was appended after m0")
	require.False(t, c.ChangedSince("a", res.Position), "nothing of a after its last event")
	m1 := c.ChangeMark()
	for _, stream := range []string{"a", "b", "never-written"} {
		require.False(t, c.ChangedSince(stream, m1), "%s: nothing was appended after the mark", stream)
	}

	// A refused append writes nothing: still no change after the mark.
	_, err := s.Append(t.Context(), "a", eventstore.NoStream, event("A", 9))
	require.ErrorIs(t, err, eventstore.ErrConflict)
	require.False(t, c.ChangedSince("a", m1))

	mustAppend(t, s, "b", eventstore.NoStream, event("B", 0))
	require.True(t, c.ChangedSince("b", m1))
}

// Under concurrent appends to many streams, each stream reports a change since the mark taken
// before its own append was sent.
func testStreamChangesConcurrent(t *testing.T, h Harness) {
	s := open(t, h)
	c := changesOf(t, s)
	const writers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := fmt.Sprintf("w%d", w)
			for i := range rounds {
				mark := c.ChangeMark()
				expected := eventstore.Exact(uint64(i - 1))
				if i == 0 {
					expected = eventstore.NoStream
				}
				res, err := s.Append(t.Context(), stream, expected, event("W", i))
				if err != nil {
					errs <- err
					return
				}
				if !c.ChangedSince(stream, mark) {
					errs <- fmt.Errorf("%s: append at %d not reported since mark %d", stream, res.Position, mark)
					return
				}
				if c.ChangeMark() < res.Position {
					errs <- fmt.Errorf("%s: mark %d behind the acknowledged position %d", stream, c.ChangeMark(), res.Position)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// After a reopen, every event stored is at or before the mark.
func testStreamChangesAfterReopen(t *testing.T, h Harness) {
	if h.Reopen == nil {
		t.Skip("the harness cannot reopen a store")
	}
	s := open(t, h)
	changesOf(t, s)
	mustAppend(t, s, "a", eventstore.NoStream, events("A", 3)...)
	s = reopen(t, h, s)
	c := changesOf(t, s)
	head, err := s.Head(t.Context())
	require.NoError(t, err)
	m := c.ChangeMark()
	require.GreaterOrEqual(t, m, head)
	require.False(t, c.ChangedSince("a", m), "everything stored before the reopen is at or before the mark")
	res := mustAppend(t, s, "a", eventstore.Exact(2), event("A", 3))
	require.True(t, c.ChangedSince("a", m), "appends after the reopen are tracked")
	require.False(t, c.ChangedSince("a", res.Position))
}
