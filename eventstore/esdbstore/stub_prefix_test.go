package esdbstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// Stub-driven: two ledgers on one server, each with its stream prefix, and another application's
// stream beside them. Each store writes and reads only its own streams, named without the prefix.
func TestStubStreamPrefixesSeparateLedgers(t *testing.T) {
	log := newStubLog()
	node := startStub(t, log)
	a := node.open(t, Options{StreamPrefix: "ledger-a."})
	b, err := Open(node.connString()+"&streamPrefix=ledger-b.", Options{MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	ctx := t.Context()

	resA, err := a.Append(ctx, "plan-1", eventstore.NoStream, ev(10))
	require.NoError(t, err)
	resB, err := b.Append(ctx, "plan-1", eventstore.NoStream, ev(20))
	require.NoError(t, err, "the same name in another ledger is another stream")
	log.add("orders-1", "OrderPlaced", []byte(`{}`)) // another application's
	_, err = a.Append(ctx, "plan-1", eventstore.Exact(0), ev(30))
	require.NoError(t, err)

	require.Len(t, log.stream("ledger-a.plan-1"), 2)
	require.Len(t, log.stream("ledger-b.plan-1"), 1)
	require.Empty(t, log.stream("plan-1"), "nothing written without the prefix")

	got, err := a.ReadStream(ctx, "plan-1", 0, 0)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "plan-1", got[0].Stream)
	assert.Equal(t, resA.Position, got[0].Position)

	_, err = b.Append(ctx, "plan-1", eventstore.NoStream, ev(40))
	var conflict *eventstore.ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, eventstore.ConflictError{Stream: "plan-1", Expected: eventstore.NoStream, Actual: 0, Exists: true}, *conflict)

	allA, err := a.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, allA, 2, "only ledger a's events")
	for _, e := range allA {
		assert.Equal(t, "plan-1", e.Stream)
	}
	allB, err := b.ReadAll(ctx, 0, 1)
	require.NoError(t, err)
	require.Len(t, allB, 1)
	assert.Equal(t, resB.Position, allB[0].Position)
	more, err := b.ReadAll(ctx, allB[0].Position, 0)
	require.NoError(t, err)
	assert.Empty(t, more, "a's later event and the application's are not b's")

	head, err := b.Head(ctx)
	require.NoError(t, err)
	assert.Equal(t, resB.Position, head, "b's newest event, though others came after")

	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var streams []string
	for e, err := range b.Subscribe(sctx, 0) {
		require.NoError(t, err)
		streams = append(streams, e.Stream)
		if e.Position == resB.Position {
			break
		}
	}
	assert.Equal(t, []string{"plan-1"}, streams, "the subscription delivers b's event alone")
}

func TestStreamPrefixOptions(t *testing.T) {
	node := "esdb://localhost:2113?tls=false"
	_, err := Open(node+"&streamPrefix=a.", Options{StreamPrefix: "b."})
	require.ErrorIs(t, err, ErrConnString, "two prefixes")
	_, err = Open(node, Options{StreamPrefix: "$a"})
	require.ErrorContains(t, err, "has the character '$'")
	s, err := Open(node+"&streamPrefix=a.", Options{StreamPrefix: "a."})
	require.NoError(t, err, "the same prefix twice")
	assert.Equal(t, "a.", s.names.prefix)
	require.NoError(t, s.Close())
}
