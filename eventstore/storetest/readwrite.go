package storetest

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

func testRoundTrip(t *testing.T, h Harness) {
	s := open(t, h)
	in := []eventstore.Event{
		{ID: uuid.New(), Type: "Opened", Data: []byte(`{"owner":"ann"}`), Metadata: []byte(`{"actor":"ann"}`)},
		{ID: uuid.New(), Type: "Binary", Data: []byte{0, 1, 0xfe, 0xff, 0}, Metadata: nil},
		{ID: uuid.New(), Type: "Empty", Data: nil, Metadata: []byte{}},
	}
	// Copies, because the caller's buffers are scribbled on below.
	want := make([]eventstore.Event, len(in))
	for i, e := range in {
		want[i] = e
		want[i].Data = append([]byte(nil), e.Data...)
		want[i].Metadata = append([]byte(nil), e.Metadata...)
	}
	before := time.Now()
	res, err := s.Append(t.Context(), "acct-1", eventstore.NoStream, in...)
	require.NoError(t, err)
	after := time.Now()
	require.EqualValues(t, 2, res.NextRevision)
	require.NotZero(t, res.Position)

	// The store must not keep the caller's slices.
	in[0].Data[0] = 'X'
	in[0].Metadata[0] = 'X'

	got, err := s.ReadStream(t.Context(), "acct-1", 0, 0)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i, e := range got {
		require.Equal(t, want[i].ID, e.ID)
		require.Equal(t, "acct-1", e.Stream)
		require.EqualValues(t, i, e.Revision)
		require.NotZero(t, e.Position)
		require.Equal(t, want[i].Type, e.Type)
		require.Equal(t, string(want[i].Data), string(e.Data))
		require.Equal(t, string(want[i].Metadata), string(e.Metadata))
		require.False(t, e.RecordedAt.IsZero(), "RecordedAt must be set")
		require.Equal(t, time.UTC, e.RecordedAt.Location(), "RecordedAt must be UTC")
		// Loose bounds: they catch a wrong unit or epoch, not clock skew.
		require.WithinRange(t, e.RecordedAt, before.Add(-time.Hour), after.Add(time.Hour))
	}
	requireIncreasingPositions(t, got)
	require.Equal(t, res.Position, got[2].Position, "the result's position is the last event's")

	// Nor may a reader's changes reach the store.
	got[0].Data[1] = 'X'
	again, err := s.ReadStream(t.Context(), "acct-1", 0, 0)
	require.NoError(t, err)
	requireSameEvents(t, got[1:], again[1:])
	require.Equal(t, string(want[0].Data), string(again[0].Data))

	requireSameEvents(t, again, readAll(t, s))
	require.Equal(t, res.Position, head(t, s))
}

func testMultiEventAppends(t *testing.T, h Harness) {
	s := open(t, h)
	first := events("Posted", 2)
	second := events("Posted", 3)
	r1 := mustAppend(t, s, "ledger", eventstore.NoStream, first...)
	require.EqualValues(t, 1, r1.NextRevision)
	r2 := mustAppend(t, s, "ledger", eventstore.Exact(1), second...)
	require.EqualValues(t, 4, r2.NextRevision)
	require.Greater(t, r2.Position, r1.Position)

	got, err := s.ReadStream(t.Context(), "ledger", 0, 0)
	require.NoError(t, err)
	require.Equal(t, append(eventIDs(first), eventIDs(second)...), ids(got))
	for i, e := range got {
		require.EqualValues(t, i, e.Revision)
	}
	require.Equal(t, r1.Position, got[1].Position)
	require.Equal(t, r2.Position, got[4].Position)
	requireIncreasingPositions(t, got)
}

func testReadStreamRange(t *testing.T, h Harness) {
	s := open(t, h)
	// Neighbouring names (a prefix, an extension) interleaved with the stream under test: an index
	// that matched by prefix would leak their events into it.
	want := events("Posted", 5)
	mustAppend(t, s, "acct-1", eventstore.NoStream, want[0])
	mustAppend(t, s, "acct-10", eventstore.NoStream, event("Other", 0), event("Other", 1))
	mustAppend(t, s, "acct-1", eventstore.Exact(0), want[1])
	mustAppend(t, s, "acct-", eventstore.NoStream, event("Other", 2))
	mustAppend(t, s, "acct-1", eventstore.Exact(1), want[2:]...)
	mustAppend(t, s, "acct-1x", eventstore.NoStream, event("Other", 3))

	cases := []struct {
		name     string
		from     uint64
		limit    int
		wantRevs []uint64
	}{
		{"all", 0, 0, []uint64{0, 1, 2, 3, 4}},
		{"negative limit means none", 0, -1, []uint64{0, 1, 2, 3, 4}},
		{"from the middle", 2, 0, []uint64{2, 3, 4}},
		{"from and limit", 1, 2, []uint64{1, 2}},
		{"limit past the end", 4, 10, []uint64{4}},
		{"limit one", 0, 1, []uint64{0}},
		{"from past the end", 5, 0, nil},
		{"from the largest revision", math.MaxUint64, 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ReadStream(t.Context(), "acct-1", tc.from, tc.limit)
			require.NoError(t, err)
			require.Len(t, got, len(tc.wantRevs))
			for i, e := range got {
				require.Equal(t, "acct-1", e.Stream)
				require.Equal(t, tc.wantRevs[i], e.Revision)
				require.Equal(t, want[e.Revision].ID, e.ID)
			}
		})
	}

	t.Run("neighbours keep their own events", func(t *testing.T) {
		for stream, n := range map[string]int{"acct-10": 2, "acct-": 1, "acct-1x": 1} {
			got, err := s.ReadStream(t.Context(), stream, 0, 0)
			require.NoError(t, err)
			require.Len(t, got, n, stream)
			for _, e := range got {
				require.Equal(t, stream, e.Stream)
			}
		}
	})
	t.Run("missing stream", func(t *testing.T) {
		for _, stream := range []string{"nope", "acct", "acct-2"} {
			got, err := s.ReadStream(t.Context(), stream, 0, 0)
			require.NoError(t, err, stream)
			require.Empty(t, got, stream)
		}
	})
}

