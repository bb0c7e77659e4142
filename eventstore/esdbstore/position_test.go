package esdbstore

import (
	"math"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAllAfter(t *testing.T) {
	cases := []struct {
		after uint64
		want  esdb.AllPosition
	}{
		{0, esdb.Start{}}, // no event has position 0: from the start
		{1, esdb.Position{Commit: 1, Prepare: 1}},
		{1788, esdb.Position{Commit: 1788, Prepare: 1788}},
		{maxPosition, esdb.Position{Commit: maxPosition, Prepare: maxPosition}},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, allAfter(tc.after), "after %d", tc.after)
	}
}

func TestEventPosition(t *testing.T) {
	id := uuid.New()
	cases := []struct {
		name    string
		pos     esdb.Position
		want    uint64
		wantErr string
	}{
		{"the commit position", esdb.Position{Commit: 3386, Prepare: 3386}, 3386, ""},
		{"commit, not prepare", esdb.Position{Commit: 500, Prepare: 420}, 500, ""},
		{"an old server's missing position", esdb.Position{Commit: math.MaxUint64, Prepare: math.MaxUint64}, 0, "22.6 or later"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := eventPosition(&esdb.RecordedEvent{EventID: id, StreamID: "acct", Position: tc.pos})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.ErrorContains(t, err, id.String())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
