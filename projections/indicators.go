package projections

import (
	"context"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// ReportWithIndicators is Report with each SHA's row's Indicators filled in, as of the same
// position. The current report reads them from the running sums the projector keeps
// (indicatorsums.go), under the same lock as the counts; a report as of a past position needs the
// plans' digests as they stood then, which means refolding the plans changed since.
func (p *Projector) ReportWithIndicators(ctx context.Context, f ReportFilter) (Report, error) {
	if rep, ok := p.reportWithSummedIndicators(f); ok {
		return rep, nil
	}
	return p.reportWithScannedIndicators(ctx, f)
}

// reportWithSummedIndicators is the current report with its indicators from the running sums:
// O(SHAs x rounds), whatever the number of plans and governance bodies. False when f asks for a
// position before the last applied.
func (p *Projector) reportWithSummedIndicators(f ReportFilter) (Report, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if f.AsOf != 0 && f.AsOf < p.appliedPos {
		return Report{}, false
	}
	rep := p.report(f, false)
	p.aggs.fillIndicators(f, rep.LatenessOn, rep.BySHA)
	return rep, true
}

// reportWithScannedIndicators computes the indicators by a walk over every live plan as of the
// report's position: the "as of" report, and the reference the running sums are tested against.
func (p *Projector) reportWithScannedIndicators(ctx context.Context, f ReportFilter) (Report, error) {
	rep := p.Report(f)
	f.AsOf = eventstore.Position(rep.AsOfPosition)
	// named is, per SHA and organisation, the plan whose figures count (see
	// Indicators.NHSNumberCurrentAvg): the walk visits plans in the projector's order, so of two
	// recorded at once the later one visited is the later submitted.
	type naming struct {
		at  instant
		seq int
		o   domain.OrganisationIndicators
	}
	inds := map[string]*Indicators{}
	named := map[string]map[string]naming{}
	seq := 0
	_, _, reg, err := p.eachPlanAt(ctx, f, func(sha string, plan *domain.Plan, _ domain.Date) {
		seq++
		ind := inds[sha]
		if ind == nil {
			ind = &Indicators{}
			inds[sha], named[sha] = ind, map[string]naming{}
		}
		d := plan.CurrentDigest()
		if d == nil {
			return
		}
		ind.Capital += d.Capital
		ind.Revenue += d.Revenue
		ind.PlansWithSCRLive += b2i(plan.ItemStatus(scrItem) == domain.ProgrammeLive)
		ind.PlansWithEPSR2InPeriod += b2i(epsInPeriod(d, plan.Period()))
		at := instantOf(currentRecordedAt(plan))
		eachOrganisation(d, func(o *domain.OrganisationIndicators) {
			if was, ok := named[sha][o.ODSCode]; !ok || indRankLess(was.at, was.seq, at, seq) {
				named[sha][o.ODSCode] = naming{at, seq, *o}
			}
		})
	})
	if err != nil {
		return Report{}, err
	}
	for i := range rep.BySHA {
		row := &rep.BySHA[i]
		ind := inds[row.SHACode]
		if ind == nil {
			continue
		}
		row.Indicators = *ind
		var s orgSums
		for _, n := range named[row.SHACode] {
			s.add(&n.o, 1)
		}
		s.fill(&row.Indicators)
	}
	fillBoards(rep.BySHA, reg, rep.LatenessOn)
	return rep, nil
}

// fillBoards sets each row's count of the SHA's PCTs and NHS providers with an informatics board
// in place on day, in one pass over the registry's bodies (the current report keeps the count as
// bodies are recorded instead): an organisation with two boards counts once.
func fillBoards(rows []SHARow, reg *domain.Registry, day domain.Date) {
	inPlace := map[string]bool{}
	for _, b := range reg.GovernanceBodies() {
		if b.Kind == domain.BodyOrganisationBoard && !b.EffectiveFrom().After(day) {
			inPlace[b.ODSCode] = true
		}
	}
	boarded := map[string]int{}
	for ods := range inPlace {
		if o, ok := reg.Organisation(ods); ok && o.Kind.IsNHS() {
			boarded[o.SHACode]++
		}
	}
	for i := range rows {
		rows[i].OrganisationsWithGovernanceBody = boarded[rows[i].SHACode]
	}
}
