package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"assurance-ledger/eventstore"
)

// subscription runs Subscribe in the background and hands over what it yields.
type subscription struct {
	events chan eventstore.RecordedEvent
	end    chan error // the error the subscription ended with (nil: it stopped being asked for more)
}

func subscribe(ctx context.Context, s eventstore.Store, after eventstore.Position) *subscription {
	sub := &subscription{events: make(chan eventstore.RecordedEvent, 64), end: make(chan error, 1)}
	go func() {
		for e, err := range s.Subscribe(ctx, after) {
			if err != nil {
				sub.end <- err
				return
			}
			sub.events <- e
		}
		sub.end <- nil
	}()
	return sub
}

// next returns the next n events, failing if they do not come in time or the subscription ends.
func (sub *subscription) next(t *testing.T, n int) []eventstore.RecordedEvent {
	t.Helper()
	out := make([]eventstore.RecordedEvent, 0, n)
	timeout := time.After(waitTimeout)
	for len(out) < n {
		select {
		case e := <-sub.events:
			out = append(out, e)
		case err := <-sub.end:
			require.FailNow(t, "subscription ended early", "after %d of %d events: %v", len(out), n, err)
		case <-timeout:
			require.FailNow(t, "subscription stalled", "after %d of %d events", len(out), n)
		}
	}
	return out
}

// ended returns the error the subscription ended with, failing if it does not end in time or
// yields another event first.
func (sub *subscription) ended(t *testing.T) error {
	t.Helper()
	select {
	case e := <-sub.events:
		require.FailNow(t, "event after the end", "got %s at position %d", e.ID, e.Position)
	case err := <-sub.end:
		return err
	case <-time.After(waitTimeout):
		require.FailNow(t, "subscription did not end")
	}
	return nil
}

// testSubscribeCatchUpThenLive subscribes to a log that already holds more than one page of events
// and keeps appending from several goroutines: the subscriber must see exactly the log.
func testSubscribeCatchUpThenLive(t *testing.T, h Harness) {
	s := open(t, h)
	const seeded = 600
	for i := range seeded / 100 {
		mustAppend(t, s, fmt.Sprintf("seed-%d", i), eventstore.NoStream, events("Seed", 100)...)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sub := subscribe(ctx, s, 0)

	const writers, appendsEach = 4, 25
	var wg sync.WaitGroup
	written := make(chan int, writers)
	for w := range writers {
		wg.Go(func() {
			n := 0
			for i := range appendsEach {
				batch := events(fmt.Sprintf("Live%d", w), 1+i%3) // 1 to 3 events per append
				if _, err := s.Append(ctx, fmt.Sprintf("live-%d", w), eventstore.Any, batch...); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				n += len(batch)
			}
			written <- n
		})
	}
	wg.Wait()
	close(written)
	total := seeded
	for n := range written {
		total += n
	}
	if t.Failed() {
		return
	}

	got := sub.next(t, total)
	requireSameEvents(t, readAll(t, s), got)
	requireIncreasingPositions(t, got)

	cancel()
	require.ErrorIs(t, sub.ended(t), context.Canceled)
}

func testSubscribeFromMiddle(t *testing.T, h Harness) {
	s := open(t, h)
	for i := range 10 {
		mustAppend(t, s, "acct", eventstore.Any, event("E", i))
	}
	all := readAll(t, s)

	// Stopping the range loop early must stop the subscription cleanly.
	var got []eventstore.RecordedEvent
	for e, err := range s.Subscribe(t.Context(), all[3].Position) {
		require.NoError(t, err)
		got = append(got, e)
		if len(got) == len(all)-4 {
			break
		}
	}
	requireSameEvents(t, all[4:], got)
}

func testSubscribeCancel(t *testing.T, h Harness) {
	s := open(t, h)
	mustAppend(t, s, "acct", eventstore.NoStream, events("E", 3)...)
	ctx, cancel := context.WithCancel(t.Context())
	sub := subscribe(ctx, s, 0)
	sub.next(t, 3)
	cancel() // while the subscription waits for new events
	require.ErrorIs(t, sub.ended(t), context.Canceled)

	// A subscription whose context is already done ends at once.
	var errs []error
	for _, err := range s.Subscribe(ctx, 0) {
		errs = append(errs, err)
	}
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], context.Canceled)
}

func testSubscribeEmptyStore(t *testing.T, h Harness) {
	s := open(t, h)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sub := subscribe(ctx, s, 0)
	e := events("E", 3)
	mustAppend(t, s, "acct", eventstore.NoStream, e[0])
	mustAppend(t, s, "acct", eventstore.Exact(0), e[1:]...)
	got := sub.next(t, 3)
	require.Equal(t, eventIDs(e), ids(got))
	requireSameEvents(t, readAll(t, s), got)
}

func testClose(t *testing.T, h Harness) {
	s := open(t, h)
	mustAppend(t, s, "acct", eventstore.NoStream, event("E", 0))
	sub := subscribe(t.Context(), s, 0)
	sub.next(t, 1)

	require.NoError(t, s.Close())
	require.ErrorIs(t, sub.ended(t), eventstore.ErrClosed, "Close ends subscriptions")

	ctx := t.Context()
	_, err := s.Append(ctx, "acct", eventstore.Any, event("E", 1))
	require.ErrorIs(t, err, eventstore.ErrClosed)
	_, err = s.ReadStream(ctx, "acct", 0, 0)
	require.ErrorIs(t, err, eventstore.ErrClosed)
	_, err = s.ReadAll(ctx, 0, 0)
	require.ErrorIs(t, err, eventstore.ErrClosed)
	_, err = s.Head(ctx)
	require.ErrorIs(t, err, eventstore.ErrClosed)
	for _, err := range s.Subscribe(ctx, 0) {
		require.ErrorIs(t, err, eventstore.ErrClosed)
	}
}
