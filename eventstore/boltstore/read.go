package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"runtime/debug"

	bbolt "go.etcd.io/bbolt"

	"assurance-ledger/eventstore"
)

// ctxCheckEvery is how many records a long read decodes between looks at its context.
const ctxCheckEvery = 256

// view runs fn in a read-only transaction (with the buckets reads use: openReadBuckets), after
// checking ctx and that the store is open.
// A damaged page can make bbolt fault or panic; the read then fails with ErrCorrupt (bbolt rolls
// the transaction back) instead of ending the process.
func (s *Store) view(ctx context.Context, fn func(buckets) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed() {
		return eventstore.ErrClosed
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: store file %s is damaged: %v", eventstore.ErrCorrupt, s.path, r)
		}
	}()
	return closedErr(s.db.View(func(tx *bbolt.Tx) error {
		b, err := openReadBuckets(tx)
		if err != nil {
			return err
		}
		return fn(b)
	}))
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	err := s.view(ctx, func(b buckets) error {
		number, ok, err := b.streamNumber(stream)
		if err != nil || !ok {
			return err
		}
		prefix := u64(number)
		c := b.streams.Cursor()
		for k, v := c.Seek(streamKey(number, from)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if limit > 0 && len(out) >= limit {
				break
			}
			rec, err := loadIndexed(b, v, decodeRecord)
			if err != nil {
				return err
			}
			if rec.Stream != stream || len(k) != len(prefix)+8 || rec.Revision != binary.BigEndian.Uint64(k[len(prefix):]) {
				return &eventstore.CorruptError{Position: rec.Position, Reason: fmt.Sprintf("the streams index entry of stream %q (number %d) key %x points to a record of stream %q revision %d", stream, number, k, rec.Stream, rec.Revision)}
			}
			out = append(out, rec)
			if len(out)%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadAll implements eventstore.Store.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	out, err := s.readAll(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readAll is ReadAll that also returns, with an error, the events read before it: a subscription
// delivers everything up to a damaged record before reporting it.
func (s *Store) readAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	err := s.view(ctx, func(b buckets) error { return s.scanAll(ctx, b, after, limit, decodeRecord, &out) })
	return out, err
}

// scanAll appends to *out up to limit records after position after, read with read (decodeRecord to
// copy them out, parseRecord to leave their bytes in the map). Those read before a failure stay in
// *out, even one that panics (a fault in the map, which view turns into an error).
func (s *Store) scanAll(ctx context.Context, b buckets, after eventstore.Position, limit int,
	read func(eventstore.Position, []byte) (eventstore.RecordedEvent, error), out *[]eventstore.RecordedEvent) error {
	*out = (*out)[:0]
	if after == math.MaxUint64 {
		return nil
	}
	// Positions are dense, so the head says how many there are to read: sized once rather
	// than grown by copying (a catch-up reads batches of thousands). Only a hint: capped, in
	// case a limitless read asks for the whole log.
	if head := s.head.Load(); head > after {
		n := min(head-after, maxReadHint)
		if limit > 0 {
			n = min(n, uint64(limit))
		}
		if uint64(cap(*out)) < n {
			*out = make([]eventstore.RecordedEvent, 0, n)
		}
	}
	if after == 0 && s.head.Load() >= prefetchMinEvents && (limit <= 0 || limit >= prefetchMinLimit) {
		beforePrefetch()
		s.prefetch()
	}
	c := b.events.Cursor()
	for k, v := c.Seek(u64(after + 1)); k != nil; k, v = c.Next() {
		if limit > 0 && len(*out) >= limit {
			break
		}
		if len(k) != 8 {
			return fmt.Errorf("%w: an events key is %d bytes, not a position", eventstore.ErrCorrupt, len(k))
		}
		rec, err := read(binary.BigEndian.Uint64(k), v)
		if err != nil {
			return err
		}
		*out = append(*out, rec)
		if len(*out)%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// prefetchMinEvents is how long a log must be for a read of it from the start to have the file
// read ahead (prefetch): a variable for tests. prefetchMinLimit is the least a read must ask for:
// a look at the log's first few events (the ledger tree's, on resuming) needs no file read in.
var prefetchMinEvents uint64 = 1 << 16

const prefetchMinLimit = 1024

// beforePrefetch and closeWaited are for tests, which set them to order a read's prefetch against
// Close: called as a read is about to start one, and once Close has waited for those running.
var beforePrefetch, closeWaited = func() {}, func() {}

// maxReadHint caps the events readAll makes room for up front.
const maxReadHint = 1 << 16

// Head implements eventstore.Store.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if s.closed() {
		return 0, eventstore.ErrClosed
	}
	return s.head.Load(), nil
}

// loadIndexed returns the record at the position an index entry v holds, read with read
// (decodeRecord to copy it out, parseRecord to leave its bytes in the map).
func loadIndexed(b buckets, v []byte, read func(eventstore.Position, []byte) (eventstore.RecordedEvent, error)) (eventstore.RecordedEvent, error) {
	if len(v) != 8 {
		return eventstore.RecordedEvent{}, fmt.Errorf("%w: an index entry is %d bytes, not a position", eventstore.ErrCorrupt, len(v))
	}
	pos := binary.BigEndian.Uint64(v)
	rec := b.events.Get(v)
	if rec == nil {
		return eventstore.RecordedEvent{}, &eventstore.CorruptError{Position: pos, Reason: "indexed but not stored"}
	}
	return read(pos, rec)
}

// decodePosition reads a position key or index value; 0, which no event has, if it is malformed.
func decodePosition(v []byte) eventstore.Position {
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}
