package projections

import (
	"context"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// ReportWithIndicators is Report with each SHA's row's Indicators filled in, as of the same
// position: the national indicators need the plans' digests as they stood then, which for an "as
// of" report means refolding the plans changed since.
func (p *Projector) ReportWithIndicators(ctx context.Context, f ReportFilter) (Report, error) {
	rep := p.Report(f)
	f.AsOf = eventstore.Position(rep.AsOfPosition)
	type acc struct {
		Indicators
		current, target float64
		orgs            map[string]bool
	}
	accs := map[string]*acc{}
	scr, _ := domain.ItemIndex(domain.ProgrammeItem(domain.ProgrammeSCR))
	eps, _ := domain.ItemIndex(domain.ProgrammeItem(domain.ProgrammeEPSR2))
	_, _, reg, err := p.eachPlanAt(ctx, f, func(sha string, plan *domain.Plan, _ domain.Date) {
		a := accs[sha]
		if a == nil {
			a = &acc{orgs: map[string]bool{}}
			accs[sha] = a
		}
		d := plan.CurrentDigest()
		if d == nil {
			return
		}
		a.Capital += d.Capital
		a.Revenue += d.Revenue
		for _, o := range d.Organisations {
			if a.orgs[o.ODSCode] {
				continue
			}
			a.orgs[o.ODSCode] = true
			a.current += o.NHSNumberCurrentPct
			a.target += o.NHSNumberTargetPct
			a.OrganisationsBelowIGLevel2 += b2i(o.IGToolkitLevelCurrent < domain.ExpectedIGToolkitLevel)
		}
		a.PlansWithSCRLive += b2i(plan.ItemStatus(scr) == domain.ProgrammeLive)
		if eps < len(d.Items) {
			due := d.Items[eps].PlannedDate()
			a.PlansWithEPSR2InPeriod += b2i(!due.IsZero() && due.In(plan.Period()))
		}
	})
	if err != nil {
		return Report{}, err
	}
	// Each SHA's PCTs and NHS providers with a board in place, counted in one pass over the bodies:
	// an organisation with two boards counts once.
	inPlace := map[string]bool{}
	for _, b := range reg.GovernanceBodies() {
		if b.Kind == domain.BodyOrganisationBoard && !b.EffectiveFrom().After(rep.LatenessOn) {
			inPlace[b.ODSCode] = true
		}
	}
	boarded := map[string]int{}
	for ods := range inPlace {
		if o, ok := reg.Organisation(ods); ok && o.Kind.IsNHS() {
			boarded[o.SHACode]++
		}
	}
	for i := range rep.BySHA {
		row := &rep.BySHA[i]
		if a := accs[row.SHACode]; a != nil {
			row.Indicators = a.Indicators
			if n := len(a.orgs); n > 0 {
				c, t := round(a.current/float64(n), 2), round(a.target/float64(n), 2)
				row.NHSNumberCurrentAvg, row.NHSNumberTargetAvg = &c, &t
			}
		}
		row.OrganisationsWithGovernanceBody = boarded[row.SHACode]
	}
	return rep, nil
}
