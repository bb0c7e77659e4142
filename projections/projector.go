package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/internal/progress"
)

// ErrNotReady is returned while the initial catch-up has not reached the log's head.
var ErrNotReady = errors.New("projections are still catching up with the log")

// Projector folds the global log into every read model. Run feeds it; queries may run concurrently.
type Projector struct {
	store eventstore.Store
	log   *slog.Logger
	// now is the clock current answers measure lateness by (SetClock); "as of" answers use the
	// as-of time instead.
	now func() time.Time

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
	// registryMemo is the registry as of the last position asked for, folded from registryLog.
	registryMemo registryMemo
	shaSince     map[string]eventstore.Position // when each SHA was registered
	// returns are the SHAs' returns, by return id (domain.ReturnID), and returnLog every return
	// event applied, for the returns as of a position: few, and refolded from the log on restore.
	returns   map[string]*domain.SHAReturn
	returnLog []positioned
	plans     map[string]*planView   // by plan id
	order     []*planView            // in submission order
	aggs      aggregates             // the current report's sums, kept as events are applied
	signers   map[string][]*planView // ods code -> plans it has signed, in first-signature order
	timeline  timeline
	events    int
	skipped   int
	// appliedPos is the last position applied, moved under mu (progress moves just after), so that
	// a reader holding mu knows whether aggs is exactly the state at a position.
	appliedPos eventstore.Position
	appliedID  uuid.UUID // the event at appliedPos, which a snapshot names to be checked against the log
}

// positioned is an event with where it stands in the log (and, for a return's, its stream's id).
type positioned struct {
	position eventstore.Position
	event    domain.Event
	id       string
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
		now:      time.Now,
		contents: contents,
		progress: progress.New(),
		registry: domain.NewRegistry(),
		shaSince: map[string]eventstore.Position{},
		returns:  map[string]*domain.SHAReturn{},
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
	if err := p.applyLocked(rec, d.event, d.agg); err != nil {
		err = fmt.Errorf("projections: position %d (%s revision %d, %s): %w", rec.Position, rec.Stream, rec.Revision, rec.Type, err)
		// Marked failed before mu is let go: the event may be folded in part, and a snapshot, which
		// looks under mu, must never take that state for the log's.
		p.failed.Store(&err)
		return err
	}
	return nil
}

