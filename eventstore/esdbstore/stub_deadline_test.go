package esdbstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// Stub-driven: no request waits past the caller's deadline, or past RequestTimeout without one.
// The bounds asserted are loose (seconds against waits of tens of milliseconds): they tell "bounded"
// from "not", they do not time anything.

// within runs f and fails the test if it has not returned after limit.
func within[T any](t *testing.T, limit time.Duration, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(limit):
		t.Fatalf("still waiting after %s", limit)
		panic("unreachable")
	}
}

// TestStubNodeDiscoveryHonoursTheCallersDeadline: the node accepts connections and never answers.
// The client's discovery would try for up to maxDiscoverAttempts × gossipTimeout (10 × 5 s by
// default) whatever the caller's context; the store answers at the caller's deadline.
func TestStubNodeDiscoveryHonoursTheCallersDeadline(t *testing.T) {
	t.Parallel() // waits out deadlines and a health probe beside the tests that work
	s, err := Open("esdb://"+blackHole(t)+"?tls=false", Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	calls := map[string]func(ctx context.Context) error{
		"read stream": func(ctx context.Context) error { _, err := s.ReadStream(ctx, "plan-1", 0, 0); return err },
		"append": func(ctx context.Context) error {
			_, err := s.Append(ctx, "plan-1", eventstore.NoStream, ev(10))
			return err
		},
		"ping": func(ctx context.Context) error { return s.Ping(ctx) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			err := within(t, 3*time.Second, func() error { return call(ctx) })
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		})
	}
	h := within(t, 10*time.Second, s.Health)
	assert.False(t, h.Connected, "a probe that had no answer")
}

// TestStubReadsHaveADeadline: the client gives stream reads none; the store bounds every attempt
// by RequestTimeout and sends the deadline with the request, so that the server drops it too.
func TestStubReadsHaveADeadline(t *testing.T) {
	node := startStub(t, newStubLog())
	s := node.open(t, Options{Retries: 1, RequestTimeout: 100 * time.Millisecond})
	node.setHook(func(c stubCall) error {
		if c.method == "read stream" {
			<-c.ctx.Done() // a server that never answers
			return c.ctx.Err()
		}
		return nil
	})
	err := within(t, 5*time.Second, func() error {
		_, err := s.ReadStream(context.Background(), "plan-1", 0, 0)
		return err
	})
	require.ErrorIs(t, err, eventstore.ErrUnavailable)
	assert.Equal(t, 2, node.count("read stream"), "tried again once")

	node.setHook(nil)
	_, err = s.Append(t.Context(), "plan-1", eventstore.NoStream, ev(10))
	require.NoError(t, err)
	_, err = s.Append(t.Context(), "plan-1", eventstore.Exact(0), ev(10))
	require.NoError(t, err)
	_, err = s.ReadAll(t.Context(), 0, 0)
	require.NoError(t, err)
	for _, c := range node.received() {
		assert.True(t, c.deadline, "%s %s was sent without a deadline", c.method, c.stream)
	}
}

// TestStubSubscriptionStartHasADeadline: a subscription whose start the server never confirms is
// given up after RequestTimeout and started again; the subscription itself then runs without one.
func TestStubSubscriptionStartHasADeadline(t *testing.T) {
	log := newStubLog()
	node := startStub(t, log)
	s := node.open(t, Options{RequestTimeout: 100 * time.Millisecond})
	starts := 0
	node.setHook(func(c stubCall) error {
		if c.method == "subscribe" {
			if starts++; starts == 1 {
				<-c.ctx.Done()
				return c.ctx.Err()
			}
		}
		return nil
	})
	log.add("plan-1", "PlanSubmitted", []byte(`{}`))
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
	within(t, 5*time.Second, func() eventstore.RecordedEvent { return <-got })
	time.Sleep(300 * time.Millisecond) // past RequestTimeout: a live subscription is not cut
	log.add("plan-1", "PlanRevised", []byte(`{}`))
	e := within(t, 5*time.Second, func() eventstore.RecordedEvent { return <-got })
	assert.Equal(t, "PlanRevised", e.Type)
	assert.Equal(t, 2, node.count("subscribe"))
}

// TestStubOneRequestAtATimeLooksForANode: while the client looks for a node (one that never
// answers), only the first request is inside it; the others wait outside, where their contexts
// apply, and each returns at its own deadline. The v4 client would queue them all inside itself,
// whatever their contexts, and leave them there for ever if its discovery gave up.
func TestStubOneRequestAtATimeLooksForANode(t *testing.T) {
	s, err := Open("esdb://"+blackHole(t)+"?tls=false", Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	inside := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.cur.uses
	}

	const requests = 8
	done := make(chan error, requests)
	for range requests {
		go func() {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			_, err := s.ReadStream(ctx, "plan-1", 0, 0)
			done <- err
		}()
	}
	most := 0
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(5 * time.Second)
	for returned := 0; returned < requests; {
		select {
		case err := <-done:
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			returned++
		case <-tick.C:
		case <-giveUp:
			t.Fatal("the requests did not return at their deadlines")
		}
		most = max(most, inside())
	}
	assert.Equal(t, 1, most, "requests inside the client at once")
	assert.Equal(t, 1, inside(), "only the first is left inside, still looking")
}
