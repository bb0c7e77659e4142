package esdbstore

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"assurance-ledger/eventstore"
)

func TestTopsWindow(t *testing.T) {
	ids := make([]uuid.UUID, 10)
	for i := range ids {
		ids[i] = uuid.New()
	}
	window := func(stream string, revs ...uint64) []eventstore.RecordedEvent {
		out := make([]eventstore.RecordedEvent, len(revs))
		for i, r := range revs {
			out[i] = eventstore.RecordedEvent{Stream: stream, Revision: r, ID: ids[r]}
		}
		return out
	}
	tp := newTops()
	for r := range uint64(7) { // revisions 0..6: the last topsDepth (3..6) are kept
		tp.saw("plan-1", r, ids[r])
	}
	tp.sawRead(window("plan-2", 2, 1, 0)) // read backwards
	tp.saw("plan-3", 5, ids[5])
	tp.saw("plan-3", 8, ids[8]) // a gap: only 8 is known

	cases := []struct {
		name   string
		stream string
		from   uint64
		n      int
		want   []eventstore.RecordedEvent // nil: not all remembered
	}{
		{"the top", "plan-1", 6, 1, window("plan-1", 6)},
		{"the top two", "plan-1", 6, 2, window("plan-1", 6, 5)},
		{"as deep as kept", "plan-1", 6, 4, window("plan-1", 6, 5, 4, 3)},
		{"deeper than kept", "plan-1", 6, 5, nil},
		{"below the top", "plan-1", 4, 2, window("plan-1", 4, 3)},
		{"above the top", "plan-1", 7, 1, nil},
		{"read backwards", "plan-2", 2, 3, window("plan-2", 2, 1, 0)},
		{"fewer than n: the stream starts", "plan-2", 1, 3, window("plan-2", 1, 0)},
		{"after a gap", "plan-3", 8, 1, window("plan-3", 8)},
		{"before a gap", "plan-3", 5, 1, nil},
		{"unknown stream", "plan-4", 0, 1, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tp.window(tc.stream, tc.from, tc.n)
			assert.Equal(t, tc.want != nil, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}
