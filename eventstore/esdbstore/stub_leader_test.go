package esdbstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// Stub-driven: what the store sends so that a cluster serves it from its leader.

// TestStubEveryRequestAsksForTheLeader checks that each kind of request, subscriptions included,
// carries requires-leader: true. The v4 client puts the header in the incoming metadata of its
// context, which gRPC does not send.
func TestStubEveryRequestAsksForTheLeader(t *testing.T) {
	node := startStub(t, newStubLog())
	s := node.open(t, Options{})
	ctx := t.Context()
	require.NoError(t, s.Ping(ctx))
	_, err := s.Append(ctx, "plan-1", eventstore.NoStream, ev(10))
	require.NoError(t, err)
	_, err = s.Append(ctx, "plan-1", eventstore.Exact(0), ev(10))
	require.NoError(t, err)
	_, err = s.ReadStream(ctx, "plan-1", 0, 0)
	require.NoError(t, err)
	_, err = s.ReadAll(ctx, 0, 0)
	require.NoError(t, err)
	_, err = s.Head(ctx)
	require.NoError(t, err)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, err := range s.Subscribe(sctx, 0) {
		require.NoError(t, err)
		break
	}

	methods := map[string]bool{}
	for _, c := range node.received() {
		methods[c.method] = true
		assert.True(t, c.leader, "%s %s was sent without requires-leader", c.method, c.stream)
	}
	assert.Equal(t, map[string]bool{"append": true, "read stream": true, "read all": true, "subscribe": true}, methods)
}

// TestStubFollowerSendsTheStoreToTheLeader: the store is connected to a node that has become a
// follower and lags the leader. Asked for the leader, the follower refuses with the leader's
// address (as the server's RpcExceptions.LeaderInfo does); the client reconnects there and the
// store's retry reads and writes on the leader. A request without the header would be served by
// the follower: an old copy of the stream, hence spurious conflicts and missing events.
func TestStubFollowerSendsTheStoreToTheLeader(t *testing.T) {
	leaderLog, followerLog := newStubLog(), newStubLog()
	first := followerLog.add("plan-1", "PlanSubmitted", []byte(`{}`))
	leaderLog.mu.Lock()
	leaderLog.addLocked("plan-1", first.id, first.typ, true, first.data, nil)
	leaderLog.mu.Unlock()
	newer := leaderLog.add("plan-1", "PlanRevised", []byte(`{}`)) // not yet on the follower

	leader := startStub(t, leaderLog)
	follower := startStub(t, followerLog)
	follower.setHook(func(c stubCall) error {
		if c.leader {
			return notLeader(c.ctx, leader)
		}
		return nil // a follower serves what it has
	})
	s := follower.open(t, Options{})
	ctx := t.Context()

	got, err := s.ReadStream(ctx, "plan-1", 0, 0)
	require.NoError(t, err)
	require.Len(t, got, 2, "the leader's copy of the stream")
	assert.Equal(t, newer.id, got[1].ID)

	res, err := s.Append(ctx, "plan-1", eventstore.Exact(1), ev(10))
	require.NoError(t, err, "appended on the leader, at the revision the leader holds")
	assert.EqualValues(t, 2, res.NextRevision)
	assert.Len(t, leaderLog.stream("plan-1"), 3)
	assert.Len(t, followerLog.stream("plan-1"), 1, "nothing written on the follower")
	assert.NotZero(t, follower.count("read stream"), "the store was first sent to the follower")
	assert.True(t, s.Health().Connected, "a not-leader answer is an answer")
}

// TestStubSubscriptionOnAFollowerMovesToTheLeader: a follower confirms a subscription, then ends it
// with its not-leader answer when the catch-up read asks for the leader (the server's
// Enumerator.AllSubscription confirms first). The client hands the subscription that bare status
// and does not reconnect (Subscription.Recv never calls its handleError); the store recognises
// the answer, has the client move to the leader the way reads do, and resubscribes there.
func TestStubSubscriptionOnAFollowerMovesToTheLeader(t *testing.T) {
	leaderLog := newStubLog()
	leader := startStub(t, leaderLog)
	follower := startStub(t, newStubLog())
	refuse := func(c stubCall) error {
		if c.leader {
			return notLeader(c.ctx, leader)
		}
		return nil
	}
	follower.setHook(func(c stubCall) error {
		if c.method == "subscribe" {
			return nil // confirmed first
		}
		return refuse(c)
	})
	follower.confirmedHook = refuse
	s := follower.open(t, Options{})

	first := leaderLog.add("plan-1", "PlanSubmitted", []byte(`{}`))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	got := make(chan eventstore.RecordedEvent, 4)
	go func() {
		for e, err := range s.Subscribe(ctx, 0) {
			if err != nil {
				return
			}
			got <- e
		}
	}()
	e := within(t, 5*time.Second, func() eventstore.RecordedEvent { return <-got })
	assert.Equal(t, first.id, e.ID)
	second := leaderLog.add("plan-1", "PlanRevised", []byte(`{}`))
	e = within(t, 5*time.Second, func() eventstore.RecordedEvent { return <-got })
	assert.Equal(t, second.id, e.ID, "the live subscription runs on the leader")

	assert.Equal(t, 1, leader.count("subscribe"))
	assert.Equal(t, 1, follower.count("subscribe"), "not resubscribed on the follower")
	assert.LessOrEqual(t, s.Health().Reconnects, uint64(1))
}