func (p *Projector) applyLocked(rec eventstore.RecordedEvent, e domain.Event, agg domain.Aggregate) error {
	p.events++
	p.appliedPos, p.appliedID = rec.Position, rec.ID
	p.timeline.add(rec.Position, e.Meta.RecordedAt)
	switch agg {
	case domain.AggregateRegistry:
		return p.applyRegistryLocked(rec.Position, e)
	case domain.AggregateReturn:
		_, id, _ := domain.ParseStream(rec.Stream)
		return p.applyReturnLocked(rec.Position, id, e)
	}
	_, id, _ := domain.ParseStream(rec.Stream)
	v := p.plans[id]
	if v == nil {
		v = &planView{seq: len(p.order), id: id, plan: domain.NewPlan()}
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
	if _, ok := e.Data.(domain.VersionEvent); ok {
		// Content is most of a plan's size: a query reads it from the log (Projector.Plan).
		v.plan.ForgetContent()
		v.contentRevision = rec.Revision
	}
	if also := planEffects[rec.Type]; also != nil {
		also(p, v, rec, e)
	}
	v.revision, v.position = rec.Revision, rec.Position
	v.record(rec.Position, e)
	now := contribution{counted: true, key: aggKey{v.sha, v.plan.Round()}, summary: v.history[len(v.history)-1],
		ind: indicatorsOf(v.plan, v.counted.ind)}
	p.aggs.replace(v.counted, now)
	p.aggs.moveIndicators(v, now) // sets v.counted
	return nil
}

// applyRegistryLocked folds a registry event into the registry and what is kept beside it: the
// event itself, for the registry as of a position, and when each SHA was registered.
func (p *Projector) applyRegistryLocked(pos eventstore.Position, e domain.Event) error {
	if err := p.registry.Apply(e); err != nil {
		return err
	}
	p.registryLog = append(p.registryLog, positioned{pos, e, ""})
	p.aggs.registryApplied(p.registry, e)
	if o, ok := e.Data.(domain.OrganisationRegistered); ok && o.Kind == domain.KindSHA {
		p.shaSince[o.ODSCode] = pos
	}
	return nil
}

// planEffects is what the projections do with each plan event besides folding it into its plan
// (domain.Plan.Apply) and its plan's history of summaries, which every plan event gets. Every
// registered plan event type has an entry, nil where there is nothing more to do:
// TestEveryEventTypeIsProjected names a type without one, so that a new type is a decision about
// the read models rather than an event they silently ignore.
var planEffects = map[string]func(p *Projector, v *planView, rec eventstore.RecordedEvent, e domain.Event){
	domain.TypePlanSubmitted:              nil,             // content is dropped for every version event, above
	domain.TypePlanRevised:                closeConditions, // the conditions of earlier versions are superseded
	domain.TypeContributionRecorded:       nil,
	domain.TypeSROSignedOff:               indexSigner,
	domain.TypeAssuranceRecorded:          openConditions,
	domain.TypeCfHAcknowledged:            nil,
	domain.TypePlanWithdrawn:              closeConditions,
	domain.TypeContributionDeclined:       nil, // member accounting is read from the plan's versions
	domain.TypeMemberExcused:              nil,
	domain.TypeConditionEvidenceSubmitted: nil, // evidence is read from the plan's versions
	domain.TypeConditionDischarged:        closeCondition,
	domain.TypeConditionLapsed:            closeCondition,
	domain.TypeCfHNoted:                   nil,
	domain.TypeMilestoneReported:          nil, // delivery is read from the plan (Plan.Delivery)
	domain.TypeBoardApprovalRecorded:      nil, // approvals are read from the plan's versions
}

// registryEvents are the registry's event types the projections fold (into the registry, its log
// and when each SHA was registered): TestEveryEventTypeIsProjected holds it to the registered ones.
var registryEvents = []string{
	domain.TypeOrganisationRegistered, domain.TypeChiefExecutiveAppointed,
	domain.TypeLocalHealthCommunityFormed, domain.TypeLocalHealthCommunityMembersChanged,
	domain.TypePlanningRoundPublished, domain.TypeRoundMilestoneChanged, domain.TypePfITRegistered, domain.TypeSHAAssignedToPfIT,
	domain.TypeGovernanceBodyRecorded,
}

// returnEvents are the SHA returns' event types the projections fold (into each return and the
// returns' log): TestEveryEventTypeIsProjected holds it to the registered ones.
var returnEvents = []string{domain.TypeSHAReturnSubmitted, domain.TypeCfHReturnAcknowledged}

// applyReturnLocked folds an event of the returns of id (an SHA and round) and keeps it for the
// returns as of a position.
func (p *Projector) applyReturnLocked(pos eventstore.Position, id string, e domain.Event) error {
	r := p.returns[id]
	if r == nil {
		r = domain.NewSHAReturn()
	}
	if err := r.Apply(e); err != nil {
		return err
	}
	p.returns[id] = r
	p.returnLog = append(p.returnLog, positioned{pos, e, id})
	return nil
}

// SetClock sets the clock current answers measure lateness by: how many days a milestone is
// overdue, whether a condition is. time.Now unless set; a test, or a service answering as at a
// fixed moment, sets another. Call it before the projector is shared.
func (p *Projector) SetClock(now func() time.Time) { p.now = now }

// indexSigner records that the signing organisation has signed v, for its SRO evidence.
func indexSigner(p *Projector, v *planView, _ eventstore.RecordedEvent, e domain.Event) {
	if s := e.Data.(domain.SROSignedOff); !v.signedBy(s.ODSCode) {
		p.signers[s.ODSCode] = append(p.signers[s.ODSCode], v)
	}
}
