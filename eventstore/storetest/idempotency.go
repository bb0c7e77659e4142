package storetest

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

func testIdempotentRetry(t *testing.T, h Harness) {
	s := open(t, h)
	e := events("Posted", 3)
	first := mustAppend(t, s, "acct", eventstore.NoStream, e[0], e[1])
	second := mustAppend(t, s, "acct", eventstore.Exact(1), e[2])
	stored := readAll(t, s)

	cases := []struct {
		name     string
		expected eventstore.ExpectedRevision
		events   []eventstore.Event
		want     eventstore.AppendResult
	}{
		{"same append, same expectation", eventstore.NoStream, e[:2], first},
		{"same append, expectation now stale", eventstore.Exact(0), e[:2], first},
		{"same append, any", eventstore.Any, e[:2], first},
		{"same append, stream exists", eventstore.StreamExists, e[:2], first},
		{"later append", eventstore.Exact(1), e[2:], second},
		{"later append, expectation now stale", eventstore.Exact(2), e[2:], second},
		{"prefix of an append", eventstore.NoStream, e[:1], eventstore.AppendResult{NextRevision: 0, Position: stored[0].Position}},
		{"spanning two appends", eventstore.Any, e[1:], second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.Append(t.Context(), "acct", tc.expected, tc.events...)
			require.NoError(t, err)
			require.Equal(t, tc.want, res)
			requireSameEvents(t, stored, readAll(t, s))
			require.Equal(t, second.Position, head(t, s))
		})
	}
}

func testDuplicateEventID(t *testing.T, h Harness) {
	s := open(t, h)
	e := events("Posted", 3)
	mustAppend(t, s, "acct", eventstore.NoStream, e...)
	mustAppend(t, s, "other", eventstore.NoStream, event("Other", 0))
	stored := readAll(t, s)

	fresh := event("Fresh", 0)
	cases := []struct {
		name     string
		stream   string
		expected eventstore.ExpectedRevision
		events   []eventstore.Event
		needs    Check // "": every store must refuse it
	}{
		{"id stored in another stream, new stream", "elsewhere", eventstore.NoStream, e[:1], GlobalEventIDs},
		{"id stored in another stream, existing stream", "other", eventstore.Any, e[:1], GlobalEventIDs},
		{"stored then new", "acct", eventstore.Any, []eventstore.Event{e[2], fresh}, ""},
		{"new then stored", "acct", eventstore.Any, []eventstore.Event{fresh, e[0]}, ""},
		{"stored with a gap", "acct", eventstore.Any, []eventstore.Event{e[0], e[2]}, ""},
		{"stored in another order", "acct", eventstore.Any, []eventstore.Event{e[1], e[0]}, ""},
		{"all stored plus one", "acct", eventstore.Any, append(e[:3:3], fresh), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			skipUnsupported(t, h, tc.needs)
			_, err := s.Append(t.Context(), tc.stream, tc.expected, tc.events...)
			require.ErrorIs(t, err, eventstore.ErrDuplicateEventID)
			requireSameEvents(t, stored, readAll(t, s))
		})
	}

	// The refused fresh event was not stored: it can be appended now.
	mustAppend(t, s, "acct", eventstore.Exact(2), fresh)
}

// testConcurrentRetriesOfOneAppend sends the same append many times at once, as a client that
// timed out and retried might: exactly one copy is written and every call learns where it landed.
func testConcurrentRetriesOfOneAppend(t *testing.T, h Harness) {
	s := open(t, h)
	e := events("Posted", 2)
	const callers = 8
	results := make([]eventstore.AppendResult, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { results[i], errs[i] = s.Append(t.Context(), "acct", eventstore.NoStream, e...) })
	}
	wg.Wait()
	for i := range callers {
		require.NoError(t, errs[i], "caller %d", i)
		require.Equal(t, results[0], results[i], "caller %d", i)
	}
	all := readAll(t, s)
	require.Equal(t, eventIDs(e), ids(all))
	require.Equal(t, eventstore.AppendResult{NextRevision: 1, Position: all[1].Position}, results[0])
}

func testInvalidAppend(t *testing.T, h Harness) {
	s := open(t, h)
	mustAppend(t, s, "acct", eventstore.NoStream, event("Seed", 0))
	stored := readAll(t, s)

	dup := event("Dup", 0)
	withType := func(typ string) eventstore.Event { e := event("X", 0); e.Type = typ; return e }
	cases := []struct {
		name     string
		stream   string
		events   []eventstore.Event
		expected eventstore.ExpectedRevision
	}{
		{"unset expected revision", "acct", []eventstore.Event{event("E", 0)}, eventstore.ExpectedRevision{}},
		{"no events", "acct", nil, eventstore.Any},
		{"empty stream", "", []eventstore.Event{event("E", 0)}, eventstore.Any},
		{"reserved stream", "$all", []eventstore.Event{event("E", 0)}, eventstore.Any},
		{"NUL in stream", "ac\x00ct", []eventstore.Event{event("E", 0)}, eventstore.Any},
		{"stream too long", strings.Repeat("s", eventstore.MaxStreamNameLen+1), []eventstore.Event{event("E", 0)}, eventstore.Any},
		{"nil id", "acct", []eventstore.Event{event("E", 0), {ID: uuid.Nil, Type: "E"}}, eventstore.Any},
		{"duplicate ids in the call", "acct", []eventstore.Event{dup, event("E", 1), dup}, eventstore.Any},
		{"empty type", "acct", []eventstore.Event{withType("")}, eventstore.Any},
		{"reserved type", "acct", []eventstore.Event{withType("$metadata")}, eventstore.Any},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Append(t.Context(), tc.stream, tc.expected, tc.events...)
			require.ErrorIs(t, err, eventstore.ErrInvalidAppend)
			requireSameEvents(t, stored, readAll(t, s))
		})
	}
}

func testCanceledContext(t *testing.T, h Harness) {
	s := open(t, h)
	mustAppend(t, s, "acct", eventstore.NoStream, event("Seed", 0))
	stored := readAll(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	_, err := s.Append(ctx, "acct", eventstore.Any, event("Late", 0))
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.ReadAll(ctx, 0, 0)
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.ReadStream(ctx, "acct", 0, 0)
	require.ErrorIs(t, err, context.Canceled)
	requireSameEvents(t, stored, readAll(t, s))
}
