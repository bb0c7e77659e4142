package boltstore

import (
	"context"
	"fmt"

	"assurance-ledger/eventstore"
)

// LendStreamEvent implements eventstore.Lender: fn is given the record as it lies in the memory
// map, inside the read transaction.
func (s *Store) LendStreamEvent(ctx context.Context, stream string, revision uint64, fn func(eventstore.RecordedEvent) error) (found bool, err error) {
	var (
		fnErr   error
		fnPanic *lentPanic
	)
	err = s.view(ctx, func(b buckets) error {
		number, ok, err := b.streamNumber(stream)
		if err != nil || !ok {
			return err
		}
		v := b.streams.Get(streamKey(number, revision))
		if v == nil {
			return nil
		}
		if len(v) != 8 {
			return fmt.Errorf("%w: an index entry is %d bytes, not a position", eventstore.ErrCorrupt, len(v))
		}
		pos := decodePosition(v)
		stored := b.events.Get(v)
		if stored == nil {
			return &eventstore.CorruptError{Position: pos, Reason: "indexed but not stored"}
		}
		rec, err := parseRecord(pos, stored)
		if err != nil {
			return err
		}
		if rec.Stream != stream || rec.Revision != revision {
			return &eventstore.CorruptError{Position: pos, Reason: fmt.Sprintf("the streams index entry of stream %q revision %d points to a record of stream %q revision %d", stream, revision, rec.Stream, rec.Revision)}
		}
		found = true
		fnPanic, fnErr = callLent(fn, rec)
		return nil
	})
	if fnPanic != nil {
		panic(fnPanic.value) // fn's own, not the store's: view reports panics as a damaged file
	}
	if err != nil {
		return false, err
	}
	return found, fnErr
}

// LendAll implements eventstore.Lender: the records are parsed where they lie in the memory map,
// and fn runs inside the read transaction.
func (s *Store) LendAll(ctx context.Context, after eventstore.Position, limit int, fn func([]eventstore.RecordedEvent) error) (n int, err error) {
	var (
		fnErr   error
		fnPanic *lentPanic
	)
	err = s.view(ctx, func(b buckets) error {
		var recs []eventstore.RecordedEvent
		if err := s.scanAll(ctx, b, after, limit, parseRecord, &recs); err != nil || len(recs) == 0 {
			return err
		}
		n = len(recs)
		fnPanic, fnErr = callLent(func(eventstore.RecordedEvent) error { return fn(recs) }, eventstore.RecordedEvent{})
		return nil
	})
	if fnPanic != nil {
		panic(fnPanic.value)
	}
	if err != nil {
		return 0, err
	}
	return n, fnErr
}

// lentPanic is a panic of a lending callback that did not come from reading the mapped file.
type lentPanic struct{ value any }

// callLent calls fn, catching a panic of its own so that the transaction ends and it can be raised
// again outside. A memory fault is left to propagate: view runs with SetPanicOnFault, under which
// reading the map where the file is damaged or truncated panics with a value that has Addr (an
// ordinary nil dereference has not), and view reports that as a damaged file.
func callLent(fn func(eventstore.RecordedEvent) error, rec eventstore.RecordedEvent) (p *lentPanic, err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); fault {
				panic(r)
			}
			p = &lentPanic{r}
		}
	}()
	return nil, fn(rec)
}
