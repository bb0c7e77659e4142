package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/internal/progress"
)

// Streams the projector understands; anything else in the log (another application's streams in a
// shared EventStoreDB, say) is counted and skipped.
const (
	registryStream = "registry"
	planPrefix     = "plan-"
)

// ErrNotReady is returned while the initial catch-up has not reached the log's head.
var ErrNotReady = errors.New("projections are still catching up with the log")

// Projector folds the global log into every read model. Run feeds it; queries may run concurrently.
type Projector struct {
	store eventstore.Store
	log   *slog.Logger

	progress *progress.Tracker
	ready    atomic.Bool
	failed   atomic.Pointer[error]

	contents *lru.Cache[contentKey, domain.Content] // recently read versions' content, for Plan

	snapshotSize atomic.Int64                 // bytes of the last snapshot written or restored: the next one's buffer
	saved        atomic.Pointer[snapshotMark] // where the last snapshot saved or restored stands; nil: none

	mu       sync.RWMutex
	registry *domain.Registry
	// registryLog is every registry event applied, for the registry as of a position; elements
	// once appended are never changed, so a reader may keep the slice it saw under mu.
	registryLog []positioned
	shaSince    map[string]eventstore.Position // when each SHA was registered
	plans       map[string]*planView           // by plan id
	order       []*planView                    // in submission order
	aggs        aggregates                     // the current report's sums, kept as events are applied
	signers     map[string][]*planView         // ods code -> plans it has signed, in first-signature order
	timeline    timeline
	events      int
	skipped     int
	// appliedPos is the last position applied, moved under mu (progress moves just after), so that
	// a reader holding mu knows whether aggs is exactly the state at a position.
	appliedPos eventstore.Position
	appliedID  uuid.UUID // the event at appliedPos, which a snapshot names to be checked against the log
}

// positioned is an event with where it stands in the log.
type positioned struct {
	position eventstore.Position
	event    domain.Event
}

// New returns a projector over store. Call Run to feed it.
func New(store eventstore.Store, log *slog.Logger) *Projector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	contents, _ := lru.New[contentKey, domain.Content](contentCacheSize) // only fails for a size <= 0
	return &Projector{
		store:    store,
		log:      log,
		contents: contents,
		progress: progress.New(),
		registry: domain.NewRegistry(),
		shaSince: map[string]eventstore.Position{},
		plans:    map[string]*planView{},
		signers:  map[string][]*planView{},
		aggs:     newAggregates(),
	}
}

// Run catches up with the log (CatchUp), then subscribes to it and applies every new event until
// ctx ends or an event cannot be folded. Readiness is reached once the head found at start has been
// applied.
func (p *Projector) Run(ctx context.Context) error {
	head, err := p.store.Head(ctx)
	if err != nil {
		return p.fail(fmt.Errorf("projections: reading the log head: %w", err))
	}
	if err := p.CatchUp(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if p.failed.Load() != nil {
			return err // already recorded by CatchUp
		}
		return p.fail(fmt.Errorf("projections: catching up: %w", err))
	}
	p.log.Info("projections caught up", "position", p.Applied(), "head_at_start", head, "events", p.Events())
	for rec, err := range p.store.Subscribe(ctx, p.Applied()) {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return p.fail(fmt.Errorf("projections: subscription: %w", err))
		}
		if err := p.apply(rec); err != nil {
			return p.fail(err)
		}
	}
	return ctx.Err()
}

// catchUpBatch is how many events CatchUp reads at a time; one batch is decoded while the one
// before it is applied.
const catchUpBatch = 4096

// decodedBatch is a batch of the log with every event decoded.
type decodedBatch struct {
	recs    []eventstore.RecordedEvent
	decoded []decoded
	err     error
}

// decoded is one event ready to apply: its domain form, or why it is not one of ours.
type decoded struct {
	event   domain.Event
	isPlan  bool
	foreign bool
	err     error
}

