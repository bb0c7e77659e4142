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
// The events keep the ledger's ids on the server. The server recognises a retried append only
// where it looks (see idempotency.go), so the store looks too. Before an append expecting an exact
// revision, the events at the top of the stream, as many as the append holds, are read back: a
// retry whose expectation was refreshed after its first attempt landed finds its events there, and
// gets the original result instead of writing them again. Before an append expecting any revision
// or an existing stream, the stream's last IdempotencyWindow events are read back the same way; an
// append expecting no stream reads nothing (the server says if the stream exists). After a
// conflict the events at the expected place, then the stream's last events, are read back, so that
// a retry with a now stale expectation still gets its original result; if those reads fail, the
// conflict is answered with the revision the server gave. An id stored in another stream is not
// found: EventStoreDB keeps no index of ids (see the package documentation).
//
// An append larger than Options.MaxAppendSize (measured by AppendSize) is refused with
// eventstore.ErrTooLarge before anything is sent, as is one the server refuses for its size; such
// a refusal is never retried. An append ended while it was being sent is sent once more, since a
// dropped connection ends it the same way (see failCutShort): only the same end again is answered
// as a refusal. A request that fails without an answer, or that a follower or a busy server turns
// away, is sent again (Options.Retries) with the same ids. The result's position is the last
// event's commit position.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.Event) (res eventstore.AppendResult, err error) {
	if err := eventstore.ValidateAppend(stream, expected, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := checkName(stream); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := s.check(ctx); err != nil {
		return eventstore.AppendResult{}, err
	}
	if size := AppendSize(events); size > s.opts.MaxAppendSize {
		return eventstore.AppendResult{}, fmt.Errorf("%w: %w: the append to %s weighs %d bytes; EventStoreDB takes at most %d in one append (its maximum append size)",
			eventstore.ErrInvalidAppend, eventstore.ErrTooLarge, stream, size, s.opts.MaxAppendSize)
	}
	want, werr := expectedRevision(expected)
	if errors.Is(werr, errUnreachableRevision) {
		return s.conflicted(ctx, stream, expected, events, nil)
	}
	if werr != nil {
		return eventstore.AppendResult{}, werr
	}

	if !expected.IsNoStream() { // a stream that must not exist holds no ids; the server says if it does
		from, count := s.lookUpWindow(expected, len(events))
		res, found, err := s.lookUp(ctx, stream, events, from, count)
		if err != nil || found {
			return res, err
		}
	}
	defer func() {
		if err == nil {
			s.remember(stream, events, res)
			s.seen.add(res.Position)
		}
	}()

	data := eventsData(events)
	var wr *esdb.WriteResult
	err = s.call(ctx, "append to "+stream, s.opts.Retries, func(ctx context.Context, c *esdb.Client) error {
		var err error
		wr, err = c.AppendToStream(ctx, s.names.full(stream), esdb.AppendToStreamOptions{ExpectedRevision: want}, data...)
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

// AppendSize is what an append weighs against EventStoreDB's maximum append size, as the server
// counts it: each event's data and metadata, and its type twice (the server counts UTF-16 code
// units; two bytes a byte of the type is at least that).
func AppendSize(events []eventstore.Event) int {
	n := 0
	for _, e := range events {
		n += len(e.Data) + len(e.Metadata) + 2*len(e.Type)
	}
	return n
}

// lookUpWindow is where, reading backwards, the look for already stored ids starts and how many
// events it reads. With an exact expectation the server itself looks above the expected revision,
// so only the events up to it are read, as many as the append holds: a retry refreshed after its
// events landed finds them at the top. Without one, the stream's last IdempotencyWindow events.
func (s *Store) lookUpWindow(expected eventstore.ExpectedRevision, n int) (esdb.StreamPosition, uint64) {
	if r, ok := expected.Revision(); ok {
		return esdb.Revision(r), uint64(n)
	}
	return esdb.End{}, uint64(s.opts.IdempotencyWindow)
}

// remember records where an append's events are, for the next append's look.
func (s *Store) remember(stream string, events []eventstore.Event, res eventstore.AppendResult) {
	first := res.NextRevision + 1 - uint64(len(events))
	for i, e := range events {
		s.tops.saw(stream, first+uint64(i), e.ID)
	}
}

// lookUp reads count events of the stream backwards from `from` (or finds them remembered) and
// decides whether the append's ids are among them: found with the original result for a replay,
// or ErrDuplicateEventID.
func (s *Store) lookUp(ctx context.Context, stream string, events []eventstore.Event, from esdb.StreamPosition, count uint64) (eventstore.AppendResult, bool, error) {
	window, known := s.remembered(stream, from, count)
	if !known {
		var err error
		if window, err = s.readStream(ctx, stream, esdb.Backwards, from, count); err != nil {
			return eventstore.AppendResult{}, false, err
		}
	}
	first, found, err := findFirst(stream, events, window)
	if err != nil || !found {
		return eventstore.AppendResult{}, false, err
	}
	res, err := s.replayAt(ctx, stream, events, first)
	return res, true, err
}

// remembered returns the events lookUp would read, when the store remembers them all.
func (s *Store) remembered(stream string, from esdb.StreamPosition, count uint64) ([]eventstore.RecordedEvent, bool) {
	r, exact := from.(esdb.StreamRevision)
	if !exact {
		return nil, false
	}
	return s.tops.window(stream, r.Value, int(count))
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
// result; otherwise the answer is a *eventstore.ConflictError with the stream's revision. When the
// stream cannot be read back, the server's own answer decides: a conflict with the revision it
// gave, which a caller that reads the stream again resolves either way.
func (s *Store) conflicted(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.Event, cause error) (eventstore.AppendResult, error) {
	last, exists, told := actualRevision(cause)
	res, found, tail, err := s.recognise(ctx, stream, expected, events)
	switch {
	case err != nil && told && !expected.IsAny() && !errors.Is(err, eventstore.ErrDuplicateEventID) && ctx.Err() == nil && !s.isClosed():
		s.log.Warn("cannot read back a stream after a conflict; answering with the revision the server gave", "stream", stream, "err", err)
		return eventstore.AppendResult{}, &eventstore.ConflictError{Stream: stream, Expected: expected, Actual: last, Exists: exists}
	case err != nil:
		return eventstore.AppendResult{}, err
	case found:
		return res, nil
	}
	if expected.IsAny() {
		// "Any" cannot conflict: the server refused the events as partly repeating ones it
		// holds, further back than the window read here.
		return eventstore.AppendResult{}, fmt.Errorf("%w: EventStoreDB refused the append to %s as partly repeating events it holds: %w", eventstore.ErrDuplicateEventID, stream, cause)
	}
	if !told {
		last, exists = 0, len(tail) > 0
		if exists {
			last = tail[0].Revision // newest first
		}
	}
	return eventstore.AppendResult{}, &eventstore.ConflictError{Stream: stream, Expected: expected, Actual: last, Exists: exists}
}

// recognise looks for a refused append's events where a retry of it would find them: at the
// expected place, then among the stream's last events (tail, newest first).
func (s *Store) recognise(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.Event) (res eventstore.AppendResult, found bool, tail []eventstore.RecordedEvent, err error) {
	if place, ok := expectedPlace(expected); ok {
		run, err := s.readStream(ctx, stream, esdb.Forwards, esdb.Revision(place), uint64(len(events)))
		if err != nil {
			return res, false, nil, err
		}
		if len(run) > 0 && run[0].ID == events[0].ID {
			res, err = replayed(stream, events, run)
			return res, err == nil, nil, err
		}
	}
	tail, err = s.readStream(ctx, stream, esdb.Backwards, esdb.End{}, uint64(s.opts.IdempotencyWindow))
	if err != nil {
		return res, false, nil, err
	}
	first, found, err := findFirst(stream, events, tail)
	if err != nil || !found {
		return res, false, tail, err
	}
	res, err = s.replayAt(ctx, stream, events, first)
	return res, err == nil, tail, err
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
