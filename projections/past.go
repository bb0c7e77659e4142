package projections

import (
	"context"
	"sort"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// The live models keep only the present (and, for the report, per-plan summaries). The SHA status
// and SRO evidence "as of" a position are rarer questions. The registry is refolded from the
// registry events the projector keeps in memory (they are few); a plan with no event after the
// position is its live view, and only a plan that has changed since is refolded from the store.

// SHAStatusAsOf is SHAStatus as the ledger stood once the event at pos had been recorded, lateness
// measured on that day. false: no such SHA was registered by then.
func (p *Projector) SHAStatusAsOf(ctx context.Context, code, round string, pos eventstore.Position) (SHAStatus, bool, error) {
	return p.SHAStatusAsOfAt(ctx, code, round, pos, time.Time{})
}

// SHAStatusAsOfAt is SHAStatusAsOf with lateness measured on the day of at (an "as of" asked for
// by time), or, if at is zero, of the cut's as_of: when the last event by pos was recorded, whether
// or not pos is the present, so that an answer as of a position does not change with the day it is
// asked on.
func (p *Projector) SHAStatusAsOfAt(ctx context.Context, code, round string, pos eventstore.Position, at time.Time) (SHAStatus, bool, error) {
	cut := p.CutAt(pos) // never past what the projections have applied
	pos = cut.AsOfPosition
	if at.IsZero() {
		at = cut.AsOf
	}
	reg, err := p.registryAt(pos)
	if err != nil {
		return SHAStatus{}, false, err
	}
	sha, ok := reg.Organisation(code)
	if !ok || sha.Kind != domain.KindSHA {
		return SHAStatus{}, false, nil
	}
	p.mu.RLock()
	var views []*planView
	for _, v := range p.order {
		if v.sha == code {
			views = append(views, v)
		}
	}
	p.mu.RUnlock()
	returns, err := p.returnsAt(pos)
	if err != nil {
		return SHAStatus{}, false, err
	}
	past, err := p.viewsAt(ctx, views, pos)
	if err != nil {
		return SHAStatus{}, false, err
	}
	// The live views in past are read, and waitingFor runs, under the lock the applier takes.
	p.mu.RLock()
	defer p.mu.RUnlock()
	if past, err = p.settle(ctx, past, pos); err != nil {
		return SHAStatus{}, false, err
	}
	st, ok := p.shaStatusLocked(reg, returns, past, code, round, domain.DateOf(at.UTC()))
	if ok {
		st.Cut = cut
	}
	return st, ok, nil
}

// returnsAt folds the return events the projector holds up to pos.
func (p *Projector) returnsAt(pos eventstore.Position) (map[string]*domain.SHAReturn, error) {
	p.mu.RLock()
	events := p.returnLog
	p.mu.RUnlock()
	out := map[string]*domain.SHAReturn{}
	for _, e := range events {
		if e.position > pos {
			break
		}
		r := out[e.id]
		if r == nil {
			r = domain.NewSHAReturn()
			out[e.id] = r
		}
		if err := r.Apply(e.event); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SROEvidenceAsOf is SROEvidence as the ledger stood once the event at pos had been recorded. false:
// the organisation was not registered by then.
func (p *Projector) SROEvidenceAsOf(ctx context.Context, ods string, pos eventstore.Position) (SROEvidence, bool, error) {
	cut, now := p.cutOf(pos)
	if now {
		if ev, ok := p.SROEvidence(ods); !ok || ev.AsOfPosition <= pos {
			return ev, ok, nil
		}
	}
	pos = cut.AsOfPosition
	reg, err := p.registryAt(pos)
	if err != nil {
		return SROEvidence{}, false, err
	}
	org, ok := reg.Organisation(ods)
	if !ok {
		return SROEvidence{}, false, nil
	}
	p.mu.RLock()
	views := append([]*planView(nil), p.signers[ods]...)
	p.mu.RUnlock()
	past, err := p.viewsAt(ctx, views, pos)
	if err != nil {
		return SROEvidence{}, false, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if past, err = p.settle(ctx, past, pos); err != nil {
		return SROEvidence{}, false, err
	}
	ev := SROEvidence{ODSCode: org.ODSCode, Name: org.Name, Kind: org.Kind, ChiefExecutives: nonNil(org.ChiefExecutives), SignOffs: []SROSignOff{},
		GovernanceBodies: bodiesOf(reg, ods), Cut: cut}
	for _, v := range past {
		ev.SignOffs = append(ev.SignOffs, signOffsOf(org, v.id, v.plan)...)
	}
	sort.SliceStable(ev.SignOffs, func(i, j int) bool { return ev.SignOffs[i].RecordedAt.Before(ev.SignOffs[j].RecordedAt) })
	return ev, true, nil
}

// viewsAt returns, in the order given, the plans of views that existed at pos: a plan changed since
// pos as a fresh view refolded from the store, one unchanged since as its live view. The caller
// must call settle under p.mu before reading the live views, since the applier may have moved them
// meanwhile.
func (p *Projector) viewsAt(ctx context.Context, views []*planView, pos eventstore.Position) ([]*planView, error) {
	type seen struct {
		first, last eventstore.Position
		sha, lead   string
	}
	marks := make([]seen, len(views))
	p.mu.RLock()
	for i, v := range views {
		marks[i] = seen{v.history[0].position, v.position, v.sha, v.lead}
	}
	p.mu.RUnlock()
	out := make([]*planView, 0, len(views))
	for i, v := range views {
		first, last, sha, lead := marks[i].first, marks[i].last, marks[i].sha, marks[i].lead
		switch {
		case first > pos: // not submitted yet
		case last <= pos:
			out = append(out, v)
		default:
			past, err := p.viewAt(ctx, v.id, sha, lead, pos)
			if err != nil {
				return nil, err
			}
			if past.plan.Exists() {
				out = append(out, past)
			}
		}
	}
	return out, nil
}

// settle refolds, under the caller's p.mu.RLock, any live view that has moved past pos since
// viewsAt looked at it: rare, and a single stream read.
func (p *Projector) settle(ctx context.Context, views []*planView, pos eventstore.Position) ([]*planView, error) {
	for i, v := range views {
		if v.position <= pos {
			continue
		}
		past, err := p.viewAt(ctx, v.id, v.sha, v.lead, pos)
		if err != nil {
			return nil, err
		}
		views[i] = past
	}
	return views, nil
}

// registryAt folds the registry events the projector holds up to pos.
func (p *Projector) registryAt(pos eventstore.Position) (*domain.Registry, error) {
	p.mu.RLock()
	events := p.registryLog
	p.mu.RUnlock()
	return p.registryMemo.at(events, pos)
}

// registryAtLocked is registryAt for a caller holding p.mu. The registry's events were each
// folded once already, so none can fail to fold again.
func (p *Projector) registryAtLocked(pos eventstore.Position) *domain.Registry {
	reg, _ := p.registryMemo.at(p.registryLog, pos)
	return reg
}

func foldRegistry(events []positioned, pos eventstore.Position) (*domain.Registry, error) {
	reg := domain.NewRegistry()
	for _, e := range events {
		if e.position > pos {
			break
		}
		if err := reg.Apply(e.event); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// viewAt is plan id as it stood at pos, refolded from its stream, with the revision and position of
// its last event by then.
func (p *Projector) viewAt(ctx context.Context, id, sha, lead string, pos eventstore.Position) (*planView, error) {
	v := &planView{id: id, plan: domain.NewPlan(), sha: sha, lead: lead}
	err := p.foldStream(ctx, domain.PlanStream(id), pos, func(rec eventstore.RecordedEvent, e domain.Event) error {
		v.revision, v.position = rec.Revision, rec.Position
		return v.plan.Apply(e)
	})
	return v, err
}

// planAt is plan id as it stood at pos, refolded from its stream.
func (p *Projector) planAt(ctx context.Context, id string, pos eventstore.Position) (*domain.Plan, error) {
	plan := domain.NewPlan()
	return plan, p.foldStream(ctx, domain.PlanStream(id), pos, func(_ eventstore.RecordedEvent, e domain.Event) error { return plan.Apply(e) })
}

// refoldPage is how many events a refold reads from the store at a time: a stream at the domain's
// limits holds tens of MB, which a refold need never hold at once besides what it folds them into.
const refoldPage = 32

// foldStream calls apply with each event of stream up to pos, in order, reading a page at a time
// and stopping with ctx's error when the request that asked is over.
func (p *Projector) foldStream(ctx context.Context, stream string, pos eventstore.Position, apply func(eventstore.RecordedEvent, domain.Event) error) error {
	for from := uint64(0); ; {
		recs, err := p.store.ReadStream(ctx, stream, from, refoldPage)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if rec.Position > pos {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			e, err := eventcodec.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
			if err != nil {
				return err
			}
			if err := apply(rec, e); err != nil {
				return err
			}
			from = rec.Revision + 1
		}
		if len(recs) < refoldPage {
			return nil
		}
	}
}

// PlansAsOf is Plans as the ledger stood once the event at pos had been recorded (Latest: now), with
// the cut it is of.
func (p *Projector) PlansAsOf(ctx context.Context, f PlanFilter, pos eventstore.Position) ([]PlanSummary, Cut, error) {
	p.mu.RLock()
	cut := p.cutLocked(pos)
	if p.current(pos) {
		defer p.mu.RUnlock()
		out := []PlanSummary{}
		for _, v := range p.order {
			if f.placed(v) && f.matches(v) {
				out = append(out, summaryOf(v))
			}
		}
		return out, cut, nil
	}
	var views []*planView
	for _, v := range p.order {
		if f.placed(v) {
			views = append(views, v)
		}
	}
	p.mu.RUnlock()
	pos = cut.AsOfPosition
	past, err := p.viewsAt(ctx, views, pos)
	if err != nil {
		return nil, cut, err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if past, err = p.settle(ctx, past, pos); err != nil {
		return nil, cut, err
	}
	out := []PlanSummary{}
	for _, v := range past {
		if f.matches(v) {
			out = append(out, summaryOf(v))
		}
	}
	return out, cut, nil
}

// OrganisationsAsOf is Organisations as the ledger stood once the event at pos had been recorded
// (Latest: now), with the cut it is of.
func (p *Projector) OrganisationsAsOf(pos eventstore.Position) ([]domain.Organisation, Cut, error) {
	var out []domain.Organisation
	cut, err := p.withRegistryAt(pos, func(r *domain.Registry) { out = r.Organisations() })
	return out, cut, err
}

// OrganisationAsOf is one organisation as the ledger stood once the event at pos had been recorded
// (Latest: now); false if it was not registered by then.
func (p *Projector) OrganisationAsOf(ods string, pos eventstore.Position) (org domain.Organisation, found bool, cut Cut, err error) {
	cut, err = p.withRegistryAt(pos, func(r *domain.Registry) { org, found = r.Organisation(ods) })
	return org, found, cut, err
}

// LHCsAsOf is LHCs as the ledger stood once the event at pos had been recorded (Latest: now), with
// the cut it is of.
func (p *Projector) LHCsAsOf(pos eventstore.Position) ([]domain.LHC, Cut, error) {
	var out []domain.LHC
	cut, err := p.withRegistryAt(pos, func(r *domain.Registry) { out = r.LHCs() })
	return out, cut, err
}

// withRegistryAt calls read with the registry as of pos: the live one (under p.mu) for the present,
// else one refolded from the registry events the projector keeps. read must copy what it keeps.
func (p *Projector) withRegistryAt(pos eventstore.Position, read func(*domain.Registry)) (Cut, error) {
	p.mu.RLock()
	cut := p.cutLocked(pos)
	if p.current(pos) {
		read(p.registry)
		p.mu.RUnlock()
		return cut, nil
	}
	p.mu.RUnlock()
	reg, err := p.registryAt(cut.AsOfPosition)
	if err != nil {
		return cut, err
	}
	read(reg)
	return cut, nil
}
