package audit

import (
	"context"
	"fmt"
	"iter"

	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// capped is a store read only up to position last: the mirror before an event this build cannot
// decode, so that every answer up to it can still be compared.
type capped struct {
	eventstore.Store
	last eventstore.Position
}

func (c *capped) cut(recs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
	for i, r := range recs {
		if r.Position > c.last {
			return recs[:i]
		}
	}
	return recs
}

func (c *capped) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	recs, err := c.Store.ReadStream(ctx, stream, from, limit)
	return c.cut(recs), err
}

func (c *capped) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if after >= c.last {
		return nil, nil
	}
	recs, err := c.Store.ReadAll(ctx, after, limit)
	return c.cut(recs), err
}

func (c *capped) Subscribe(ctx context.Context, after eventstore.Position) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		for rec, err := range c.Store.Subscribe(ctx, after) {
			if err == nil && rec.Position > c.last {
				return
			}
			if !yield(rec, err) {
				return
			}
		}
	}
}

func (c *capped) Head(ctx context.Context) (eventstore.Position, error) {
	h, err := c.Store.Head(ctx)
	return min(h, c.last), err
}

func (c *capped) Append(context.Context, string, eventstore.ExpectedRevision, ...eventstore.Event) (eventstore.AppendResult, error) {
	return eventstore.AppendResult{}, errReadOnly
}

// firstUndecodable is the first event after position after that this build cannot decode, as a
// finding (ledger verify reports it the same way); nil if every one decodes.
func firstUndecodable(ctx context.Context, s eventstore.Store, after eventstore.Position) (*Finding, error) {
	for {
		recs, err := s.ReadAll(ctx, after, 1000)
		if err != nil || len(recs) == 0 {
			return nil, err
		}
		for _, r := range recs {
			if _, err := eventcodec.DecodeEnvelope(r.Type, r.Data, r.Metadata); err != nil {
				return &Finding{Kind: KindBadEvent, Position: r.Position, Stream: r.Stream, Revision: r.Revision, EventID: r.ID.String(), Type: r.Type,
					Reason: fmt.Sprintf("its hashes are the server's, checked, but it cannot be decoded (%v): the answers were compared as of the position before it", err)}, nil
			}
		}
		after = recs[len(recs)-1].Position
	}
}
