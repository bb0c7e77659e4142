// Package history reads the ledger's log as it was recorded, decoded: one plan's events in order,
// or the global log a page at a time. It is what the audit trail, the audit feed and the
// dashboard's timeline show, so that none of them decodes the log itself. A read stops when its
// context ends, and a page is bounded, so that no request holds a whole long stream in memory.
package history

import (
	"context"
	"fmt"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// Entry is one recorded event: where it stands in the log and what it says.
type Entry struct {
	Position eventstore.Position
	Stream   string
	Revision uint64
	Type     string
	Event    domain.Event // data, metadata (with the chain hashes) and a version's content hash
}

// Reader reads the history of a store.
type Reader struct{ store eventstore.Store }

// New returns a reader of store's log.
func New(store eventstore.Store) *Reader { return &Reader{store: store} }

// Plan returns up to limit events of plan id's stream from revision from, oldest first, and
// whether the stream goes on after them. limit <= 0 reads to the end of the stream. A plan that was
// never submitted has no events.
func (r *Reader) Plan(ctx context.Context, id string, from uint64, limit int) (entries []Entry, more bool, err error) {
	n := limit
	if limit > 0 {
		n = limit + 1 // one more, to tell whether there is more
	}
	recs, err := r.store.ReadStream(ctx, domain.PlanStream(id), from, n)
	if err != nil {
		return nil, false, err
	}
	if limit > 0 && len(recs) > limit {
		recs, more = recs[:limit], true
	}
	entries, err = decodeAll(ctx, recs)
	return entries, more, err
}

// Log returns up to limit events of the global log after position after, in commit order, and the
// position of the last record read (after, if none). Streams that are not the ledger's (another
// application's, in a shared EventStoreDB) are passed over: they are counted in the page but not
// returned, so that a page of them still moves a reader on.
func (r *Reader) Log(ctx context.Context, after eventstore.Position, limit int) (entries []Entry, last eventstore.Position, err error) {
	recs, err := r.store.ReadAll(ctx, after, limit)
	if err != nil {
		return nil, after, err
	}
	last = after
	if len(recs) > 0 {
		last = recs[len(recs)-1].Position
	}
	ours := recs[:0:0]
	for _, rec := range recs {
		if domain.IsLedgerStream(rec.Stream) {
			ours = append(ours, rec)
		}
	}
	entries, err = decodeAll(ctx, ours)
	return entries, last, err
}

// decodeAll decodes recs, stopping when ctx ends.
func decodeAll(ctx context.Context, recs []eventstore.RecordedEvent) ([]Entry, error) {
	entries := make([]Entry, 0, len(recs))
	for i, rec := range recs {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		e, err := Decode(rec)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// Decode is one stored event as an Entry, or an error naming where it stands.
func Decode(rec eventstore.RecordedEvent) (Entry, error) {
	e, err := eventcodec.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
	if err != nil {
		return Entry{}, fmt.Errorf("position %d (%s revision %d): %w", rec.Position, rec.Stream, rec.Revision, err)
	}
	return Entry{Position: rec.Position, Stream: rec.Stream, Revision: rec.Revision, Type: rec.Type, Event: e}, nil
}
