package esdbstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"assurance-ledger/eventstore"
)

// Append implements eventstore.Store.
//
// The events keep the ledger's ids on the server. Before every append but one expecting no stream,
// the stream's last IdempotencyWindow events (up to the expected revision) are read back: ids
// found there make the append a replay, answered with the original result, or a duplicate,
// refused; the server would not notice them there. After a conflict the events at the
// expected place, then the stream's last events, are read back the same way, so that a retry with
// a now stale expectation still gets its original result. An id stored in another stream is not
// found: EventStoreDB keeps no index of ids (see the package documentation).
//
// A request that fails without reaching the leader is sent again (Options.Retries) with the same
// ids. The result's position is the last event's commit position.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.Event) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateAppend(stream, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := s.check(ctx); err != nil {
		return eventstore.AppendResult{}, err
	}
	want, err := expectedRevision(expected)
	if errors.Is(err, errUnreachableRevision) {
		return s.conflicted(ctx, stream, expected, events, nil)
	}
	if err != nil {
		return eventstore.AppendResult{}, err
	}

	if !expected.IsNoStream() { // a stream that must not exist holds no ids; the server says if it does
		res, found, err := s.lookUp(ctx, stream, events, lookUpFrom(expected))
		if err != nil || found {
			return res, err
		}
	}

	data := eventsData(events)
	var wr *esdb.WriteResult
	err = s.call(ctx, "append to "+stream, s.opts.Retries, func(c *esdb.Client) error {
		var err error
		wr, err = c.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{ExpectedRevision: want}, data...)
		return err
	})
	switch {
	case err == nil:
		return s.written(ctx, stream, wr)
	case classify(err) == failConflict && ctx.Err() == nil && !s.isClosed():
		return s.conflicted(ctx, stream, expected, events, err)
	default:
		return eventstore.AppendResult{}, s.portError(ctx, "append to "+stream, err)
	}
}

// lookUpFrom is where the look for already stored ids starts, reading backwards: at the expected
// revision, for an exact expectation (the server itself checks above it), else at the end.
func lookUpFrom(expected eventstore.ExpectedRevision) esdb.StreamPosition {
	if r, ok := expected.Revision(); ok {
		return esdb.Revision(r)
	}
	return esdb.End{}
}

// lookUp reads a window of the stream backwards from `from` and decides whether the append's ids
// are among its events: found with the original result for a replay, or ErrDuplicateEventID.
func (s *Store) lookUp(ctx context.Context, stream string, events []eventstore.Event, from esdb.StreamPosition) (eventstore.AppendResult, bool, error) {
	window, err := s.readStream(ctx, stream, esdb.Backwards, from, uint64(s.opts.IdempotencyWindow))
	if err != nil {
		return eventstore.AppendResult{}, false, err
	}
	first, found, err := findFirst(stream, events, window)
	if err != nil || !found {
		return eventstore.AppendResult{}, false, err
	}
	res, err := s.replayAt(ctx, stream, events, first)
	return res, true, err
}

// replayAt decides an append whose first event is stored at revision first.
func (s *Store) replayAt(ctx context.Context, stream string, events []eventstore.Event, first uint64) (eventstore.AppendResult, error) {
	run, err := s.readStream(ctx, stream, esdb.Forwards, esdb.Revision(first), uint64(len(events)))
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return replayed(stream, events, run)
}

// conflicted answers an append the server refused for its expected revision (cause; nil when the
// expectation could not even be sent). A retry whose events are stored already gets the original
// result; otherwise the answer is a *eventstore.ConflictError with the stream's revision.
func (s *Store) conflicted(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.Event, cause error) (eventstore.AppendResult, error) {
	if place, ok := expectedPlace(expected); ok {
		run, err := s.readStream(ctx, stream, esdb.Forwards, esdb.Revision(place), uint64(len(events)))
		if err != nil {
			return eventstore.AppendResult{}, err
		}
		if len(run) > 0 && run[0].ID == events[0].ID {
			return replayed(stream, events, run)
		}
	}
	tail, err := s.readStream(ctx, stream, esdb.Backwards, esdb.End{}, uint64(s.opts.IdempotencyWindow))
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	if first, found, err := findFirst(stream, events, tail); err != nil {
		return eventstore.AppendResult{}, err
	} else if found {
		return s.replayAt(ctx, stream, events, first)
	}
	if expected.IsAny() {
		// "Any" cannot conflict: the server refused the events as partly repeating ones it
		// holds, further back than the window read here.
		return eventstore.AppendResult{}, fmt.Errorf("%w: EventStoreDB refused the append to %s as partly repeating events it holds: %w", eventstore.ErrDuplicateEventID, stream, cause)
	}
	last, exists, ok := actualRevision(cause)
	if !ok {
		last, exists = 0, len(tail) > 0
		if exists {
			last = tail[0].Revision // newest first
		}
	}
	return eventstore.AppendResult{}, &eventstore.ConflictError{Stream: stream, Expected: expected, Actual: last, Exists: exists}
}

// written completes a successful append. The server's answer gives the stream's new revision and,
// as its commit position, the log position of the last event's record (the server acknowledges
// an append with the position of its last prepare), which is that event's commit position in
// $all. An append the server recognised as a repeat may come back without a position: the last
// event is then read back.
func (s *Store) written(ctx context.Context, stream string, wr *esdb.WriteResult) (eventstore.AppendResult, error) {
	res := eventstore.AppendResult{NextRevision: wr.NextExpectedVersion, Position: wr.CommitPosition}
	if wr.CommitPosition != 0 && wr.CommitPosition < maxPosition {
		return res, nil
	}
	last, err := s.readStream(ctx, stream, esdb.Forwards, esdb.Revision(wr.NextExpectedVersion), 1)
	if err == nil && len(last) == 0 {
		err = fmt.Errorf("esdbstore: revision %d of %s, just written, cannot be read back", wr.NextExpectedVersion, stream)
	}
	if err != nil {
		// The events are stored: a retry of the same append is recognised and answered in full.
		return eventstore.AppendResult{}, fmt.Errorf("%w: the append to %s was written, but reading back its position failed (retrying the append is safe): %w", eventstore.ErrUnavailable, stream, err)
	}
	res.Position = last[0].Position
	return res, nil
}
