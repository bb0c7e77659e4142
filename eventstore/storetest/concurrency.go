package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

const (
	contenders = 32
	perWorker  = 20
)

// testConcurrentSameStream races writers on one stream the way command handlers do: read the
// stream, append expecting the revision read, and on conflict catch up and try again. Optimistic
// concurrency holds only if every revision is won exactly once and nothing is lost or doubled.
func testConcurrentSameStream(t *testing.T, h Harness) {
	s := open(t, h)
	type win struct {
		id       uuid.UUID
		revision uint64
		position eventstore.Position
	}
	var (
		mu   sync.Mutex
		wins []win
		// winsByExpectation counts successes per expected revision (-1: no stream); exactly one
		// writer may succeed from any given state of the stream.
		winsByExpectation = map[int64]int{}
	)
	var wg sync.WaitGroup
	for w := range contenders {
		wg.Go(func() {
			last := int64(-1) // last revision this writer has seen
			for i := 0; i < perWorker; {
				e := event(fmt.Sprintf("W%d", w), i)
				for {
					expected := eventstore.NoStream
					if last >= 0 {
						expected = eventstore.Exact(uint64(last))
					}
					res, err := s.Append(t.Context(), "hot", expected, e)
					if err == nil {
						mu.Lock()
						wins = append(wins, win{e.ID, res.NextRevision, res.Position})
						winsByExpectation[last]++
						mu.Unlock()
						last = int64(res.NextRevision)
						i++
						break
					}
					var conflict *eventstore.ConflictError
					if !errors.As(err, &conflict) {
						t.Errorf("writer %d: append: %v", w, err)
						return
					}
					// Catch up with what the others wrote, reading only what is new.
					newer, err := s.ReadStream(t.Context(), "hot", uint64(last+1), 0)
					if err != nil {
						t.Errorf("writer %d: read: %v", w, err)
						return
					}
					if len(newer) > 0 {
						last = int64(newer[len(newer)-1].Revision)
					}
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	const total = contenders * perWorker
	require.Len(t, wins, total)
	for expectation, n := range winsByExpectation {
		require.Equal(t, 1, n, "appends that succeeded expecting revision %d", expectation)
	}
	revisions := make([]uint64, 0, total)
	byID := make(map[uuid.UUID]win, total)
	for _, w := range wins {
		revisions = append(revisions, w.revision)
		byID[w.id] = w
	}
	slices.Sort(revisions)
	for i, r := range revisions {
		require.EqualValues(t, i, r, "each revision is won exactly once")
	}

	stream, err := s.ReadStream(t.Context(), "hot", 0, 0)
	require.NoError(t, err)
	require.Len(t, stream, total, "stored events = successful appends")
	for i, e := range stream {
		require.EqualValues(t, i, e.Revision)
		w, ok := byID[e.ID]
		require.True(t, ok, "stored event %s was never acknowledged", e.ID)
		require.Equal(t, w.revision, e.Revision)
		require.Equal(t, w.position, e.Position)
		delete(byID, e.ID) // a second copy of the id would now fail the lookup above
	}
	requireIncreasingPositions(t, stream)
	requireSameEvents(t, stream, readAll(t, s))
}

// testConcurrentDistinctStreams has writers that never conflict: every append must succeed, each
// stream must hold exactly its writer's events in order, and the global log all of them.
func testConcurrentDistinctStreams(t *testing.T, h Harness) {
	s := open(t, h)
	written := make([][]uuid.UUID, contenders)
	var wg sync.WaitGroup
	for w := range contenders {
		wg.Go(func() {
			stream := fmt.Sprintf("stream-%d", w)
			var prev eventstore.Position
			for i := range perWorker {
				e := event("Tick", i)
				expected := eventstore.NoStream
				if i > 0 {
					expected = eventstore.Exact(uint64(i - 1))
				}
				res, err := s.Append(t.Context(), stream, expected, e)
				if err != nil {
					t.Errorf("%s: append %d: %v", stream, i, err)
					return
				}
				if res.NextRevision != uint64(i) || res.Position <= prev {
					t.Errorf("%s: append %d: result %+v after position %d", stream, i, res, prev)
				}
				prev = res.Position
				written[w] = append(written[w], e.ID)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	all := readAll(t, s)
	require.Len(t, all, contenders*perWorker)
	requireIncreasingPositions(t, all)
	inLog := make(map[string][]uuid.UUID)
	for _, e := range all {
		inLog[e.Stream] = append(inLog[e.Stream], e.ID)
	}
	for w := range contenders {
		stream := fmt.Sprintf("stream-%d", w)
		got, err := s.ReadStream(t.Context(), stream, 0, 0)
		require.NoError(t, err)
		require.Equal(t, written[w], ids(got), stream)
		require.Equal(t, written[w], inLog[stream], "%s in the global log", stream)
		for i, e := range got {
			require.EqualValues(t, i, e.Revision)
		}
	}
}
