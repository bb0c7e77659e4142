package esdbstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"assurance-ledger/eventstore"
)

// Stub-driven: replacing the client must not break what runs on the old one.

// TestStubRenewLeavesRunningRequestsAlone holds an append and a subscription in flight on the
// client, then makes two reads in a row fail without an answer, which replaces the client. The
// append still completes with its result and the subscription goes on delivering, on the old
// client, which is closed only once they are done.
func TestStubRenewLeavesRunningRequestsAlone(t *testing.T) {
	log := newStubLog()
	node := startStub(t, log)
	s := node.open(t, Options{Retries: 1})
	ctx := t.Context()
	_, err := s.Append(ctx, "plan-1", eventstore.NoStream, ev(10))
	require.NoError(t, err)

	// A subscription, caught up.
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	events := make(chan eventstore.RecordedEvent, 10)
	ended := make(chan error, 1)
	go func() {
		for e, err := range s.Subscribe(sctx, 0) {
			if err != nil {
				ended <- err
				return
			}
			events <- e
		}
	}()
	<-events

	// An append the server holds until released. Should the old client be closed under it, the
	// store would send it again: it must not enter twice, but the test must fail, not panic.
	entered, release := make(chan struct{}), make(chan struct{})
	var enter sync.Once
	node.setHook(func(c stubCall) error {
		switch {
		case c.method == "append":
			enter.Do(func() { close(entered) })
			<-release
		case c.method == "read stream" && c.stream == "broken":
			// No answer in time, which does not make the client reconnect by itself (an
			// unavailable answer does, on a new connection, leaving the old one open).
			return status.Error(codes.DeadlineExceeded, "context deadline exceeded")
		}
		return nil
	})
	type appended struct {
		res eventstore.AppendResult
		err error
	}
	done := make(chan appended, 1)
	go func() {
		res, err := s.Append(ctx, "plan-2", eventstore.NoStream, ev(10))
		done <- appended{res, err}
	}()
	<-entered

	_, err = s.ReadStream(ctx, "broken", 0, 0) // two failures in a row: the client is replaced
	require.ErrorIs(t, err, eventstore.ErrUnavailable)
	require.EqualValues(t, 1, s.Health().Reconnects, "the client was replaced")

	close(release)
	got := <-done
	require.NoError(t, got.err, "the append in flight completes on the old client")
	assert.Equal(t, 2, node.count("append"), "plan-1's, and plan-2's sent once")
	stored := log.stream("plan-2")
	require.Len(t, stored, 1)
	assert.Equal(t, stored[0].pos, got.res.Position)

	node.setHook(nil)
	_, err = s.Append(ctx, "plan-3", eventstore.NoStream, ev(10))
	require.NoError(t, err, "the new client works")
	for range 2 { // plan-2 and plan-3, without a drop
		select {
		case <-events:
		case err := <-ended:
			t.Fatalf("the subscription ended: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("the subscription stopped delivering")
		}
	}
	assert.Equal(t, 1, node.count("subscribe"), "the subscription was never dropped and restarted")

	s.mu.Lock()
	old := len(s.retired)
	s.mu.Unlock()
	assert.Equal(t, 1, old, "the old client stays open while the subscription runs on it")
	cancel()
	require.ErrorIs(t, <-ended, context.Canceled)
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.retired) == 0
	}, 5*time.Second, time.Millisecond, "closed once the subscription ended")
}

// TestStubRequestsOnAClosedClientAreUnavailable: what the client answers when it is closed under a
// request ("the client connection is closing", or a panic on its closed channel) is a request
// that may not have been taken: ErrUnavailable, which the API answers 503 (retry with the same
// Idempotency-Key), never an unexplained error.
func TestStubRequestsOnAClosedClientAreUnavailable(t *testing.T) {
	node := startStub(t, newStubLog())
	s := node.open(t, Options{Retries: -1})
	ctx := t.Context()
	require.NoError(t, s.Ping(ctx))

	entered := make(chan struct{})
	node.setHook(func(c stubCall) error {
		if c.method == "append" {
			close(entered)
			<-c.ctx.Done()
			return c.ctx.Err()
		}
		return nil
	})
	done := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, "plan-1", eventstore.NoStream, ev(10))
		done <- err
	}()
	<-entered
	s.mu.Lock()
	_ = s.cur.c.Close() // as a replacement that did not wait would
	s.mu.Unlock()
	err := <-done
	require.ErrorIs(t, err, eventstore.ErrUnavailable)

	// The client is of no use now: the next request fails on it, is retried nowhere (no retries),
	// and has the client replaced for the one after.
	_, err = s.ReadStream(ctx, "plan-1", 0, 0)
	require.ErrorIs(t, err, eventstore.ErrUnavailable)
	node.setHook(nil)
	require.Eventually(t, func() bool {
		_, err := s.ReadStream(ctx, "plan-1", 0, 0)
		return err == nil
	}, 5*time.Second, time.Millisecond)
}
