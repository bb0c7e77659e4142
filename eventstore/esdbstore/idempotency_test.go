package esdbstore

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// stored makes a stream's events with the given ids at revisions from, from+1, …
func stored(from uint64, ids ...uuid.UUID) []eventstore.RecordedEvent {
	out := make([]eventstore.RecordedEvent, len(ids))
	for i, id := range ids {
		rev := from + uint64(i)
		out[i] = eventstore.RecordedEvent{ID: id, Stream: "acct", Revision: rev, Position: 1000 + 100*rev}
	}
	return out
}

func appendOf(ids ...uuid.UUID) []eventstore.Event {
	out := make([]eventstore.Event, len(ids))
	for i, id := range ids {
		out[i] = eventstore.Event{ID: id, Type: "Posted"}
	}
	return out
}

func newIDs(n int) []uuid.UUID {
	out := make([]uuid.UUID, n)
	for i := range out {
		out[i] = uuid.New()
	}
	return out
}

func reversed(evs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
	out := make([]eventstore.RecordedEvent, len(evs))
	for i, e := range evs {
		out[len(evs)-1-i] = e
	}
	return out
}

func TestFindFirst(t *testing.T) {
	id := newIDs(4)
	fresh := uuid.New()
	window := reversed(stored(0, id[0], id[1], id[2])) // read backwards: newest first
	cases := []struct {
		name   string
		events []eventstore.Event
		rev    uint64
		found  bool
		dup    bool
	}{
		{"nothing stored", appendOf(fresh, id[3]), 0, false, false},
		{"first stored at the start", appendOf(id[0], id[1]), 0, true, false},
		{"first stored in the middle", appendOf(id[1], id[2]), 1, true, false},
		{"first stored last, then a new one", appendOf(id[2], fresh), 2, true, false}, // replayed decides
		{"a later one stored without the first", appendOf(fresh, id[0]), 0, false, true},
		{"the last one stored without the first", appendOf(fresh, id[3], id[1]), 0, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rev, found, err := findFirst("acct", tc.events, window)
			if tc.dup {
				require.ErrorIs(t, err, eventstore.ErrDuplicateEventID)
				assert.Contains(t, err.Error(), "acct")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.found, found)
			assert.Equal(t, tc.rev, rev)
		})
	}
	_, found, err := findFirst("acct", appendOf(fresh), nil)
	assert.NoError(t, err)
	assert.False(t, found, "an empty window holds nothing")
}

func TestReplayed(t *testing.T) {
	id := newIDs(3)
	fresh := uuid.New()
	stream := stored(0, id[0], id[1], id[2])
	cases := []struct {
		name   string
		events []eventstore.Event
		run    []eventstore.RecordedEvent // the stream from the first event's revision on
		want   eventstore.AppendResult
		dup    string
	}{
		{"the whole stream", appendOf(id[0], id[1], id[2]), stream, eventstore.AppendResult{NextRevision: 2, Position: 1200}, ""},
		{"a prefix", appendOf(id[0]), stream[:1], eventstore.AppendResult{NextRevision: 0, Position: 1000}, ""},
		{"from the middle", appendOf(id[1], id[2]), stream[1:], eventstore.AppendResult{NextRevision: 2, Position: 1200}, ""},
		{"run longer than the append", appendOf(id[0], id[1]), stream, eventstore.AppendResult{NextRevision: 1, Position: 1100}, ""},
		{"stored then new", appendOf(id[2], fresh), stream[2:], eventstore.AppendResult{}, "is not stored after it"},
		{"stored with a gap", appendOf(id[0], id[2]), stream, eventstore.AppendResult{}, fmt.Sprintf("holds %s", id[1])},
		{"stored in another order", appendOf(id[1], id[0]), stream[1:], eventstore.AppendResult{}, "not this append's"},
		{"all stored plus one", appendOf(id[0], id[1], id[2], fresh), stream, eventstore.AppendResult{}, "is not stored after it"},
		{"the first moved away", appendOf(id[0]), stream[1:], eventstore.AppendResult{}, "moved"},
		{"nothing read", appendOf(id[0]), nil, eventstore.AppendResult{}, "moved"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := replayed("acct", tc.events, tc.run)
			if tc.dup != "" {
				require.ErrorIs(t, err, eventstore.ErrDuplicateEventID)
				assert.Contains(t, err.Error(), tc.dup)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
