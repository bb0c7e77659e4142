// Package storetest is the contract every eventstore.Store implementation must pass: one suite,
// run by each implementation's own tests, so that swapping the embedded store for a server-backed
// one cannot silently change what the ledger relies on (optimistic concurrency, idempotent retries,
// a gap-free global order, catch-up subscriptions, durability across restarts).
//
// The suite asserts only what the port promises. In particular it never assumes positions are
// contiguous or start at 1, since EventStoreDB's are byte offsets. A store that cannot start empty
// (one server for the whole run) sets Harness.Shared; one that cannot keep a promise declares it
// in Harness.Unsupported, and the checks that need it are skipped by name.
package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// Harness tells the suite how to get stores of the implementation under test.
type Harness struct {
	// Open returns a new, empty store for one test; the suite closes it. With Shared, the store need
	// not be empty: see there.
	Open func(t *testing.T) eventstore.Store
	// Reopen closes s and opens the same underlying data again (for durability checks). nil = skip those tests.
	Reopen func(t *testing.T, s eventstore.Store) eventstore.Store

	// Shared says that every store Open returns is a view of one log that already holds events (of
	// earlier tests and runs) and cannot be emptied, as with one EventStoreDB server for the whole
	// run. The suite then runs each test against a scoped view of that log: stream names get a
	// prefix unique to the test, and the global log (ReadAll, Subscribe, Head) starts after the
	// head the log had when the test began and shows only the test's own streams. Within that view
	// every assertion is the same as for an empty store. The view cannot hide another writer's
	// events from Head: run a shared suite against a log that nothing else appends to meanwhile.
	Shared bool

	// Unsupported lists promises of the port the implementation declares it cannot keep, each with
	// the reason. The checks that need them are skipped, naming the reason, so the gap is reported
	// by every run instead of being hidden by a weaker assertion.
	Unsupported map[Check]string
}

// A Check names a promise of the port that an implementation may declare Unsupported.
type Check string

// GlobalEventIDs is the promise that an event id stored in one stream is refused in every other
// stream (ErrDuplicateEventID). It needs an index of every id ever stored; a store without one can
// recognise its ids only where it can look, in the stream appended to.
const GlobalEventIDs Check = "global event ids"

// supports reports whether the store keeps the promise c ("" names none: every store keeps it).
func (h Harness) supports(c Check) bool {
	_, unsupported := h.Unsupported[c]
	return c == "" || !unsupported
}

// skipUnsupported skips t if h declares c unsupported.
func skipUnsupported(t *testing.T, h Harness, c Check) {
	t.Helper()
	if !h.supports(c) {
		t.Skipf("the store does not keep the promise of %s: %s", c, h.Unsupported[c])
	}
}

// Run runs the contract suite against h as subtests of t.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		run  func(*testing.T, Harness)
	}{
		{"RoundTrip", testRoundTrip},
		{"MultiEventAppends", testMultiEventAppends},
		{"ReadStreamRange", testReadStreamRange},
		{"ReadAllPaging", testReadAllPaging},
		{"Head", testHead},
		{"PositionsIncreaseAcrossStreams", testPositionsIncreaseAcrossStreams},
		{"ExpectedRevision", testExpectedRevision},
		{"IdempotentRetry", testIdempotentRetry},
		{"DuplicateEventID", testDuplicateEventID},
		{"ConcurrentRetriesOfOneAppend", testConcurrentRetriesOfOneAppend},
		{"InvalidAppend", testInvalidAppend},
		{"CanceledContext", testCanceledContext},
		{"ConcurrentSameStream", testConcurrentSameStream},
		{"ConcurrentDistinctStreams", testConcurrentDistinctStreams},
		{"SubscribeCatchUpThenLive", testSubscribeCatchUpThenLive},
		{"SubscribeFromMiddle", testSubscribeFromMiddle},
		{"SubscribeCancel", testSubscribeCancel},
		{"SubscribeEmptyStore", testSubscribeEmptyStore},
		{"Close", testClose},
		{"Reopen", testReopen},
		{"StreamChanges", testStreamChanges},
		{"StreamChangesConcurrent", testStreamChangesConcurrent},
		{"StreamChangesAfterReopen", testStreamChangesAfterReopen},
		{"LendStreamEvent", testLendStreamEvent},
		{"LendStreamEventErrors", testLendStreamEventErrors},
		{"LendAll", testLendAll},
		{"LendAllErrors", testLendAllErrors},
		{"LendSpread", testLendSpread},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, h) })
	}
}

