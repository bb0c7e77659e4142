package esdbstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"assurance-ledger/eventstore"
)

// readPage is how many events a read asks the server for at a time. The client gives streaming
// reads no deadline of their own and holds a whole answer in memory; pages bound both.
const readPage = 512

// headPage is how many events of $all Head first reads, newest first, looking for the newest that
// is the ledger's. A few system events (epochs, scavenges) usually sit at the end; when more
// pages are needed (another ledger or application wrote since), each is twice the last, up to
// readPage, so that requests grow with the events passed over divided by readPage.
const headPage = 64

// nameProbe stands in for an event when only a stream name is to be validated.
var nameProbe = []eventstore.Event{{ID: uuid.MustParse("00000000-0000-4000-8000-000000000001"), Type: "Probe"}}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if eventstore.ValidateAppend(stream, eventstore.Any, nameProbe) != nil || checkName(stream) != nil || from > maxRevision {
		// No stream of the ledger has that name ($-names are the server's own), nor that many
		// events; and the server would read a huge revision as a special one.
		return nil, nil
	}
	var out []eventstore.RecordedEvent
	for {
		want := uint64(readPage)
		if limit > 0 {
			want = min(want, uint64(limit-len(out)))
		}
		page, err := s.readStream(ctx, stream, esdb.Forwards, esdb.Revision(from), want)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if uint64(len(page)) < want || (limit > 0 && len(out) >= limit) {
			return out, nil
		}
		from = page[len(page)-1].Revision + 1
	}
}

// readStream reads up to count events of stream from `from` in direction dir. A stream that does
// not exist gives no events: the server says so on the first receive, not on the call.
func (s *Store) readStream(ctx context.Context, stream string, dir esdb.Direction, from esdb.StreamPosition, count uint64) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	err := s.call(ctx, "read "+stream, s.opts.Retries, func(ctx context.Context, c *esdb.Client) error {
		out = out[:0]
		rs, err := c.ReadStream(ctx, s.names.full(stream), esdb.ReadStreamOptions{Direction: dir, From: from}, count)
		if err != nil {
			return err
		}
		defer rs.Close()
		for {
			ev, err := rs.Recv()
			switch {
			case errors.Is(err, io.EOF):
				return nil
			case err != nil && classify(err) == failNotFound:
				out = out[:0]
				return nil
			case err != nil:
				return err
			}
			rec := ev.OriginalEvent()
			if rec == nil {
				continue
			}
			e, err := s.names.recorded(rec)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
	})
	if err != nil {
		return nil, s.portError(ctx, "read "+stream, err)
	}
	s.tops.sawRead(out)
	return out, nil
}

// readAllRaw reads up to count events of $all from `from` in direction dir, the server's own
// included.
func (s *Store) readAllRaw(ctx context.Context, dir esdb.Direction, from esdb.AllPosition, count uint64) ([]*esdb.RecordedEvent, error) {
	var out []*esdb.RecordedEvent
	err := s.call(ctx, "read $all", s.opts.Retries, func(ctx context.Context, c *esdb.Client) error {
		out = out[:0]
		rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{Direction: dir, From: from}, count)
		if err != nil {
			return err
		}
		defer rs.Close()
		for {
			ev, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if rec := ev.OriginalEvent(); rec != nil {
				out = append(out, rec)
			}
		}
	})
	return out, err
}

// ReadAll implements eventstore.Store: the events of $all after `after`, the server's own left
// out. The server reads $all only from an event's position (or the start), including that event,
// so the read starts at after itself and skips the event there: after is, nearly always, a
// position the store returned (a page's last event, a checkpoint). The one other position callers
// pass is one less than an event's, what "from position P on" comes to through the port's "after";
// the server cannot read from there (see readAllResult) and the read starts at after+1 instead, the
// event at P. That costs one refused read, which the server logs: the port has no way to say
// "from P" (a read of P inclusive). When the store has itself read, received or written an event
// at P lately (seen), it reads from P straight away. Any other position is refused with
// eventstore.ErrInvalidPosition, unless it lies beyond the head (nothing to read).
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if after >= maxPosition {
		return nil, nil
	}
	read := func(start eventstore.Position) pageReader {
		return func(from eventstore.Position, count uint64) ([]*esdb.RecordedEvent, error) {
			if from == after {
				from = start
			}
			return s.readAllRaw(ctx, esdb.Forwards, allAfter(from), count)
		}
	}
	start, other := after, after+1
	if after > 0 && s.seen.has(after+1) {
		// "From an event's position on", an event this store has seen.
		start, other = after+1, after
	}
	out, err := readAllPages(s.names, after, limit, read(start))
	if err != nil && after > 0 && after+1 < maxPosition && classify(err) == failBadPosition && ctx.Err() == nil {
		// Not an event's position: perhaps the one just before an event's (or, the log being
		// another since the store saw an event at after+1, an event's after all).
		out, err = readAllPages(s.names, after, limit, read(other))
	}
	if err != nil {
		if classify(err) == failBadPosition && ctx.Err() == nil {
			return s.readAfterEnd(ctx, after, err)
		}
		return nil, s.portError(ctx, "read $all", err)
	}
	s.seen.addAll(out)
	return out, nil
}

