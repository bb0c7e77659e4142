package boltstore

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// A panic of the lending callback is the callback's, raised again as it was once the transaction
// has ended: not reported as a damaged file, and the store stays usable.
func TestLendRaisesTheCallbacksPanic(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"), Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Append(t.Context(), "a", eventstore.NoStream, eventstore.Event{ID: uuid.New(), Type: "A", Data: []byte(`{}`)})
	require.NoError(t, err)
	mine := errors.New("a bug in the reader")
	require.PanicsWithValue(t, mine, func() {
		_, _ = s.LendStreamEvent(t.Context(), "a", 0, func(eventstore.RecordedEvent) error { panic(mine) })
	})
	require.PanicsWithValue(t, mine, func() {
		_, _ = s.LendAll(t.Context(), 0, 0, func([]eventstore.RecordedEvent) error { panic(mine) })
	})
	got, err := s.ReadStream(t.Context(), "a", 0, 0)
	require.NoError(t, err)
	require.Len(t, got, 1)
	// A write after it does not wait on a transaction the panic left open.
	_, err = s.Append(t.Context(), "a", eventstore.Exact(0), eventstore.Event{ID: uuid.New(), Type: "A", Data: []byte(`{}`)})
	require.NoError(t, err)
}

// What a scan read before a panic (a fault in the map, which view turns into ErrCorrupt) stays in
// its result: a subscription delivers everything up to a damaged record before reporting it.
func TestScanAllKeepsWhatItReadBeforeAPanic(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"), Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	for range 3 {
		_, err := s.Append(t.Context(), "a", eventstore.Any, eventstore.Event{ID: uuid.New(), Type: "A", Data: []byte(`{}`)})
		require.NoError(t, err)
	}
	var out []eventstore.RecordedEvent
	n := 0
	err = s.view(t.Context(), func(b buckets) error {
		return s.scanAll(t.Context(), b, 0, 0, func(pos eventstore.Position, v []byte) (eventstore.RecordedEvent, error) {
			if n++; n == 3 {
				panic("a fault, as bbolt's map gives one")
			}
			return decodeRecord(pos, v)
		}, &out)
	})
	require.ErrorIs(t, err, eventstore.ErrCorrupt)
	require.Len(t, out, 2)
}
