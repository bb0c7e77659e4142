package boltstore

import (
	"context"
	"fmt"

	"assurance-ledger/eventstore"
)

// Part is one append of AppendSequence: events for one stream, with the revision expected.
type Part struct {
	Stream   string
	Expected eventstore.ExpectedRevision
	Events   []eventstore.Event
}

// SequenceError is AppendSequence's refusal of one part: the parts before it are written.
type SequenceError struct {
	Part    int // index of the refused part
	Written int // parts written before it
	Err     error
}

func (e *SequenceError) Error() string {
	return fmt.Sprintf("boltstore: part %d of the sequence refused (%d written before it): %v", e.Part, e.Written, e.Err)
}

func (e *SequenceError) Unwrap() error { return e.Err }

// AppendSequence appends each part in order in one transaction, durable (one fsync) before it
// returns: the global log then holds the parts' events in exactly this order, at the positions
// after the store's head. A copy of another log in that log's order (ledger audit's mirror) is
// written a page at a time this way, where Append would commit once for every run of events of
// one stream.
//
// A part that is refused (the expected revision not met, an event id already stored elsewhere)
// stops the sequence: the parts before it are written and the rest are not, and the error is a
// *SequenceError naming it. A part that repeats an append already stored (the same ids at the same
// revisions) writes nothing and counts as written, as Append's retry does.
func (s *Store) AppendSequence(ctx context.Context, parts []Part) (eventstore.AppendResult, error) {
	if len(parts) == 0 {
		return eventstore.AppendResult{}, fmt.Errorf("%w: an empty sequence", eventstore.ErrInvalidAppend)
	}
	req := &appendRequest{ctx: ctx, reply: make(chan appendReply, 1), parts: make([]*appendRequest, len(parts))}
	for i, p := range parts {
		if err := eventstore.ValidateAppend(p.Stream, p.Expected, p.Events); err != nil {
			return eventstore.AppendResult{}, &SequenceError{Part: i, Err: err}
		}
		part := &appendRequest{ctx: ctx, stream: p.Stream, expected: p.Expected, events: p.Events}
		for j, e := range p.Events {
			n := recordLen(p.Stream, e)
			if n > maxRecord {
				return eventstore.AppendResult{}, &SequenceError{Part: i, Err: fmt.Errorf("%w: event %d needs %d bytes, more than the %d a record may hold", eventstore.ErrInvalidAppend, j, n, maxRecord)}
			}
			part.size += n
		}
		req.parts[i] = part
		req.size += part.size
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, err
	}
	select {
	case s.reqs <- req:
	case <-s.closing:
		return eventstore.AppendResult{}, eventstore.ErrClosed
	case <-ctx.Done():
		return eventstore.AppendResult{}, ctx.Err()
	}
	s.stats.appendsRequested.Add(1)
	r := <-req.reply // as Append: the request may be in a committing batch
	return r.res, r.err
}

// sequence applies the parts of one AppendSequence, stopping at the first refused. Its result is
// that of the last part written.
func (w *batchWriter) sequence(parts []*appendRequest) appendReply {
	var out appendReply
	for i, p := range parts {
		res, err := w.append(p)
		if w.err != nil {
			return out
		}
		if err != nil {
			out.err = &SequenceError{Part: i, Written: i, Err: err}
			return out
		}
		out.res, out.n = res, i+1
	}
	return out
}