// CatchUp applies every event already in the log and returns: the start of Run, and a one-off
// rebuild (ledger replay, benchmarks). Decoding the JSON of events is most of the work of a
// rebuild and needs nothing but the event, so batches are decoded on every core, ahead of the
// one goroutine that applies them in log order.
func (p *Projector) CatchUp(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *decodedBatch, 1)
	// A batch is read and decoded while the one before waits in the channel and the one before that
	// is applied: three are enough, and each goes back to free once applied rather than to the
	// collector (two slices of 4,096 events for every batch were a fifth of what a replay allocated).
	free := make(chan *decodedBatch, 3)
	for range cap(free) {
		free <- new(decodedBatch)
	}
	go func() {
		defer close(batches)
		after := p.Applied()
		for {
			var b *decodedBatch
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			err := p.readDecoded(ctx, after, b)
			if err != nil || len(b.recs) == 0 {
				if err != nil {
					select {
					case batches <- &decodedBatch{err: err}:
					case <-ctx.Done():
					}
				}
				return
			}
			after = b.recs[len(b.recs)-1].Position
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
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

// readDecoded reads and decodes the batch of the log after position after into b, reusing its
// slices. Where the store lends its bytes (eventstore.Lender), they are decoded where they lie,
// which saves copying every record out (a third of what a replay allocated); the batch keeps its
// own copy of each record's other fields, without Data and Metadata, which decoding keeps nothing
// of.
func (p *Projector) readDecoded(ctx context.Context, after eventstore.Position, b *decodedBatch) error {
	l, ok := p.store.(eventstore.Lender)
	if !ok {
		recs, err := p.store.ReadAll(ctx, after, catchUpBatch)
		if err != nil || len(recs) == 0 {
			b.recs = b.recs[:0]
			return err
		}
		b.recs = recs
		return decodeAll(recs, b)
	}
	b.recs = b.recs[:0]
	_, err := l.LendAll(ctx, after, catchUpBatch, func(recs []eventstore.RecordedEvent) error {
		err := decodeAll(recs, b)
		b.recs = append(b.recs, recs...)
		clear(recs) // the store's slice: the batch's copy is its own
		for i := range b.recs {
			b.recs[i].Data, b.recs[i].Metadata = nil, nil
		}
		return err
	})
	return err
}

// decodeAll decodes recs on as many goroutines as there are cores. recs may be lent from the
// store's memory map, where reading a damaged or truncated file faults: each worker turns such a
// fault into ErrCorrupt, as the store does on its own goroutine (eventstore.Lender), rather than
// let it end the process.
func decodeAll(recs []eventstore.RecordedEvent, b *decodedBatch) error {
	b.decoded = slices.Grow(b.decoded[:0], len(recs))[:len(recs)]
	out := b.decoded
	workers := min(runtime.GOMAXPROCS(0), max(1, len(recs)/64))
	var (
		wg      sync.WaitGroup
		faulted atomic.Pointer[error]
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
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
				out[i] = decode(recs[i])
			}
		}()
	}
	wg.Wait()
	if errp := faulted.Load(); errp != nil {
		return *errp
	}
	return nil
}

func decode(rec eventstore.RecordedEvent) decoded {
	isPlan := strings.HasPrefix(rec.Stream, planPrefix)
	if rec.Stream != registryStream && !isPlan {
		return decoded{foreign: true}
	}
	// The plans keep no content (applyLocked forgets it), so content is only hashed; nor any of
	// their events' metadata but the event id, actor and time. The registry's events are kept
	// whole (registryLog), with all their metadata.
	decodeEnvelope := domain.DecodeEnvelopeDigest
	if isPlan {
		decodeEnvelope = domain.DecodeEnvelopeFold
	}
	e, err := decodeEnvelope(rec.Type, rec.Data, rec.Metadata)
	if err != nil {
		err = fmt.Errorf("projections: position %d (%s revision %d): %w", rec.Position, rec.Stream, rec.Revision, err)
	}
	return decoded{event: e, isPlan: isPlan, err: err}
}

func (p *Projector) fail(err error) error {
	p.failed.Store(&err)
	p.log.Error("projections stopped", "error", err.Error())
	return err
}

