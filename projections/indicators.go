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
		d := plan.Current().Digest
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
		states := plan.Delivery()
		if len(states) > max(scr, eps) {
			a.PlansWithSCRLive += b2i(states[scr].Status == domain.ProgrammeLive)
			a.PlansWithEPSR2InPeriod += b2i(!states[eps].PlannedDate.IsZero() && states[eps].PlannedDate.In(plan.Period()))
		}
	})
	if err != nil {
		return Report{}, err
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
		for _, o := range reg.Organisations() {
			if o.SHACode == row.SHACode && o.Kind.IsNHS() && reg.HasBoardOn(o.ODSCode, rep.LatenessOn) {
				row.OrganisationsWithGovernanceBody++
			}
		}
	}
	return rep, nil
}
