package projections

import (
	"context"
	"sort"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// The live models keep only the present (and, for the report, per-plan summaries). The SHA status
// and SRO evidence "as of" a position are rarer questions, so they refold the streams concerned from
// the store up to that position instead of keeping every past state in memory.

// SHAStatusAsOf is SHAStatus as the ledger stood once the event at pos had been recorded. false: no
// such SHA was registered by then.
func (p *Projector) SHAStatusAsOf(ctx context.Context, code, round string, pos eventstore.Position) (SHAStatus, bool, error) {
	reg, err := p.registryAt(ctx, pos)
	if err != nil {
		return SHAStatus{}, false, err
	}
	sha, ok := reg.Organisation(code)
	if !ok || sha.Kind != domain.KindSHA {
		return SHAStatus{}, false, nil
	}
	p.mu.RLock()
	var ids []string
	for _, v := range p.order {
		if v.sha == code {
			ids = append(ids, v.id)
		}
	}
	p.mu.RUnlock()
	byLHC := map[string][]*planView{}
	for _, id := range ids {
		plan, err := p.planAt(ctx, id, pos)
		if err != nil {
			return SHAStatus{}, false, err
		}
		if !plan.Exists() || plan.Withdrawn() || (round != "" && plan.Round() != round) {
			continue
		}
		lhc, _ := reg.LHC(plan.LHCID())
		byLHC[plan.LHCID()] = append(byLHC[plan.LHCID()], &planView{id: id, plan: plan, sha: code, lead: lhc.LeadPCT})
	}
	cfh, _ := reg.CfH()
	out := SHAStatus{SHACode: code, Name: sha.Name, Round: round, LHCs: []LHCAssurance{}}
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, lhc := range reg.LHCs() {
		if lhc.SHACode != code {
			continue
		}
		la := LHCAssurance{LHCID: lhc.ID, Name: lhc.Name, LeadPCT: lhc.LeadPCT, Plans: []PlanProgress{}, Outstanding: []Outstanding{}}
		for _, v := range byLHC[lhc.ID] {
			la.Plans = append(la.Plans, PlanProgress{PlanID: v.id, Round: v.plan.Round(), Status: v.plan.Status(),
				Version: v.plan.Version(), Outstanding: p.waitingFor(v, code, cfh.ODSCode)})
		}
		if round != "" && len(la.Plans) == 0 {
			la.Outstanding = append(la.Outstanding, p.named(Outstanding{Action: "plan_submission", From: lhc.LeadPCT}))
		}
		out.LHCs = append(out.LHCs, la)
	}
	return out, true, nil
}

// SROEvidenceAsOf is SROEvidence as the ledger stood once the event at pos had been recorded. false:
// the organisation was not registered by then.
func (p *Projector) SROEvidenceAsOf(ctx context.Context, ods string, pos eventstore.Position) (SROEvidence, bool, error) {
	reg, err := p.registryAt(ctx, pos)
	if err != nil {
		return SROEvidence{}, false, err
	}
	org, ok := reg.Organisation(ods)
	if !ok {
		return SROEvidence{}, false, nil
	}
	p.mu.RLock()
	ids := make([]string, 0, len(p.signers[ods]))
	for _, v := range p.signers[ods] {
		ids = append(ids, v.id)
	}
	p.mu.RUnlock()
	ev := SROEvidence{ODSCode: org.ODSCode, Name: org.Name, Kind: org.Kind, ChiefExecutives: nonNil(org.ChiefExecutives), SignOffs: []SROSignOff{}}
	for _, id := range ids {
		plan, err := p.planAt(ctx, id, pos)
		if err != nil {
			return SROEvidence{}, false, err
		}
		if plan.Exists() {
			ev.SignOffs = append(ev.SignOffs, signOffsOf(org, id, plan)...)
		}
	}
	sort.SliceStable(ev.SignOffs, func(i, j int) bool { return ev.SignOffs[i].RecordedAt.Before(ev.SignOffs[j].RecordedAt) })
	return ev, true, nil
}

func (p *Projector) registryAt(ctx context.Context, pos eventstore.Position) (*domain.Registry, error) {
	reg := domain.NewRegistry()
	return reg, p.refold(ctx, registryStream, pos, reg.Apply)
}

func (p *Projector) planAt(ctx context.Context, id string, pos eventstore.Position) (*domain.Plan, error) {
	plan := domain.NewPlan()
	return plan, p.refold(ctx, planPrefix+id, pos, plan.Apply)
}

// refold applies a stream's events up to pos.
func (p *Projector) refold(ctx context.Context, stream string, pos eventstore.Position, apply func(domain.Event) error) error {
	events, err := p.store.ReadStream(ctx, stream, 0, 0)
	if err != nil {
		return err
	}
	for _, rec := range events {
		if rec.Position > pos {
			break
		}
		e, err := domain.DecodeEnvelope(rec.Type, rec.Data, rec.Metadata)
		if err != nil {
			return err
		}
		if err := apply(e); err != nil {
			return err
		}
	}
	return nil
}
