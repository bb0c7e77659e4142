package esdbstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"assurance-ledger/eventstore"
)

// These tests drive the store's resume logic (follow and pump) with scripted subscriptions: what
// the client hands over when events arrive and when a subscription drops. They say nothing about
// how a real server behaves; the contract suite against a server does (esdbstore_test.go).

// script is one scripted subscription: it hands out its events, then either drops with err or,
// when err is nil, waits like a live subscription until its context ends.
type script struct {
	events []*esdb.SubscriptionEvent
	err    error
}

// scripted plays the scripts in order, one per subscription started, and records where each
// subscription was asked to start.
type scripted struct {
	t       *testing.T
	mu      sync.Mutex
	scripts []script
	starts  []eventstore.Position
	closed  int
	failTo  int   // the first failTo starts fail with failErr instead
	failErr error //
}

func (sc *scripted) subscribe(ctx context.Context, after eventstore.Position) (source, error) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.starts = append(sc.starts, after)
	if sc.failTo > 0 {
		sc.failTo--
		return nil, sc.failErr
	}
	if len(sc.scripts) == 0 {
		sc.t.Error("more subscriptions started than scripted")
		return nil, errors.New("no script left")
	}
	s := sc.scripts[0]
	sc.scripts = sc.scripts[1:]
	return &playing{ctx: ctx, script: s, owner: sc}, nil
}

func (sc *scripted) startedAfter() []eventstore.Position {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return append([]eventstore.Position(nil), sc.starts...)
}

type playing struct {
	ctx    context.Context
	script script
	owner  *scripted
}

func (p *playing) Recv() *esdb.SubscriptionEvent {
	if len(p.script.events) > 0 {
		ev := p.script.events[0]
		p.script.events = p.script.events[1:]
		return ev
	}
	if p.script.err != nil {
		return &esdb.SubscriptionEvent{SubscriptionDropped: &esdb.SubscriptionDropped{Error: p.script.err}}
	}
	<-p.ctx.Done() // as the client does when its call's context ends
	return &esdb.SubscriptionEvent{SubscriptionDropped: &esdb.SubscriptionDropped{Error: status.Error(codes.Canceled, "context canceled")}}
}

func (p *playing) Close() error {
	p.owner.mu.Lock()
	defer p.owner.mu.Unlock()
	p.owner.closed++
	return nil
}

// appeared is an event as the client delivers it.
func appeared(stream, typ string, pos uint64) *esdb.SubscriptionEvent {
	return &esdb.SubscriptionEvent{EventAppeared: &esdb.ResolvedEvent{Event: &esdb.RecordedEvent{
		EventID: uuid.New(), EventType: typ, StreamID: stream, Position: esdb.Position{Commit: pos, Prepare: pos},
		CreatedDate: time.Unix(1254355200, 0), Data: []byte(`{}`),
	}}}
}

func caughtUp() *esdb.SubscriptionEvent {
	return &esdb.SubscriptionEvent{CaughtUp: &esdb.Subscription{}}
}

func checkpoint(pos uint64) *esdb.SubscriptionEvent {
	return &esdb.SubscriptionEvent{CheckPointReached: &esdb.Position{Commit: pos, Prepare: pos}}
}