// pageReader reads up to count events of $all forwards from position from (0: the start), the
// server's own included.
type pageReader func(from eventstore.Position, count uint64) ([]*esdb.RecordedEvent, error)

// readAllPages is ReadAll's paging: up to limit (<= 0: no limit) events after `after`, leaving out
// those that are not the ledger's (n.own). A read that starts at an event's position includes that
// event, so it asks for one more than it needs; without that, a page of one would never get past
// its start. A page asks for no more than limit needs until a page holds events that are not the
// ledger's; from then on every page is a full one, so that the requests grow with the events
// passed over divided by readPage, not by limit (the v4 client's ReadAll takes no filter, so the
// server cannot leave them out).
func readAllPages(n names, after eventstore.Position, limit int, read pageReader) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	from := after
	foreign := false
	for {
		count := uint64(readPage)
		if limit > 0 && !foreign {
			count = min(count, uint64(limit-len(out)))
		}
		if from > 0 {
			count++
		}
		raw, err := read(from, count)
		if err != nil {
			return nil, err
		}
		for _, rec := range raw {
			if rec.Position.Commit <= from {
				continue // the event at `from` itself
			}
			if !n.own(rec) {
				foreign = true
				continue
			}
			if limit > 0 && len(out) >= limit {
				break
			}
			e, err := n.recorded(rec)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if uint64(len(raw)) < count || (limit > 0 && len(out) >= limit) {
			return out, nil
		}
		next := raw[len(raw)-1].Position.Commit
		if next <= from {
			return nil, fmt.Errorf("esdbstore: reading $all forwards from position %d does not move on", from)
		}
		from = next
	}
}

// readAfterEnd answers a read of $all the server refused to start at after: nothing, if after is
// at or beyond the head; else the caller passed a position that is no event's.
func (s *Store) readAfterEnd(ctx context.Context, after eventstore.Position, cause error) ([]eventstore.RecordedEvent, error) {
	head, err := s.Head(ctx)
	if err != nil {
		return nil, err
	}
	if after >= head {
		return nil, nil
	}
	return nil, fmt.Errorf("%w: %s refuses to read $all after position %d, which is neither an event's position nor one less (read from 0 or from a position this store returned): %w",
		eventstore.ErrInvalidPosition, s.target, after, cause)
}

// Head implements eventstore.Store: the commit position of the newest event of $all that is not the
// server's own, found by reading $all backwards.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	head, err := newestOwn(s.names, func(from esdb.AllPosition, count uint64) ([]*esdb.RecordedEvent, error) {
		return s.readAllRaw(ctx, esdb.Backwards, from, count)
	})
	if err != nil {
		return 0, s.portError(ctx, "read $all backwards", err)
	}
	return head, nil
}

// newestOwn pages backwards through $all (read returns up to count events, newest first, from
// `from`) to the newest event that is the ledger's (n.own); 0 when there is none.
func newestOwn(n names, read func(from esdb.AllPosition, count uint64) ([]*esdb.RecordedEvent, error)) (eventstore.Position, error) {
	var from esdb.AllPosition = esdb.End{}
	lowest := uint64(math.MaxUint64)
	for page := uint64(headPage); ; page = min(2*page, readPage) {
		raw, err := read(from, page)
		if err != nil {
			return 0, err
		}
		progressed := false
		for _, rec := range raw {
			p := rec.Position.Commit
			if p >= lowest {
				continue // the event at `from`, if the server repeats it
			}
			lowest, progressed = p, true
			if n.own(rec) {
				return p, nil
			}
		}
		if uint64(len(raw)) < page {
			return 0, nil
		}
		if !progressed {
			return 0, fmt.Errorf("esdbstore: reading $all backwards from position %d does not move back", lowest)
		}
		from = esdb.Position{Commit: lowest, Prepare: lowest}
	}
}
