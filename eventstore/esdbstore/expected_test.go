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

func TestLookUpFrom(t *testing.T) {
	assert.Equal(t, esdb.Revision(7), lookUpFrom(eventstore.Exact(7)), "exact: at the expected revision, the server checks above it")
	assert.Equal(t, esdb.End{}, lookUpFrom(eventstore.Any))
	assert.Equal(t, esdb.End{}, lookUpFrom(eventstore.StreamExists))
}
