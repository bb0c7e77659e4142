package boltstore

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"assurance-ledger/eventstore"
)

// LendStreamEvent implements eventstore.Lender: fn is given the record as it lies in the memory
// map, inside the read transaction.
func (s *Store) LendStreamEvent(ctx context.Context, stream string, revision uint64, fn func(eventstore.RecordedEvent) error) (found bool, err error) {
	return s.lend(ctx, func(b buckets) (func() error, error) {
		number, ok, err := b.streamNumber(stream)
		if err != nil || !ok {
			return nil, err
		}
		v := b.streams.Get(streamKey(number, revision))
		if v == nil {
			return nil, nil
		}
		rec, err := loadIndexed(b, v, parseRecord)
		if err != nil {
			return nil, err
		}
		if rec.Stream != stream || rec.Revision != revision {
			return nil, &eventstore.CorruptError{Position: rec.Position, Reason: fmt.Sprintf("the streams index entry of stream %q revision %d points to a record of stream %q revision %d", stream, revision, rec.Stream, rec.Revision)}
		}
		return func() error { return fn(rec) }, nil
	})
}

// LendAll implements eventstore.Lender: the records are parsed where they lie in the memory map,
// into a slice the store keeps for the next call, and fn runs inside the read transaction.
func (s *Store) LendAll(ctx context.Context, after eventstore.Position, limit int, fn func([]eventstore.RecordedEvent) error) (n int, err error) {
	buf := lendBatches.Get().(*[]eventstore.RecordedEvent)
	defer func() {
		clear(*buf) // nothing kept of the map, nor of the caller's strings
		*buf = (*buf)[:0]
		lendBatches.Put(buf)
	}()
	_, err = s.lend(ctx, func(b buckets) (func() error, error) {
		if err := s.scanAll(ctx, b, after, limit, parseRecord, buf); err != nil || len(*buf) == 0 {
			return nil, err
		}
		n = len(*buf)
		return func() error { return fn(*buf) }, nil
	})
	return n, err
}

// lendBatches holds LendAll's slices between calls: the slice is lent with the records (fn keeps
// no part of it), so a catch-up of a million events reads them into a handful of slices instead
// of allocating one for each batch (a tenth of what a replay allocated).
var lendBatches = sync.Pool{New: func() any { return new([]eventstore.RecordedEvent) }}

// lend runs find in a read transaction and then, still inside it, the call find returns (nil when
// there is nothing to lend), and reports whether it made the call. The call's error is returned as
// it is, and its own panic is raised again once the transaction has ended: view would report it as
// a damaged file.
func (s *Store) lend(ctx context.Context, find func(buckets) (call func() error, err error)) (called bool, err error) {
	var (
		callErr   error
		callPanic *lentPanic
	)
	err = s.view(ctx, func(b buckets) error {
		call, err := find(b)
		if err != nil || call == nil {
			return err
		}
		called = true
		callPanic, callErr = callLent(call)
		return nil
	})
	if callPanic != nil {
		panic(callPanic.value)
	}
	if err != nil {
		return false, err
	}
	return called, callErr
}

// lentPanic is a panic of a lending callback that did not come from reading the mapped file.
type lentPanic struct{ value any }

// callLent calls call, catching a panic of its own so that the transaction ends and it can be raised
// again outside. A memory fault is left to propagate: view runs with SetPanicOnFault, under which
// reading the map where the file is damaged or truncated panics with a value that has Addr (an
// ordinary nil dereference has not), and view reports that as a damaged file.
func callLent(call func() error) (p *lentPanic, err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); fault {
				panic(r)
			}
			p = &lentPanic{r}
		}
	}()
	return nil, call()
}

// Spread implements eventstore.Lender. Each goroutine reads the map with SetPanicOnFault, as view
// does on its own, so that a fault where the file is damaged or truncated under the reader ends
// that goroutine's work with ErrCorrupt, naming the record it was reading, instead of the process.
func (s *Store) Spread(recs []eventstore.RecordedEvent, workers int, work func(i int)) error {
	workers = max(1, min(workers, len(recs)))
	var (
		wg      sync.WaitGroup
		faulted atomic.Pointer[error]
	)
	for w := range workers {
		wg.Go(func() {
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			i := w
			defer func() {
				if r := recover(); r != nil {
					f, ok := r.(interface{ Addr() uintptr })
					if !ok {
						panic(r)
					}
					err := fmt.Errorf("%w: reading the record at position %d faulted at address %#x: %v",
						eventstore.ErrCorrupt, recs[i].Position, f.Addr(), r)
					faulted.CompareAndSwap(nil, &err)
				}
			}()
			for ; i < len(recs); i += workers {
				work(i)
			}
		})
	}
	wg.Wait()
	if errp := faulted.Load(); errp != nil {
		return *errp
	}
	return nil
}
