package projections

import (
	"context"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// Whether a return still holds. CfH acknowledges a return only while it holds (domain.Stale); the
// reports say of the return in force whether it holds at the answer's position, so that one
// acknowledged before a plan it names moved on is seen to be stale.

// staleOf is, by return id, why each return in force of returns no longer holds against reg and the
// plans lookup gives; a return that holds is not listed.
func staleOf(reg *domain.Registry, returns map[string]*domain.SHAReturn, lookup domain.PlanLookup) map[string][]domain.FieldError {
	out := map[string][]domain.FieldError{}
	for id, r := range returns {
		x, ok := r.Latest()
		if !ok {
			continue
		}
		if st := domain.Stale(reg, lookup, r.SHA(), r.Round(), x); len(st) > 0 {
			out[id] = st
		}
	}
	return out
}

// staleLocked is staleOf against the live plans, for a caller holding p.mu whose reg and returns are
// the live ones.
func (p *Projector) staleLocked(reg *domain.Registry, returns map[string]*domain.SHAReturn) map[string][]domain.FieldError {
	return staleOf(reg, returns, func(id string) (*domain.Plan, bool) {
		v := p.plans[id]
		if v == nil {
			return nil, false
		}
		return v.plan, true
	})
}

// staleAt is staleOf against the plans as they stood at pos, reg and returns being the registry and
// returns as of pos. The caller must not hold p.mu.
func (p *Projector) staleAt(ctx context.Context, reg *domain.Registry, returns map[string]*domain.SHAReturn, pos eventstore.Position) (map[string][]domain.FieldError, error) {
	if err := p.rlock(ctx); err != nil {
		return nil, err
	}
	var views []*planView
	for _, r := range returns {
		x, ok := r.Latest()
		if !ok {
			continue
		}
		for _, e := range x.Plans {
			if v := p.plans[e.PlanID]; v != nil {
				views = append(views, v)
			}
		}
	}
	p.mu.RUnlock()
	past, err := p.viewsAt(ctx, views, pos)
	if err != nil {
		return nil, err
	}
	if err := p.rlock(ctx); err != nil {
		return nil, err
	}
	defer p.mu.RUnlock()
	if past, err = p.settle(ctx, past, pos); err != nil {
		return nil, err
	}
	byID := make(map[string]*domain.Plan, len(past))
	for _, v := range past {
		byID[v.id] = v.plan
	}
	return staleOf(reg, returns, func(id string) (*domain.Plan, bool) {
		pl, ok := byID[id]
		return pl, ok
	}), nil
}

// registeredOn is the day SHA code was registered, from the registry's events; zero if it was not.
// An SHA registered after a round's sha_return deadline owes its return from that day: it could
// not have returned before it existed.
func registeredOn(log []positioned, code string) domain.Date {
	for _, e := range log {
		if o, ok := e.event.Data.(domain.OrganisationRegistered); ok && o.ODSCode == code {
			return domain.DateOf(e.event.Meta.RecordedAt.UTC())
		}
	}
	return domain.Date{}
}
