package projections

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// catchUpBatch is how many events CatchUp reads at a time (a variable only so that tests can see
// many batches in a small log).
var catchUpBatch = 4096

// decodedBatch is a batch of the log with every event decoded.
type decodedBatch struct {
	recs    []eventstore.RecordedEvent
	decoded []decoded
	err     error
}

// decoded is one event ready to apply: its domain form and the aggregate of its stream, or why it
// is not one of ours.
type decoded struct {
	event   domain.Event
	agg     domain.Aggregate
	foreign bool
	err     error
}

// CatchUp applies every event already in the log and returns: the start of Run, and a one-off
// rebuild (ledger replay, benchmarks). Decoding the JSON of events is most of the work of a
// rebuild and needs nothing but the event, so batches are read and decoded on every core (readAhead),
// ahead of the one goroutine that applies them in log order.
func (p *Projector) CatchUp(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Each batch goes back to free once applied rather than to the collector (two slices of 4,096
	// events for every batch were a fifth of what a replay allocated). Four are in use at most: one
	// being applied, one waiting for it, one being decoded and one being read.
	free := make(chan *decodedBatch, 4)
	for range cap(free) {
		free <- new(decodedBatch)
	}
	batches := make(chan *decodedBatch, 1)
	go p.readAhead(ctx, p.Applied(), free, batches)
	for b := range batches {
		if b.err != nil {
			return b.err
		}
		for i, rec := range b.recs {
			if err := p.applyDecoded(rec, b.decoded[i]); err != nil {
				return p.fail(err)
			}
		}
		p.progress.Set(b.recs[len(b.recs)-1].Position) // waiters wake once a batch, not per event
		// Never blocks: only the batches taken from free come back to it.
		free <- b
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p.ready.Store(true)
	return nil
}

// readAhead reads the log after position after into batches from free, decoded, and sends them to
// batches in log order; it sends an error as a batch and stops at the first, and it stops once ctx
// is done. It closes batches when it stops.
//
// Two readers take turns. Reading a batch from the store (a scan that checks every record's
// checksum) is one goroutine's work, and decoding it is shared by every core; with one reader the
// cores that decode waited for each scan, about a tenth of a replay. Each reader passes the next
// batch's start to the other as soon as its scan ends and before it decodes, and passes the turn to
// send once it has sent, so that the scan of one batch runs beside the decoding of the one before,
// and batches still go out in order.
func (p *Projector) readAhead(ctx context.Context, after eventstore.Position, free <-chan *decodedBatch, batches chan<- *decodedBatch) {
	defer close(batches)
	ctx, stop := context.WithCancel(ctx) // the reader that sends last stops the other
	defer stop()
	var (
		scanFrom [2]chan eventstore.Position // a reader's turn to read, and from where
		sendTurn [2]chan struct{}            // a reader's turn to send
	)
	for k := range 2 {
		scanFrom[k], sendTurn[k] = make(chan eventstore.Position, 1), make(chan struct{}, 1)
	}
	scanFrom[0] <- after
	sendTurn[0] <- struct{}{}
	var done sync.WaitGroup
	for k := range 2 {
		other := 1 - k
		done.Go(func() {
			for {
				var from eventstore.Position
				var b *decodedBatch
				select {
				case from = <-scanFrom[k]:
				case <-ctx.Done():
					return
				}
				select {
				case b = <-free:
				case <-ctx.Done():
					return
				}
				err := p.readDecoded(ctx, from, b, func(last eventstore.Position) { scanFrom[other] <- last })
				select {
				case <-sendTurn[k]:
				case <-ctx.Done():
					return
				}
				last := err != nil || len(b.recs) == 0
				if err != nil {
					b = &decodedBatch{err: err}
				}
				if len(b.recs) > 0 || b.err != nil {
					select {
					case batches <- b:
					case <-ctx.Done():
						return
					}
				}
				if last {
					stop()
					return
				}
				sendTurn[other] <- struct{}{}
			}
		})
	}
	done.Wait()
}

// readDecoded reads and decodes the batch of the log after position after into b, reusing its
// slices, and calls scanned with the batch's last position once it is read, before it is decoded
// (not at all if there is nothing to read). Where the store lends its bytes (eventstore.Lender),
// they are decoded where they lie, on every core through the store's Spread, which saves copying
// every record out (a third of what a replay allocated); the batch keeps its own copy of each
// record's other fields, without Data and Metadata, which decoding keeps nothing of.
func (p *Projector) readDecoded(ctx context.Context, after eventstore.Position, b *decodedBatch, scanned func(last eventstore.Position)) error {
	b.recs, b.err = b.recs[:0], nil
	l, ok := p.store.(eventstore.Lender)
	if !ok {
		recs, err := p.store.ReadAll(ctx, after, catchUpBatch)
		if err != nil || len(recs) == 0 {
			return err
		}
		scanned(recs[len(recs)-1].Position)
		b.recs = recs
		return decodeAll(recs, b, inParallel)
	}
	_, err := l.LendAll(ctx, after, catchUpBatch, func(recs []eventstore.RecordedEvent) error {
		scanned(recs[len(recs)-1].Position)
		err := decodeAll(recs, b, l.Spread)
		b.recs = append(b.recs, recs...) // the store's slice is lent too: the batch keeps a copy
		for i := range b.recs {
			b.recs[i].Data, b.recs[i].Metadata = nil, nil
		}
		return err
	})
	return err
}

// decodeAll decodes recs into b on as many goroutines as there are cores, through spread.
func decodeAll(recs []eventstore.RecordedEvent, b *decodedBatch, spread func([]eventstore.RecordedEvent, int, func(int)) error) error {
	b.decoded = slices.Grow(b.decoded[:0], len(recs))[:len(recs)]
	out := b.decoded
	workers := min(runtime.GOMAXPROCS(0), max(1, len(recs)/64))
	return spread(recs, workers, func(i int) { out[i] = decode(recs[i]) })
}

// inParallel is Spread for records that are the caller's own (read, not lent): nothing can fault.
func inParallel(recs []eventstore.RecordedEvent, workers int, work func(i int)) error {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(recs); i += workers {
				work(i)
			}
		})
	}
	wg.Wait()
	return nil
}

func decode(rec eventstore.RecordedEvent) decoded {
	agg, _, ours := domain.ParseStream(rec.Stream)
	if !ours {
		return decoded{foreign: true}
	}
	// The plans keep no content (applyLocked forgets it), so content is only hashed; nor any of
	// their events' metadata but the event id, actor and time. The registry's and the returns'
	// events are kept whole (registryLog, returnLog), with all their metadata.
	decodeEnvelope := eventcodec.DecodeEnvelopeDigest
	if agg == domain.AggregatePlan {
		decodeEnvelope = eventcodec.DecodeEnvelopeFold
	}
	e, err := decodeEnvelope(rec.Type, rec.Data, rec.Metadata)
	if err == nil {
		if spec, _ := domain.Spec(rec.Type); spec.Aggregate != agg {
			err = fmt.Errorf("a %s event in a %s stream", spec.Aggregate, agg)
		}
	}
	if err != nil {
		err = fmt.Errorf("projections: position %d (%s revision %d): %w", rec.Position, rec.Stream, rec.Revision, err)
	}
	return decoded{event: e, agg: agg, err: err}
}
