package esdbstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"assurance-ledger/eventstore"
)

// source is a running subscription; *esdb.Subscription is one. The resume logic below is written
// against this much of it so that it can be exercised without a server.
type source interface {
	Recv() *esdb.SubscriptionEvent
	Close() error
}

// subscribeFunc starts a subscription to $all that delivers the events after `after`.
type subscribeFunc func(ctx context.Context, after eventstore.Position) (source, error)

// permanent marks a subscription failure that resubscribing cannot cure.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// errDropped stands for a drop the client reports without a cause.
var errDropped = errors.New("the subscription ended without a reason")

// Subscribe implements eventstore.Store with a catch-up subscription to $all, filtered on the
// server to leave out system events (and here, $-streams too). When the subscription drops — the
// server restarts, the leader changes, the network fails — it is started again after the last
// event delivered, with exponential back-off, for as long as the caller wants events: the
// consumer sees no gap and no duplicate. Each drop is logged and shows in Status. It ends with
// ctx's error, with eventstore.ErrClosed when the store closes, or with a failure resubscribing
// cannot cure (refused credentials; a position that is no event's).
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		s.follow(ctx, after, s.subscribeAll, yield)
	}
}

// subscribeAll starts a subscription on the current client, which it keeps in use until the
// subscription is closed: a client replaced meanwhile stays open under it. The start is bounded by
// Options.RequestTimeout (the client gives a subscription no deadline, and waits for a node without
// looking at its context); the subscription itself then runs for as long as ctx.
func (s *Store) subscribeAll(ctx context.Context, after eventstore.Position) (source, error) {
	startCtx, cancelStart := context.WithTimeout(ctx, s.opts.RequestTimeout)
	defer cancelStart()
	c, pilot, err := s.acquire(startCtx)
	if err != nil {
		err = s.noAnswer(ctx)
		if ctx.Err() == nil && !s.isClosed() {
			s.unanswered(nil, failTransient, err)
		}
		return nil, err
	}
	subCtx, cancel := context.WithCancel(leaderContext(ctx))
	type started struct {
		sub *esdb.Subscription
		err error
	}
	done := make(chan started, 1)
	go func() {
		var st started
		if pilot {
			if st.err = s.findNode(c); st.err != nil {
				done <- st
				return
			}
		}
		st.err = guarded(func() error {
			var err error
			st.sub, err = c.c.SubscribeToAll(subCtx, esdb.SubscribeToAllOptions{From: allAfter(after), Filter: s.names.subscriptionFilter()})
			return err
		})
		done <- st
	}()
	select {
	case st := <-done:
		if st.err != nil {
			cancel()
			s.release(c)
			if ctx.Err() == nil && !s.isClosed() {
				s.observe(c, st.err)
			}
			return nil, st.err
		}
		s.answered()
		return &subscription{sub: st.sub, cancel: cancel, release: func() { s.release(c) }}, nil
	case <-startCtx.Done():
	case <-s.closing:
	}
	cancel()
	go func() { // left behind: it ends as soon as the client lets it
		if st := <-done; st.sub != nil {
			_ = st.sub.Close()
		}
		s.release(c)
	}()
	err = s.noAnswer(ctx)
	if ctx.Err() == nil && !s.isClosed() {
		s.unanswered(c, failTransient, err)
	}
	return nil, err
}

// subscription is a started subscription with the client it runs on.
type subscription struct {
	sub     *esdb.Subscription
	cancel  context.CancelFunc
	release func()
	once    sync.Once
}

func (s *subscription) Recv() *esdb.SubscriptionEvent { return s.sub.Recv() }

func (s *subscription) Close() error {
	s.once.Do(func() {
		_ = s.sub.Close()
		s.cancel()
		s.release()
	})
	return nil
}