func testStore(t *testing.T) *Store {
	s := newStore(esdb.Configuration{}, "esdb://test", Options{MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// collect runs follow until it has n events, then stops asking (cancel) and returns the events
// and the error the subscription ended with.
func collect(t *testing.T, s *Store, after eventstore.Position, sub subscribeFunc, n int) ([]eventstore.RecordedEvent, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var got []eventstore.RecordedEvent
	var end error
	s.follow(ctx, after, sub, func(e eventstore.RecordedEvent, err error) bool {
		if err != nil {
			end = err
			return false
		}
		got = append(got, e)
		if len(got) == n {
			cancel()
		}
		return true
	})
	return got, end
}

func positions(evs []eventstore.RecordedEvent) []eventstore.Position {
	out := make([]eventstore.Position, len(evs))
	for i, e := range evs {
		out[i] = e.Position
	}
	return out
}

func TestFollowResumesAfterTheLastDeliveredEvent(t *testing.T) {
	s := testStore(t)
	sc := &scripted{t: t, scripts: []script{
		{events: []*esdb.SubscriptionEvent{
			appeared("plan-1", "PlanSubmitted", 100),
			appeared("$stats-node", "$statsCollected", 150), // the server's own
			checkpoint(160),
			appeared("plan-1", "PlanRevised", 200),
		}, err: status.Error(codes.Unavailable, "node restarting")},
		{events: []*esdb.SubscriptionEvent{
			appeared("plan-1", "PlanRevised", 200), // the server starts at the last event delivered
			caughtUp(),
			appeared("$epoch-information", "EpochInformation", 250),
			appeared("registry", "OrganisationRegistered", 300),
		}, err: errors.New("RST_STREAM")},
		{events: []*esdb.SubscriptionEvent{appeared("plan-2", "PlanSubmitted", 400)}},
	}}
	got, end := collect(t, s, 0, sc.subscribe, 4)
	require.ErrorIs(t, end, context.Canceled)
	assert.Equal(t, []eventstore.Position{100, 200, 300, 400}, positions(got), "no gap, no duplicate, no system event")
	assert.Equal(t, []eventstore.Position{0, 200, 300}, sc.startedAfter(), "each resumption starts after the last event delivered")
	assert.Equal(t, 3, sc.closed, "every subscription is closed")

	st := s.Health()
	assert.EqualValues(t, 2, st.Reconnects)
	assert.Contains(t, st.LastError, "RST_STREAM")
	assert.True(t, st.Connected)
}

func TestFollowRetriesAFailingStartWithBackoff(t *testing.T) {
	s := testStore(t)
	sc := &scripted{t: t, failTo: 3, failErr: unknownCode(status.Error(codes.Unavailable, "connection refused")),
		scripts: []script{{events: []*esdb.SubscriptionEvent{appeared("plan-1", "PlanSubmitted", 7)}}}}
	start := time.Now()
	got, end := collect(t, s, 5, sc.subscribe, 1)
	require.ErrorIs(t, end, context.Canceled)
	assert.Equal(t, []eventstore.Position{7}, positions(got))
	assert.Equal(t, []eventstore.Position{5, 5, 5, 5}, sc.startedAfter())
	assert.GreaterOrEqual(t, time.Since(start), (1+2+4)*time.Millisecond, "waits 1, 2, 4 ms")
	assert.EqualValues(t, 1, s.Health().Reconnects, "one recovery after three failures")
}

func TestFollowEndsOnWhatResubscribingCannotCure(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"refused credentials", status.Error(codes.Unauthenticated, "bad password"), "check the credentials"},
		{"no access to $all", status.Error(codes.PermissionDenied, "access denied"), "check the credentials"},
		{"a position inside a record", status.Error(codes.InvalidArgument, "Trying to read from an invalid position."), "no event's position"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testStore(t)
			sc := &scripted{t: t, failTo: 1, failErr: tc.err}
			_, end := collect(t, s, 42, sc.subscribe, 1)
			require.Error(t, end)
			assert.NotErrorIs(t, end, eventstore.ErrUnavailable)
			assert.Contains(t, end.Error(), tc.want)
			assert.Len(t, sc.startedAfter(), 1, "no second attempt")
		})
	}

	t.Run("an event without a position", func(t *testing.T) {
		s := testStore(t)
		bad := appeared("plan-1", "PlanSubmitted", 0)
		bad.EventAppeared.Event.Position = esdb.Position{Commit: ^uint64(0), Prepare: ^uint64(0)}
		sc := &scripted{t: t, scripts: []script{{events: []*esdb.SubscriptionEvent{bad}}}}
		_, end := collect(t, s, 0, sc.subscribe, 1)
		assert.ErrorContains(t, end, "22.6")
		assert.Len(t, sc.startedAfter(), 1)
	})
}

func TestFollowStopsWhenTheConsumerStops(t *testing.T) {
	s := testStore(t)
	sc := &scripted{t: t, scripts: []script{{events: []*esdb.SubscriptionEvent{
		appeared("a", "E", 10), appeared("a", "E", 20), appeared("a", "E", 30),
	}}}}
	var got []eventstore.Position
	s.follow(t.Context(), 0, sc.subscribe, func(e eventstore.RecordedEvent, err error) bool {
		require.NoError(t, err)
		got = append(got, e.Position)
		return len(got) < 2
	})
	assert.Equal(t, []eventstore.Position{10, 20}, got, "nothing is yielded after the consumer stopped")
	assert.Equal(t, 1, sc.closed)
}

func TestFollowEndsWithErrClosedOnClose(t *testing.T) {
	s := testStore(t)
	sc := &scripted{t: t, scripts: []script{{events: []*esdb.SubscriptionEvent{appeared("a", "E", 10)}}}}
	done := make(chan error, 1)
	go s.follow(t.Context(), 0, sc.subscribe, func(e eventstore.RecordedEvent, err error) bool {
		if err != nil {
			done <- err
			return false
		}
		assert.NoError(t, s.Close()) // while the subscription waits for more
		return true
	})
	select {
	case err := <-done:
		assert.ErrorIs(t, err, eventstore.ErrClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("the subscription did not end on Close")
	}
}

func TestFollowEndsAtOnceWhenAlreadyDone(t *testing.T) {
	s := testStore(t)
	sc := &scripted{t: t}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var errs []error
	s.follow(ctx, 0, sc.subscribe, func(_ eventstore.RecordedEvent, err error) bool { errs = append(errs, err); return true })
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], context.Canceled)
	assert.Empty(t, sc.startedAfter())

	require.NoError(t, s.Close())
	errs = nil
	s.follow(t.Context(), 0, sc.subscribe, func(_ eventstore.RecordedEvent, err error) bool { errs = append(errs, err); return true })
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], eventstore.ErrClosed)
}

func TestFollowAfterTheLastPossiblePositionWaits(t *testing.T) {
	s := testStore(t)
	sc := &scripted{t: t}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	var errs []error
	s.follow(ctx, maxPosition, sc.subscribe, func(_ eventstore.RecordedEvent, err error) bool { errs = append(errs, err); return true })
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], context.DeadlineExceeded)
	assert.Empty(t, sc.startedAfter(), "the server is not asked for what cannot exist")
}
