package projections

import (
	"context"
	"maps"
	"slices"

	"assurance-ledger/domain"
)

// FundingReport is, per SHA, the money its live plans need and the savings they expect, by
// financial year, and where their strategic solutions come from.
type FundingReport struct {
	Round string `json:"round"` // "all" when not filtered
	SHA   string `json:"sha,omitempty"`
	Cut
	BySHA []FundingRow `json:"by_sha"`
}

// FundingRow is one SHA's money.
type FundingRow struct {
	SHACode string `json:"sha_code"`
	Name    string `json:"name"`
	Plans   int    `json:"plans"` // live plans
	// ProfiledPlans are those that give money by year (content of schema version 3); the years
	// count only theirs.
	ProfiledPlans int           `json:"profiled_plans"`
	Capital       int64         `json:"capital"` // over every plan
	Revenue       int64         `json:"revenue"`
	ByYear        []FundingYear `json:"by_year"` // in order of financial year
	// StrategicSources counts the plans' strategic Clinical 5 solutions by source, and
	// StrategicShare gives each as a share of the solutions whose source is stated.
	StrategicSources map[string]int      `json:"strategic_sources"`
	StrategicShare   map[string]*float64 `json:"strategic_share"`
	// StaffedPlans are those that state their informatics staff (content of schema version 3); the
	// whole-time equivalents sum only theirs, and are null when no plan states them: content
	// written before staff were asked for says nothing, which is not zero staff.
	StaffedPlans int      `json:"staffed_plans"`
	WTECurrent   *float64 `json:"informatics_wte_current"`
	WTERequired  *float64 `json:"informatics_wte_required"`
}

// FundingYear is an SHA's money and savings in one financial year.
type FundingYear struct {
	FinancialYear int              `json:"financial_year"`
	Capital       int64            `json:"capital"`
	Revenue       int64            `json:"revenue"`
	BySource      map[string]Money `json:"by_source"`
	CashReleasing int64            `json:"cash_releasing"`
	NonCash       int64            `json:"non_cash"`
}

// Money is capital and revenue.
type Money struct {
	Capital int64 `json:"capital"`
	Revenue int64 `json:"revenue"`
}

// FundingReport computes the funding report for f (AsOf 0: now). Every SHA registered then has a
// row.
func (p *Projector) FundingReport(ctx context.Context, f ReportFilter) (FundingReport, error) {
	// A digest is never changed once made, so one may be kept after the plan's lock is released.
	kept := newLatestPerLHC[*domain.ContentDigest](f.Round)
	pos, _, reg, err := p.eachPlanAt(ctx, f, func(sha string, plan *domain.Plan, _ domain.Date) {
		kept.offer(sha, plan, plan.CurrentDigest())
	})
	if err != nil {
		return FundingReport{}, err
	}
	rows := map[string]*FundingRow{}
	years := map[string]map[int]*FundingYear{}
	kept.each(func(sha string, d *domain.ContentDigest) {
		r := rows[sha]
		if r == nil {
			r = &FundingRow{SHACode: sha}
			rows[sha], years[sha] = r, map[int]*FundingYear{}
		}
		if d == nil {
			return
		}
		r.Plans++
		r.Capital += d.Capital
		r.Revenue += d.Revenue
		if d.Capacity.InformaticsWTERequired > 0 { // stated content requires more than 0
			r.StaffedPlans++
			r.WTECurrent = addTo(r.WTECurrent, d.Capacity.InformaticsWTECurrent)
			r.WTERequired = addTo(r.WTERequired, d.Capacity.InformaticsWTERequired)
		}
		if len(d.ByYear) > 0 {
			r.ProfiledPlans++
		}
		year := func(y int) *FundingYear {
			fy := years[sha][y]
			if fy == nil {
				fy = &FundingYear{FinancialYear: y, BySource: map[string]Money{}}
				years[sha][y] = fy
			}
			return fy
		}
		for _, y := range d.ByYear {
			fy := year(y.FinancialYear)
			fy.Capital += y.Capital
			fy.Revenue += y.Revenue
			m := fy.BySource[y.Source]
			m.Capital += y.Capital
			m.Revenue += y.Revenue
			fy.BySource[y.Source] = m
		}
		for _, s := range d.Savings {
			fy := year(s.FinancialYear)
			fy.CashReleasing += s.CashReleasing
			fy.NonCash += s.NonCash
		}
		if r.StrategicSources == nil {
			r.StrategicSources = map[string]int{}
		}
		for i, it := range d.Items {
			if domain.IsStrategic(i) && it.SourceName() != "" {
				r.StrategicSources[it.SourceName()]++
			}
		}
	})
	rep := FundingReport{Round: f.Round, SHA: f.SHA, Cut: p.CutAt(pos), BySHA: []FundingRow{}}
	if rep.Round == "" {
		rep.Round = "all"
	}
	for _, o := range reg.Organisations() {
		if o.Kind != domain.KindSHA || (f.SHA != "" && o.ODSCode != f.SHA) {
			continue
		}
		r := rows[o.ODSCode]
		if r == nil {
			r = &FundingRow{}
		}
		r.SHACode, r.Name = o.ODSCode, o.Name
		r.ByYear = []FundingYear{}
		for _, y := range slices.Sorted(maps.Keys(years[o.ODSCode])) {
			r.ByYear = append(r.ByYear, *years[o.ODSCode][y])
		}
		counts, total := map[string]int{}, 0
		for _, s := range domain.SolutionSources {
			counts[s] = r.StrategicSources[s]
			total += counts[s]
		}
		r.StrategicSources, r.StrategicShare = counts, map[string]*float64{}
		for _, s := range domain.SolutionSources {
			r.StrategicShare[s] = share(counts[s], total)
		}
		r.WTECurrent, r.WTERequired = round2(r.WTECurrent), round2(r.WTERequired)
		rep.BySHA = append(rep.BySHA, *r)
	}
	return rep, nil
}

// addTo is sum plus x, sum nil standing for no figure yet.
func addTo(sum *float64, x float64) *float64 {
	if sum == nil {
		return &x
	}
	*sum += x
	return sum
}

// round2 is x to two places, nil staying nil: the sums of halves and tenths carry binary error.
func round2(x *float64) *float64 {
	if x == nil {
		return nil
	}
	y := round(*x, 2)
	return &y
}
