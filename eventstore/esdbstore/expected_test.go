package esdbstore

import (
	"math"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

func TestExpectedRevision(t *testing.T) {
	cases := []struct {
		name string
		in   eventstore.ExpectedRevision
		want esdb.ExpectedRevision
	}{
		{"any", eventstore.Any, esdb.Any{}},
		{"no stream", eventstore.NoStream, esdb.NoStream{}},
		{"stream exists", eventstore.StreamExists, esdb.StreamExists{}},
		{"exact 0", eventstore.Exact(0), esdb.Revision(0)},
		{"exact 41", eventstore.Exact(41), esdb.Revision(41)},
		{"largest revision a stream can have", eventstore.Exact(maxRevision), esdb.Revision(maxRevision)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := expectedRevision(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}

	// Revisions the server would read as special values (it keeps them signed) never reach it.
	for _, r := range []uint64{maxRevision + 1, math.MaxInt64, 1 << 63, math.MaxUint64} {
		_, err := expectedRevision(eventstore.Exact(r))
		assert.ErrorIs(t, err, errUnreachableRevision, "exact %d", r)
	}

	_, err := expectedRevision(eventstore.ExpectedRevision{})
	assert.ErrorIs(t, err, eventstore.ErrInvalidAppend, "the zero value is refused")
}

func TestExpectedPlace(t *testing.T) {
	cases := []struct {
		name string
		in   eventstore.ExpectedRevision
		rev  uint64
		ok   bool
	}{
		{"no stream: the first event", eventstore.NoStream, 0, true},
		{"exact: the revision after", eventstore.Exact(4), 5, true},
		{"exact 0", eventstore.Exact(0), 1, true},
		{"any names no place", eventstore.Any, 0, false},
		{"stream exists names no place", eventstore.StreamExists, 0, false},
		{"beyond any stream", eventstore.Exact(math.MaxUint64), 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rev, ok := expectedPlace(tc.in)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.rev, rev)
		})
	}
}

func TestLookUpWindow(t *testing.T) {
	s := newStore(esdb.Configuration{}, "esdb://test", Options{IdempotencyWindow: 16})
	cases := []struct {
		name     string
		expected eventstore.ExpectedRevision
		events   int
		from     esdb.StreamPosition
		count    uint64
	}{
		// Exact: at the expected revision (the server checks above it), only as many events as the
		// append holds: what a refreshed retry of it finds at the top of the stream.
		{"exact, one event", eventstore.Exact(7), 1, esdb.Revision(7), 1},
		{"exact, three events", eventstore.Exact(7), 3, esdb.Revision(7), 3},
		{"any", eventstore.Any, 1, esdb.End{}, 16},
		{"stream exists", eventstore.StreamExists, 2, esdb.End{}, 16},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			from, count := s.lookUpWindow(tc.expected, tc.events)
			assert.Equal(t, tc.from, from)
			assert.Equal(t, tc.count, count)
		})
	}
}