func testReadAllPaging(t *testing.T, h Harness) {
	s := open(t, h)
	var appended []uuid.UUID
	var results []eventstore.AppendResult
	for i, stream := range []string{"a", "b", "a", "c", "b", "a", "c"} {
		e := event("Step", i)
		res, err := s.Append(t.Context(), stream, eventstore.Any, e)
		require.NoError(t, err)
		appended = append(appended, e.ID)
		results = append(results, res)
	}
	all := readAll(t, s)
	require.Equal(t, appended, ids(all), "ReadAll is in commit order")
	for i, e := range all {
		require.Equal(t, results[i].Position, e.Position)
	}
	requireIncreasingPositions(t, all)

	t.Run("pages", func(t *testing.T) {
		var paged []eventstore.RecordedEvent
		var after eventstore.Position
		var sizes []int
		for {
			page, err := s.ReadAll(t.Context(), after, 3)
			require.NoError(t, err)
			if len(page) == 0 {
				break
			}
			sizes = append(sizes, len(page))
			paged = append(paged, page...)
			after = page[len(page)-1].Position
		}
		require.Equal(t, []int{3, 3, 1}, sizes)
		requireSameEvents(t, all, paged)
	})
	t.Run("after", func(t *testing.T) {
		got, err := s.ReadAll(t.Context(), all[0].Position, 0)
		require.NoError(t, err)
		requireSameEvents(t, all[1:], got)

		got, err = s.ReadAll(t.Context(), all[len(all)-1].Position, 0)
		require.NoError(t, err)
		require.Empty(t, got)

		got, err = s.ReadAll(t.Context(), math.MaxUint64, 0)
		require.NoError(t, err)
		require.Empty(t, got)
	})
	t.Run("from an event on", func(t *testing.T) {
		// after = P-1 is how a caller reads "from position P on" (the audit feed's
		// from_position). In a sparse log (EventStoreDB's byte offsets) P-1 lies inside the
		// record before P, where the server cannot start a read.
		for i, e := range all {
			got, err := s.ReadAll(t.Context(), e.Position-1, 0)
			require.NoError(t, err, "from position %d", e.Position)
			requireSameEvents(t, all[i:], got)

			got, err = s.ReadAll(t.Context(), e.Position-1, 1)
			require.NoError(t, err, "from position %d", e.Position)
			requireSameEvents(t, all[i:i+1], got)
		}
	})
	t.Run("between events", func(t *testing.T) {
		// A position that is neither an event's nor one less (one carried over from another
		// store) reads the events after it, or is refused as ErrInvalidPosition; nothing else.
		// A store with contiguous positions has no such position.
		tried := 0
		for i := 1; i < len(all); i++ {
			p := all[i-1].Position + 1
			if p >= all[i].Position-1 {
				continue
			}
			tried++
			got, err := s.ReadAll(t.Context(), p, 0)
			if errors.Is(err, eventstore.ErrInvalidPosition) {
				continue
			}
			require.NoError(t, err, "after position %d", p)
			requireSameEvents(t, all[i:], got)
		}
		t.Logf("%d positions between events tried", tried)
	})
	t.Run("limits", func(t *testing.T) {
		got, err := s.ReadAll(t.Context(), 0, -1)
		require.NoError(t, err)
		requireSameEvents(t, all, got)

		got, err = s.ReadAll(t.Context(), 0, 100)
		require.NoError(t, err)
		requireSameEvents(t, all, got)
	})
}

func testHead(t *testing.T, h Harness) {
	s := open(t, h)
	require.Zero(t, head(t, s), "an empty log's head is 0")
	empty, err := s.ReadAll(t.Context(), 0, 0)
	require.NoError(t, err)
	require.Empty(t, empty)

	mustAppend(t, s, "a", eventstore.NoStream, events("E", 2)...)
	res := mustAppend(t, s, "b", eventstore.NoStream, event("E", 3))
	require.Equal(t, res.Position, head(t, s))

	_, err = s.Append(t.Context(), "b", eventstore.NoStream, event("E", 4))
	require.ErrorIs(t, err, eventstore.ErrConflict)
	require.Equal(t, res.Position, head(t, s), "a refused append leaves the head")
}

func testPositionsIncreaseAcrossStreams(t *testing.T, h Harness) {
	s := open(t, h)
	streams := []string{"w", "x", "y", "z"}
	var results []eventstore.AppendResult
	for i := range 20 {
		res := mustAppend(t, s, streams[i%len(streams)], eventstore.Any, event("Tick", i))
		if len(results) > 0 {
			require.Greater(t, res.Position, results[len(results)-1].Position, "append %d", i)
		}
		results = append(results, res)
	}
	all := readAll(t, s)
	require.Len(t, all, len(results))
	for i, e := range all {
		require.Equal(t, results[i].Position, e.Position)
		require.Equal(t, streams[i%len(streams)], e.Stream)
		require.EqualValues(t, i/len(streams), e.Revision)
	}
}
