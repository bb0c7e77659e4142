package command

import (
	"context"
	"fmt"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// folder is a domain aggregate: state that is a fold over its stream's events.
type folder interface {
	Apply(domain.Event) error
}

// contentForgetter is a state that can drop the content of its current version, keeping its hash:
// a plan. No decision reads a version's content (a revision is compared with the current one by
// hash), so the handler's cache of folded plans keeps none: content is most of a plan's size, and
// up to PlanCacheSize plans are cached, all of which the collector marks while appends run.
type contentForgetter interface {
	ForgetContent()
}

// apply brings s's state to after e: applies it, then forgets the content it may have brought.
func (s *stream[S]) apply(e domain.Event) error {
	if err := s.state.Apply(e); err != nil {
		return err
	}
	if f, ok := any(s.state).(contentForgetter); ok {
		f.ForgetContent()
	}
	return nil
}

// stream is an aggregate's folded state with what the handler needs to append to it: the revision
// decided on, the chain head, and the results of every command id recorded in it.
type stream[S folder] struct {
	streamName string
	state      S
	exists     bool
	revision   uint64
	lastHash   string
	commands   map[string]recorded // by commandKey
	broken     error               // a fold failure: the cached state can no longer be trusted

	// With a store that tracks changes (eventstore.StreamChanges), tracked is set and every event
	// of the stream at or before current is folded: catchUp reads only when the store reports a
	// change since.
	tracked bool
	current eventstore.Position
}

// streamState is the type-free view of a stream that recording needs.
type streamState interface {
	name() string
	head() string
	expected() eventstore.ExpectedRevision
	applied(e domain.Event, r Result, commandID string)
	appendFailed()
}

func newStream[S folder](name string, state S) *stream[S] {
	return &stream[S]{streamName: name, state: state, lastHash: eventcodec.GenesisHash, commands: map[string]recorded{}}
}

func (s *stream[S]) name() string { return s.streamName }
func (s *stream[S]) head() string { return s.lastHash }

func (s *stream[S]) expected() eventstore.ExpectedRevision {
	if !s.exists {
		return eventstore.NoStream
	}
	return eventstore.Exact(s.revision)
}

// catchUp folds the events appended since the state was last brought up to date. A store that
// tracks changes spares the read when nothing was appended to the stream since: with one process
// writing, the usual case, the cached state is already current.
func (s *stream[S]) catchUp(ctx context.Context, store eventstore.Store) error {
	if s.broken != nil {
		return s.broken
	}
	changes, tracks := store.(eventstore.StreamChanges)
	if tracks && s.tracked && !changes.ChangedSince(s.streamName, s.current) {
		return nil
	}
	var mark eventstore.Position
	if tracks {
		mark = changes.ChangeMark() // before reading: everything up to it is in what is read
	}
	const page = 1000
	for {
		from := uint64(0)
		if s.exists {
			from = s.revision + 1
		}
		events, err := store.ReadStream(ctx, s.streamName, from, page)
		if err != nil {
			return err
		}
		for _, rec := range events {
			if err := s.fold(rec); err != nil {
				s.broken = err
				return err
			}
			mark = max(mark, rec.Position)
		}
		if len(events) < page {
			s.tracked, s.current = tracks, mark
			return nil
		}
	}
}

func (s *stream[S]) fold(rec eventstore.RecordedEvent) error {
	e, err := DecodeRecorded(rec)
	if err != nil {
		return err
	}
	if err := s.apply(e); err != nil {
		return fmt.Errorf("stream %s revision %d (%s): %w", rec.Stream, rec.Revision, rec.Type, err)
	}
	s.exists, s.revision, s.lastHash = true, rec.Revision, e.Meta.Hash
	s.remember(e.Meta.CommandID, resultOf(rec, e))
	return nil
}

func (s *stream[S]) applied(e domain.Event, r Result, commandID string) {
	if err := s.apply(e); err != nil {
		// The domain decided this event from this state; failing to fold it is a bug. Refuse to
		// decide on this stream again until the process restarts and refolds from the store.
		s.broken = fmt.Errorf("stream %s: folding own event %s: %w", s.streamName, e.Data.EventType(), err)
		return
	}
	s.exists, s.revision, s.lastHash = true, r.Revision, e.Meta.Hash
	// The append expected exactly the events folded so far, so they and this one are all the
	// stream holds up to its position.
	s.current = max(s.current, r.Position)
	r.Replayed = true // what a repeat of this command will be told
	s.remember(commandID, r)
}

// appendFailed makes the next catchUp read the stream whatever the store reports: a conflict means
// the store holds events this state has not folded, and a failed commit may have reached the file.
func (s *stream[S]) appendFailed() { s.tracked = false }

func (s *stream[S]) checkExpected(want *uint64) error {
	if want == nil {
		return nil
	}
	if !s.exists || s.revision != *want {
		return &eventstore.ConflictError{Stream: s.streamName, Expected: eventstore.Exact(*want), Actual: s.revision, Exists: s.exists}
	}
	return nil
}

func resultOf(rec eventstore.RecordedEvent, e domain.Event) Result {
	r := Result{EventID: e.Meta.EventID, Stream: rec.Stream, Revision: rec.Revision, Position: rec.Position, Hash: e.Meta.Hash, Replayed: true}
	if p, ok := e.Data.(domain.PlanSubmitted); ok {
		r.PlanID = p.PlanID
	} else if agg, id, _ := domain.ParseStream(rec.Stream); agg == domain.AggregatePlan {
		r.PlanID = id
	}
	return r
}

// DecodeRecorded turns a stored event into a domain event, naming where it is if it cannot.
func DecodeRecorded(rec eventstore.RecordedEvent) (domain.Event, error) {
	e, err := eventcodec.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
	if err != nil {
		return domain.Event{}, fmt.Errorf("stream %s revision %d (position %d): %w", rec.Stream, rec.Revision, rec.Position, err)
	}
	return e, nil
}