// follow runs a subscription for Subscribe, resubscribing after each drop.
func (s *Store) follow(ctx context.Context, after eventstore.Position, subscribe subscribeFunc, yield func(eventstore.RecordedEvent, error) bool) {
	if err := s.check(ctx); err != nil {
		yield(eventstore.RecordedEvent{}, err)
		return
	}
	// Close must also end a subscription blocked in Recv: it cancels the subscription's context.
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-subCtx.Done():
		}
	}()
	ended := func() {
		if s.isClosed() {
			yield(eventstore.RecordedEvent{}, eventstore.ErrClosed)
		} else {
			yield(eventstore.RecordedEvent{}, ctx.Err())
		}
	}
	if after >= maxPosition {
		// No event can come after: wait for the end like any idle subscription.
		<-subCtx.Done()
		ended()
		return
	}

	failures := 0 // in a row, for the back-off
	for {
		src, err := subscribe(subCtx, after)
		if err == nil {
			s.status.reached()
			if failures > 0 {
				s.status.reconnected()
				s.log.Info("subscription to $all resumed", "after", after)
			}
			var stopped bool
			stopped, err = s.pump(src, &after, &failures, yield)
			_ = src.Close()
			if stopped {
				return
			}
		}
		if s.isClosed() || ctx.Err() != nil {
			ended()
			return
		}
		if err := unresumable(err, after); err != nil {
			yield(eventstore.RecordedEvent{}, err)
			return
		}
		f := classify(err)
		if f.answered() {
			s.status.noted(err) // dropped by the server, which is there
		} else {
			s.status.failed(err)
		}
		if f == failNotLeader {
			s.toLeader(subCtx)
		}
		d := backoff(failures, s.opts.MinBackoff, s.opts.MaxBackoff)
		failures++
		s.log.Warn("subscription to $all dropped, resuming", "after", after, "retry_in", d, "failures", failures, "err", err)
		if !s.sleep(subCtx, d) {
			ended()
			return
		}
	}
}

// pump hands src's events to yield and advances after past each one. It returns stopped when the
// consumer wants no more, and otherwise the reason the subscription dropped.
func (s *Store) pump(src source, after *eventstore.Position, failures *int, yield func(eventstore.RecordedEvent, error) bool) (stopped bool, err error) {
	for {
		ev := src.Recv()
		switch {
		case ev == nil:
			return false, errDropped
		case ev.SubscriptionDropped != nil:
			if ev.SubscriptionDropped.Error == nil {
				return false, errDropped
			}
			return false, ev.SubscriptionDropped.Error
		case ev.EventAppeared != nil:
			*failures = 0
			s.status.reached() // an idle instance learns here that the server is back
			rec := ev.EventAppeared.OriginalEvent()
			// A resumed subscription may start with the last event delivered before the drop.
			if rec == nil || !s.names.own(rec) || rec.Position.Commit <= *after {
				continue
			}
			e, err := s.names.recorded(rec)
			if err != nil {
				return false, permanent{err}
			}
			s.seen.add(e.Position)
			if !yield(e, nil) {
				return true, nil
			}
			*after = e.Position
		default: // caught up, fell behind, checkpoint: the server is there
			*failures = 0
			s.status.reached()
		}
	}
}

// unresumable returns the error to end a subscription with when err is one resubscribing cannot
// cure, and nil when it is worth resubscribing.
func unresumable(err error, after eventstore.Position) error {
	var p permanent
	if errors.As(err, &p) {
		return p.error
	}
	switch f := classify(err); f {
	case failDenied:
		return mapFailure("the subscription to $all", f, err)
	case failInvalidArg:
		return fmt.Errorf("%w: the server refuses to subscribe to $all after position %d, which is no event's position: %w", eventstore.ErrInvalidPosition, after, err)
	}
	return nil
}

// toLeader has the client move to the leader after a subscription ended with a follower's
// not-leader answer. A follower confirms a subscription before its catch-up read, which asks for
// the leader, is refused (Enumerator.AllSubscription); the client hands the subscription that
// answer as a bare status without reconnecting (Subscription.Recv never calls its handleError),
// so resubscribing would reach the same follower again. A read of $all, asking for the leader,
// gets the same answer through the path that does reconnect, and is retried on the leader.
func (s *Store) toLeader(ctx context.Context) {
	err := s.call(ctx, "find the leader", s.opts.Retries, readNewest)
	if err != nil && ctx.Err() == nil && !s.isClosed() {
		s.log.Warn("cannot reach the leader for a subscription to $all", "err", err)
	}
}
