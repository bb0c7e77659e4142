package storetest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// testReopen checks that everything an acknowledged append promised survives closing the store:
// the events, their revisions and positions, the head, and the ids that make retries idempotent.
func testReopen(t *testing.T, h Harness) {
	if h.Reopen == nil {
		t.Skip("the harness cannot reopen a store")
	}
	s := open(t, h)
	a := events("A", 3)
	mustAppend(t, s, "alpha", eventstore.NoStream, a[0], a[1])
	mustAppend(t, s, "beta", eventstore.NoStream, event("B", 0))
	lastAlpha := mustAppend(t, s, "alpha", eventstore.Exact(1), a[2])
	before := readAll(t, s)
	headBefore := head(t, s)

	s = reopen(t, h, s)
	requireSameEvents(t, before, readAll(t, s))
	require.Equal(t, headBefore, head(t, s))
	alpha, err := s.ReadStream(t.Context(), "alpha", 0, 0)
	require.NoError(t, err)
	require.Equal(t, eventIDs(a), ids(alpha))

	// Idempotency and revisions are remembered.
	res, err := s.Append(t.Context(), "alpha", eventstore.Exact(1), a[2])
	require.NoError(t, err)
	require.Equal(t, lastAlpha, res)
	if h.supports(GlobalEventIDs) {
		_, err = s.Append(t.Context(), "beta", eventstore.Any, a[0])
		require.ErrorIs(t, err, eventstore.ErrDuplicateEventID)
	} else {
		t.Logf("not checked, the store does not keep the promise of %s: %s", GlobalEventIDs, h.Unsupported[GlobalEventIDs])
	}
	_, err = s.Append(t.Context(), "alpha", eventstore.NoStream, event("A", 9))
	var conflict *eventstore.ConflictError
	require.True(t, errors.As(err, &conflict), "want a conflict, got %v", err)
	require.True(t, conflict.Exists)
	require.EqualValues(t, 2, conflict.Actual)

	// Appends go on where they left off.
	more := mustAppend(t, s, "alpha", eventstore.Exact(2), event("A", 3))
	require.EqualValues(t, 3, more.NextRevision)
	require.Greater(t, more.Position, headBefore)
	gamma := mustAppend(t, s, "gamma", eventstore.NoStream, event("G", 0))
	require.Greater(t, gamma.Position, more.Position)
	after := readAll(t, s)

	s = reopen(t, h, s)
	requireSameEvents(t, after, readAll(t, s))
	require.Equal(t, gamma.Position, head(t, s))
}
