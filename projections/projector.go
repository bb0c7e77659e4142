package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
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

	progress *progress
	ready    atomic.Bool
	failed   atomic.Pointer[error]

	mu       sync.RWMutex
	registry *domain.Registry
	shaSince map[string]eventstore.Position // when each SHA was registered
	plans    map[string]*planView           // by plan id
	order    []*planView                    // in submission order
	signers  map[string][]*planView         // ods code -> plans it has signed, in first-signature order
	timeline timeline
	events   int
	skipped  int
}

// New returns a projector over store. Call Run to feed it.
func New(store eventstore.Store, log *slog.Logger) *Projector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Projector{
		store:    store,
		log:      log,
		progress: newProgress(),
		registry: domain.NewRegistry(),
		shaSince: map[string]eventstore.Position{},
		plans:    map[string]*planView{},
		signers:  map[string][]*planView{},
	}
}

// Run subscribes to the log from its beginning and applies every event until ctx ends or an event
// cannot be folded. Readiness is reached once the head found at start has been applied.
func (p *Projector) Run(ctx context.Context) error {
	head, err := p.store.Head(ctx)
	if err != nil {
		return p.fail(fmt.Errorf("projections: reading the log head: %w", err))
	}
	if head == 0 {
		p.ready.Store(true)
	}
	for rec, err := range p.store.Subscribe(ctx, 0) {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return p.fail(fmt.Errorf("projections: subscription: %w", err))
		}
		if err := p.apply(rec); err != nil {
			return p.fail(err)
		}
		if !p.ready.Load() && rec.Position >= head {
			p.ready.Store(true)
			p.log.Info("projections caught up", "position", rec.Position, "events", p.Events())
		}
	}
	return ctx.Err()
}

// CatchUp applies every event already in the log and returns: a one-off rebuild (ledger replay,
// benchmarks) without a live subscription.
func (p *Projector) CatchUp(ctx context.Context) error {
	after := p.Applied()
	for {
		events, err := p.store.ReadAll(ctx, after, 4096)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			p.ready.Store(true)
			return nil
		}
		for _, rec := range events {
			if err := p.apply(rec); err != nil {
				return p.fail(err)
			}
		}
		after = events[len(events)-1].Position
	}
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
func (p *Projector) Applied() eventstore.Position { return p.progress.get() }

// WaitFor blocks until the event at pos has been applied, ctx ends, or the projections fail.
func (p *Projector) WaitFor(ctx context.Context, pos eventstore.Position) error {
	if e := p.failed.Load(); e != nil {
		return *e
	}
	return p.progress.waitFor(ctx, pos)
}

// Events returns how many events have been applied and how many were skipped as foreign.
func (p *Projector) Events() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.events
}

func (p *Projector) apply(rec eventstore.RecordedEvent) error {
	isPlan := strings.HasPrefix(rec.Stream, planPrefix)
	if rec.Stream != registryStream && !isPlan {
		p.mu.Lock()
		p.skipped++
		p.mu.Unlock()
		p.progress.set(rec.Position)
		return nil
	}
	e, err := domain.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
	if err != nil {
		return fmt.Errorf("projections: position %d (%s revision %d): %w", rec.Position, rec.Stream, rec.Revision, err)
	}
	p.mu.Lock()
	err = p.applyLocked(rec, e, isPlan)
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("projections: position %d (%s revision %d, %s): %w", rec.Position, rec.Stream, rec.Revision, rec.Type, err)
	}
	p.progress.set(rec.Position)
	return nil
}

func (p *Projector) applyLocked(rec eventstore.RecordedEvent, e domain.Event, isPlan bool) error {
	p.events++
	p.timeline.add(rec.Position, e.Meta.RecordedAt)
	if !isPlan {
		if err := p.registry.Apply(e); err != nil {
			return err
		}
		if o, ok := e.Data.(domain.OrganisationRegistered); ok && o.Kind == domain.KindSHA {
			p.shaSince[o.ODSCode] = rec.Position
		}
		return nil
	}
	id := strings.TrimPrefix(rec.Stream, planPrefix)
	v := p.plans[id]
	if v == nil {
		v = &planView{id: id, plan: domain.NewPlan()}
		p.plans[id] = v
		p.order = append(p.order, v)
	}
	if err := v.plan.Apply(e); err != nil {
		return err
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
	return nil
}
