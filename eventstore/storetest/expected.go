package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

func testExpectedRevision(t *testing.T, h Harness) {
	s := open(t, h)
	cases := []struct {
		name     string
		existing int // events already in the stream
		expected eventstore.ExpectedRevision
		ok       bool
	}{
		{"missing/any", 0, eventstore.Any, true},
		{"missing/no stream", 0, eventstore.NoStream, true},
		{"missing/stream exists", 0, eventstore.StreamExists, false},
		{"missing/exact 0", 0, eventstore.Exact(0), false},
		{"missing/exact 1", 0, eventstore.Exact(1), false},
		{"existing/any", 2, eventstore.Any, true},
		{"existing/no stream", 2, eventstore.NoStream, false},
		{"existing/stream exists", 2, eventstore.StreamExists, true},
		{"existing/exact last", 2, eventstore.Exact(1), true},
		{"existing/exact behind", 2, eventstore.Exact(0), false},
		{"existing/exact ahead", 2, eventstore.Exact(2), false},
		{"single event/exact 0", 1, eventstore.Exact(0), true},
		{"single event/no stream", 1, eventstore.NoStream, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stream := fmt.Sprintf("case-%d", i)
			if tc.existing > 0 {
				mustAppend(t, s, stream, eventstore.NoStream, events("Seed", tc.existing)...)
			}
			streamBefore, err := s.ReadStream(t.Context(), stream, 0, 0)
			require.NoError(t, err)
			allBefore := readAll(t, s)
			headBefore := head(t, s)

			attempt := events("Attempt", 2)
			res, err := s.Append(t.Context(), stream, tc.expected, attempt...)
			if tc.ok {
				require.NoError(t, err)
				require.EqualValues(t, tc.existing+1, res.NextRevision)
				require.Greater(t, res.Position, headBefore)
				got, err := s.ReadStream(t.Context(), stream, uint64(tc.existing), 0)
				require.NoError(t, err)
				require.Equal(t, eventIDs(attempt), ids(got))
				require.Equal(t, res.Position, got[1].Position)
				return
			}

			require.ErrorIs(t, err, eventstore.ErrConflict)
			var conflict *eventstore.ConflictError
			require.True(t, errors.As(err, &conflict), "error %v is not a *ConflictError", err)
			require.Equal(t, stream, conflict.Stream)
			require.Equal(t, tc.expected, conflict.Expected)
			require.Equal(t, tc.existing > 0, conflict.Exists)
			if tc.existing > 0 {
				require.EqualValues(t, tc.existing-1, conflict.Actual)
			}

			// A refused append writes nothing, to the stream or to the global log.
			streamAfter, err := s.ReadStream(t.Context(), stream, 0, 0)
			require.NoError(t, err)
			requireSameEvents(t, streamBefore, streamAfter)
			requireSameEvents(t, allBefore, readAll(t, s))
			require.Equal(t, headBefore, head(t, s))
		})
	}
}
