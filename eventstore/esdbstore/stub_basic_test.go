package esdbstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// Stub-driven tests: the real v4 client against the in-process stub (stub_test.go). They show how
// the store drives the client and maps its answers, not how EventStoreDB behaves.

// ev is a ledger-like event with JSON data of about n bytes.
func ev(n int) eventstore.Event {
	pad := make([]byte, n)
	for i := range pad {
		pad[i] = 'x'
	}
	return eventstore.Event{ID: uuid.New(), Type: "PlanSubmitted", Data: []byte(`{"pad":"` + string(pad) + `"}`), Metadata: []byte(`{"hash":"h"}`)}
}

// TestStubRoundTrip checks the stub itself with the store: what is appended reads back, in both
// logs, with the positions the append returned.
func TestStubRoundTrip(t *testing.T) {
	node := startStub(t, newStubLog())
	s := node.open(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.Ping(ctx))

	a, b := ev(10), ev(10)
	res, err := s.Append(ctx, "plan-1", eventstore.NoStream, a, b)
	require.NoError(t, err)
	assert.EqualValues(t, 1, res.NextRevision)
	res2, err := s.Append(ctx, "plan-1", eventstore.Exact(1), ev(10))
	require.NoError(t, err)

	got, err := s.ReadStream(ctx, "plan-1", 0, 0)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, a.ID, got[0].ID)
	assert.Equal(t, res.Position, got[1].Position)

	all, err := s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, all, 3, "the server's own events left out")
	head, err := s.Head(ctx)
	require.NoError(t, err)
	assert.Equal(t, res2.Position, head)

	// A retry of the first append, now stale, gets its original result.
	again, err := s.Append(ctx, "plan-1", eventstore.NoStream, a, b)
	require.NoError(t, err)
	assert.Equal(t, res, again)

	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var seen []eventstore.Position
	for e, err := range s.Subscribe(sctx, all[0].Position) {
		require.NoError(t, err)
		seen = append(seen, e.Position)
		if len(seen) == 2 {
			break
		}
	}
	assert.Equal(t, []eventstore.Position{all[1].Position, all[2].Position}, seen)
}
