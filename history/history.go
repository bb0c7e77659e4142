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

// MaxPageBytes bounds what one page holds: the stored bytes (data and metadata) of its events. A
// page holds at least one event, and ends before the one that would take it past this. Events are
// at most about 1 MiB (a command body's limit), so a page is at most about 2 MiB stored, whatever
// its limit in events: the audit trail of a plan whose stream is at the domain's limits is read in
// pages of a MiB or so, not all at once, and two dozen of them at once stay within a few hundred MiB
// however they are decoded and encoded.
const MaxPageBytes = 1 << 20

// chunk is how many events a page reads from the store at a time, so that it stops near its byte
// bound without having read many events past it.
const chunk = 16

// Plan returns up to limit events of plan id's stream from revision from, oldest first, and
// whether the stream goes on after them; fewer than limit when the page reaches MaxPageBytes.
// limit <= 0 bounds the page by MaxPageBytes alone. A plan that was never submitted has no events.
func (r *Reader) Plan(ctx context.Context, id string, from uint64, limit int) (entries []Entry, more bool, err error) {
	stream := domain.PlanStream(id)
	var p page
	for {
		want := chunk
		if limit > 0 {
			want = min(chunk, limit-p.read+1) // one more than the page takes: does the stream go on?
		}
		recs, err := r.store.ReadStream(ctx, stream, from, want)
		if err != nil {
			return nil, false, err
		}
		for _, rec := range recs {
			if p.full(limit, rec) {
				return p.entries, true, nil
			}
			if err := p.take(ctx, rec, true); err != nil {
				return nil, false, err
			}
			from = rec.Revision + 1
		}
		if len(recs) < want {
			return p.entries, false, nil
		}
	}
}

// Log returns up to limit events of the global log after position after, in commit order, and the
// position of the last record read (after, if none); fewer when the page reaches MaxPageBytes.
// limit <= 0 bounds the page by MaxPageBytes alone. Streams that are not the ledger's (another
// application's, in a shared EventStoreDB) are passed over: they are counted in the page but not
// returned, so that a page of them still moves a reader on.
func (r *Reader) Log(ctx context.Context, after eventstore.Position, limit int) (entries []Entry, last eventstore.Position, err error) {
	var p page
	last, err = r.log(ctx, after, limit, &p)
	if err != nil {
		return nil, after, err
	}
	return p.entries, last, nil
}

// Stored is Log with each event as the store holds it, undecoded: the bytes its hashes are over,
// for a reader that checks them (the audit feed's stored view, which ledger audit mirrors).
func (r *Reader) Stored(ctx context.Context, after eventstore.Position, limit int) (events []eventstore.RecordedEvent, last eventstore.Position, err error) {
	p := page{raw: true}
	last, err = r.log(ctx, after, limit, &p)
	if err != nil {
		return nil, after, err
	}
	return p.stored, last, nil
}

// LendStored calls fn with each event of the page Stored returns, in order, as the store holds it,
// and returns the position of the last record read. Where the store lends its bytes
// (eventstore.Lender), an event's Data and Metadata are the store's own memory, valid only until fn
// returns and read inside the store's read snapshot: fn must be quick, keep nothing of them and do
// no I/O. The feed's stored view writes each event straight into its answer: copying every event
// out of the store first was most of what answering a page allocated, and the server's collector
// then spent a quarter of the feed's CPU marking the projections' heap again and again.
func (r *Reader) LendStored(ctx context.Context, after eventstore.Position, limit int, fn func(eventstore.RecordedEvent) error) (last eventstore.Position, err error) {
	l, ok := r.store.(eventstore.Lender)
	if !ok {
		events, last, err := r.Stored(ctx, after, limit)
		if err != nil {
			return after, err
		}
		for _, e := range events {
			if err := fn(e); err != nil {
				return after, err
			}
		}
		return last, nil
	}
	var p page
	last = after
	for {
		want := lendChunk
		if limit > 0 {
			if want = min(lendChunk, limit-p.read); want <= 0 {
				return last, nil
			}
		}
		done := false
		n, err := l.LendAll(ctx, last, want, func(recs []eventstore.RecordedEvent) error {
			for _, rec := range recs {
				if p.full(limit, rec) {
					done = true
					return nil
				}
				keep := domain.IsLedgerStream(rec.Stream)
				if err := p.admit(ctx, rec, keep); err != nil {
					return err
				}
				if keep {
					if err := fn(rec); err != nil {
						return err
					}
				}
				last = rec.Position
			}
			return nil
		})
		if err != nil {
			return after, err
		}
		if done || n < want {
			return last, nil
		}
	}
}

// lendChunk is how many records LendStored has the store lend at a time: reading past a page's
// byte bound costs only the parsing of what the store lends, not a copy.
const lendChunk = 128

// log fills p with a page of the global log after position after, returning the position of the
// last record read.
func (r *Reader) log(ctx context.Context, after eventstore.Position, limit int, p *page) (last eventstore.Position, err error) {
	last = after
	for {
		want := chunk
		if limit > 0 {
			if want = min(chunk, limit-p.read); want <= 0 {
				return last, nil
			}
		}
		recs, err := r.store.ReadAll(ctx, last, want)
		if err != nil {
			return after, err
		}
		for _, rec := range recs {
			if p.full(limit, rec) {
				return last, nil
			}
			if err := p.take(ctx, rec, domain.IsLedgerStream(rec.Stream)); err != nil {
				return after, err
			}
			last = rec.Position
		}
		if len(recs) < want {
			return last, nil
		}
	}
}

// page is a page being read.
type page struct {
	raw     bool // keep the records as stored (stored), not decoded (entries)
	entries []Entry
	stored  []eventstore.RecordedEvent
	read    int // records taken, returned or passed over
	bytes   int // stored bytes of the entries
}

// full reports whether the page is done before rec: it has taken limit records (limit > 0), or rec
// would take it past MaxPageBytes (a page always takes its first record).
func (p *page) full(limit int, rec eventstore.RecordedEvent) bool {
	if limit > 0 && p.read >= limit {
		return true
	}
	return p.read > 0 && p.bytes+len(rec.Data)+len(rec.Metadata) > MaxPageBytes
}

// take counts rec into the page and, if keep, decodes it onto it; it stops with ctx's error once
// the request is over (a timeout, or the client gone).
func (p *page) take(ctx context.Context, rec eventstore.RecordedEvent, keep bool) error {
	if err := p.admit(ctx, rec, keep); err != nil || !keep {
		return err
	}
	if p.raw {
		p.stored = append(p.stored, rec)
		return nil
	}
	e, err := Decode(rec)
	if err != nil {
		return err
	}
	p.entries = append(p.entries, e)
	return nil
}

// admit counts rec into the page, and its bytes if keep (it is one of the page's events); it stops
// with ctx's error once the request is over (a timeout, or the client gone).
func (p *page) admit(ctx context.Context, rec eventstore.RecordedEvent, keep bool) error {
	p.read++
	if !keep {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p.bytes += len(rec.Data) + len(rec.Metadata)
	return nil
}

// Decode is one stored event as an Entry, or an error naming where it stands.
func Decode(rec eventstore.RecordedEvent) (Entry, error) {
	e, err := eventcodec.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
	if err != nil {
		return Entry{}, fmt.Errorf("position %d (%s revision %d): %w", rec.Position, rec.Stream, rec.Revision, err)
	}
	return Entry{Position: rec.Position, Stream: rec.Stream, Revision: rec.Revision, Type: rec.Type, Event: e}, nil
}
