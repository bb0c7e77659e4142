package audit

import (
	"context"
	"errors"
	"iter"
	"sort"

	"assurance-ledger/eventstore"
)

// remapped is the mirror read as the server numbers its log: every position the server's store
// gave an event (an EventStoreDB ledger's are sparse; the mirror's own are dense) in place of the
// mirror's, so that projections built over it answer with the server's positions, and as_of a
// server position means the same prefix on both sides. It is read-only.
type remapped struct {
	inner eventstore.Store
	pos   *index
}

var errReadOnly = errors.New("audit: the mirror is read through the server's positions, read-only")

func (r *remapped) server(local eventstore.Position) eventstore.Position {
	if local == 0 {
		return 0
	}
	return r.pos.of(local)
}

// local is the mirror's position of the last event at or before server position p.
func (r *remapped) local(p eventstore.Position) eventstore.Position {
	s := r.pos.server
	return eventstore.Position(sort.Search(len(s), func(i int) bool { return s[i] > p }))
}

func (r *remapped) mapAll(recs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
	for i := range recs {
		recs[i].Position = r.server(recs[i].Position)
	}
	return recs
}

func (r *remapped) Append(context.Context, string, eventstore.ExpectedRevision, ...eventstore.Event) (eventstore.AppendResult, error) {
	return eventstore.AppendResult{}, errReadOnly
}

func (r *remapped) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	recs, err := r.inner.ReadStream(ctx, stream, from, limit)
	return r.mapAll(recs), err
}

func (r *remapped) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	recs, err := r.inner.ReadAll(ctx, r.local(after), limit)
	return r.mapAll(recs), err
}

func (r *remapped) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		for rec, err := range r.inner.Subscribe(ctx, r.local(after)) {
			if err == nil {
				rec.Position = r.server(rec.Position)
			}
			if !yield(rec, err) {
				return
			}
		}
	}
}

func (r *remapped) Head(ctx context.Context) (eventstore.Position, error) {
	h, err := r.inner.Head(ctx)
	return r.server(h), err
}

func (r *remapped) Close() error { return nil }