// Ready returns nil once the projections reflect the log as it was at start, and keeps returning the
// error that stopped them, if any.
func (p *Projector) Ready() error {
	if e := p.failed.Load(); e != nil {
		return *e
	}
	if !p.ready.Load() {
		return ErrNotReady
	}
	return nil
}

// Applied is the position of the last event applied.
func (p *Projector) Applied() eventstore.Position { return p.progress.Get() }

// WaitFor blocks until the event at pos has been applied, ctx ends, or the projections fail.
func (p *Projector) WaitFor(ctx context.Context, pos eventstore.Position) error {
	if e := p.failed.Load(); e != nil {
		return *e
	}
	return p.progress.WaitFor(ctx, pos, nil)
}

// Events returns how many events have been applied and how many were skipped as foreign.
func (p *Projector) Events() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.events
}

func (p *Projector) apply(rec eventstore.RecordedEvent) error {
	if err := p.applyDecoded(rec, decode(rec)); err != nil {
		return err
	}
	p.progress.Set(rec.Position)
	return nil
}

// applyDecoded folds one decoded event into the read models; the caller then moves progress.
func (p *Projector) applyDecoded(rec eventstore.RecordedEvent, d decoded) error {
	if d.err != nil {
		return d.err
	}
	if d.foreign {
		p.mu.Lock()
		p.skipped++
		p.appliedPos, p.appliedID = rec.Position, rec.ID
		p.mu.Unlock()
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.applyLocked(rec, d.event, d.isPlan); err != nil {
		err = fmt.Errorf("projections: position %d (%s revision %d, %s): %w", rec.Position, rec.Stream, rec.Revision, rec.Type, err)
		// Marked failed before mu is let go: the event may be folded in part, and a snapshot, which
		// looks under mu, must never take that state for the log's.
		p.failed.Store(&err)
		return err
	}
	return nil
}

func (p *Projector) applyLocked(rec eventstore.RecordedEvent, e domain.Event, isPlan bool) error {
	p.events++
	p.appliedPos, p.appliedID = rec.Position, rec.ID
	p.timeline.add(rec.Position, e.Meta.RecordedAt)
	if !isPlan {
		return p.applyRegistryLocked(rec.Position, e)
	}
	id := strings.TrimPrefix(rec.Stream, planPrefix)
	v := p.plans[id]
	if v == nil {
		v = &planView{seq: len(p.order), id: id, plan: domain.NewPlan()}
		p.plans[id] = v
		p.order = append(p.order, v)
	}
	if err := v.plan.Apply(e); err != nil {
		return err
	}
	switch e.Data.(type) {
	case domain.PlanSubmitted, domain.PlanRevised:
		v.plan.ForgetContent()
		v.contentRevision = rec.Revision
	}
	if v.sha == "" {
		if lhc, ok := p.registry.LHC(v.plan.LHCID()); ok {
			v.sha, v.lead = lhc.SHACode, lhc.LeadPCT
		}
	}
	if s, ok := e.Data.(domain.SROSignedOff); ok && !v.signedBy(s.ODSCode) {
		p.signers[s.ODSCode] = append(p.signers[s.ODSCode], v)
	}
	v.revision, v.position = rec.Revision, rec.Position
	v.record(rec.Position, e)
	now := contribution{counted: true, key: aggKey{v.sha, v.plan.Round()}, summary: v.history[len(v.history)-1]}
	p.aggs.replace(v.counted, now)
	v.counted = now
	return nil
}

// applyRegistryLocked folds a registry event into the registry and what is kept beside it: the
// event itself, for the registry as of a position, and when each SHA was registered.
func (p *Projector) applyRegistryLocked(pos eventstore.Position, e domain.Event) error {
	if err := p.registry.Apply(e); err != nil {
		return err
	}
	p.registryLog = append(p.registryLog, positioned{pos, e})
	if o, ok := e.Data.(domain.OrganisationRegistered); ok && o.Kind == domain.KindSHA {
		p.shaSince[o.ODSCode] = pos
	}
	return nil
}