// open returns a fresh store that is closed when the test ends: with h.Shared, a scoped view of it.
func open(t *testing.T, h Harness) eventstore.Store {
	t.Helper()
	s := h.Open(t)
	require.NotNil(t, s, "Harness.Open returned nil")
	// Tests that close the store themselves make this a second Close; its result is not the point.
	t.Cleanup(func() { _ = s.Close() })
	if h.Shared {
		return newScoped(t, s)
	}
	return s
}

// reopen closes s and returns the store reopened on the same data, closed when the test ends.
func reopen(t *testing.T, h Harness, s eventstore.Store) eventstore.Store {
	t.Helper()
	view, scoped := s.(*scopedStore)
	if scoped {
		s = view.inner
	}
	s2 := h.Reopen(t, s)
	require.NotNil(t, s2, "Harness.Reopen returned nil")
	t.Cleanup(func() { _ = s2.Close() })
	if scoped {
		return view.over(s2)
	}
	return s2
}

// event returns an event with a fresh id whose data names it, so that failures are readable.
func event(typ string, n int) eventstore.Event {
	return eventstore.Event{
		ID:       uuid.New(),
		Type:     typ,
		Data:     fmt.Appendf(nil, `{"n":%d}`, n),
		Metadata: fmt.Appendf(nil, `{"seq":%d}`, n),
	}
}

func events(typ string, n int) []eventstore.Event {
	out := make([]eventstore.Event, n)
	for i := range out {
		out[i] = event(typ, i)
	}
	return out
}

func ids(evs []eventstore.RecordedEvent) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func eventIDs(evs []eventstore.Event) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// requireSameEvents compares every field; nil and empty byte slices count as equal, since the port
// does not distinguish them.
func requireSameEvents(t *testing.T, want, got []eventstore.RecordedEvent) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.Equal(t, w.ID, g.ID, "event %d id", i)
		require.Equal(t, w.Stream, g.Stream, "event %d stream", i)
		require.Equal(t, w.Revision, g.Revision, "event %d revision", i)
		require.Equal(t, w.Position, g.Position, "event %d position", i)
		require.Equal(t, w.Type, g.Type, "event %d type", i)
		require.True(t, bytes.Equal(w.Data, g.Data), "event %d data: want %q, got %q", i, w.Data, g.Data)
		require.True(t, bytes.Equal(w.Metadata, g.Metadata), "event %d metadata: want %q, got %q", i, w.Metadata, g.Metadata)
		require.True(t, w.RecordedAt.Equal(g.RecordedAt), "event %d recorded at: want %v, got %v", i, w.RecordedAt, g.RecordedAt)
	}
}

func requireIncreasingPositions(t *testing.T, evs []eventstore.RecordedEvent) {
	t.Helper()
	for i := 1; i < len(evs); i++ {
		require.Greater(t, evs[i].Position, evs[i-1].Position, "positions must strictly increase (events %d and %d)", i-1, i)
	}
}

// readAll reads the whole global log.
func readAll(t *testing.T, s eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := s.ReadAll(t.Context(), 0, 0)
	require.NoError(t, err)
	return evs
}

func head(t *testing.T, s eventstore.Store) eventstore.Position {
	t.Helper()
	p, err := s.Head(t.Context())
	require.NoError(t, err)
	return p
}

func mustAppend(t *testing.T, s eventstore.Store, stream string, expected eventstore.ExpectedRevision, evs ...eventstore.Event) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(t.Context(), stream, expected, evs...)
	require.NoError(t, err, "append to %q expecting %s", stream, expected)
	return res
}

// waitTimeout bounds every wait on the store under test, so that a hang fails the test with a
// message instead of stalling the whole run.
const waitTimeout = 20 * time.Second
