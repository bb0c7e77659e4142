package demo

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"assurance-ledger/domain"
)

// What a version's content says beyond the narrative (schema version 3): each capability's status
// and where its solutions come from, every NHS member's national indicators, the money by year and
// source, the savings expected and the informatics staff. Drawn from a random source of its own
// (the plan and the version), so that adding it changed nothing else the data set draws.

// fillIndicators gives content c of version n of plan p, written at t, the members schema version 3
// asks for: the LHC's NHS members at t each with their indicators, the funding profile summing to
// c's totals, and statuses and sources consistent with c's dates.
func (d *Dataset) fillIndicators(c domain.Content, p PlanSpec, n int, t time.Time) domain.Content {
	rng := d.keyedRand(p.PlanID(), "content", fmt.Sprint(n))
	l := d.lhc(p.LHC)
	c.Clinical5 = slices.Clone(c.Clinical5)
	today := domain.DateOf(t.UTC())
	for i := range c.Clinical5 {
		x := &c.Clinical5[i]
		x.Status = domain.ProgrammePlanned
		if !x.InterimDate.After(today) || strings.Contains(x.InterimSolution, "live since") {
			x.Status = domain.ProgrammeInProgress
		}
		x.InterimSource, x.InterimProduct = interimSource(x.InterimSolution), interimProduct(x.InterimSolution)
		x.StrategicSource, x.StrategicProduct = strategicSource(x.StrategicSolution), strategicProduct(x.StrategicSolution)
	}
	c.PerOrganisation = nil
	for _, org := range append([]string{l.LeadPCT}, d.membersAt(l.ID, t)...) {
		if o, ok := d.Organisation(org); ok && o.Kind.IsNHS() {
			c.PerOrganisation = append(c.PerOrganisation, d.indicators(org, p.Period.FirstYear))
		}
	}
	f := &c.CapacityAndFunding
	f.ByYear, f.Savings = fundingProfile(rng, f.Capital, f.Revenue, p.Period)
	wte := float64(8+rng.IntN(60)) / 2 // 4 to 33.5
	f.Capacity = domain.Capacity{InformaticsWTECurrent: wte, InformaticsWTERequired: wte + float64(2+rng.IntN(20))/2}
	return c
}

// indicators are organisation org's NHS Number use and IG Toolkit levels as a plan for a period
// starting in year states them: the same in every plan of the round, better a year on.
func (d *Dataset) indicators(org string, year int) domain.OrganisationIndicators {
	rng := d.keyedRand(org, "indicators")
	// Percentages are drawn and added in tenths, as integers, and divided once: adding tenths as
	// floats signs content such as 84.89999999999999.
	tenths := 780 + rng.IntN(190) // 78.0 to 96.9
	level := rng.IntN(3)          // 0 to 2: a few organisations start below level 1
	if rng.IntN(4) > 0 {
		level = max(level, 1)
	}
	for range year - 2009 {
		tenths = min(tenths+10+rng.IntN(40), 995)
		level = min(level+rng.IntN(2), domain.MaxIGToolkitLevel)
	}
	cur := float64(tenths) / 10
	return domain.OrganisationIndicators{ODSCode: org, NHSNumberCurrentPct: cur, NHSNumberTargetPct: float64(max(tenths, 980+5*rng.IntN(4))) / 10,
		IGToolkitLevelCurrent: level, IGToolkitLevelTarget: max(level, domain.ExpectedIGToolkitLevel)}
}

// fundingProfile spreads capital and revenue over the period's years, most capital early from
// central funds, then from the PCTs' allocations and the providers; and the savings the plan
// expects from its second year on.
func fundingProfile(rng *rand.Rand, capital, revenue int64, p domain.Period) ([]domain.YearFunding, []domain.YearSavings) {
	years := p.LastYear - p.FirstYear + 1
	sources := []string{domain.FundingCentral, domain.FundingPCTAllocation, domain.FundingProvider, domain.FundingOther}
	var out []domain.YearFunding
	leftC, leftR := capital, revenue
	for i := range years {
		share := func(left int64) int64 {
			if i == years-1 {
				return left
			}
			return left * int64(30+rng.IntN(30)) / 100 / 1000 * 1000
		}
		cp, rv := share(leftC), share(leftR)
		leftC, leftR = leftC-cp, leftR-rv
		out = append(out, domain.YearFunding{FinancialYear: p.FirstYear + i, Capital: cp, Revenue: rv, Source: sources[min(i, len(sources)-1)]})
	}
	var savings []domain.YearSavings
	for i := 1; i < years; i++ {
		savings = append(savings, domain.YearSavings{FinancialYear: p.FirstYear + i,
			CashReleasing: revenue * int64(5+rng.IntN(15)*i) / 100 / 1000 * 1000, NonCash: revenue * int64(10+rng.IntN(20)*i) / 100 / 1000 * 1000})
	}
	return out, savings
}

// keyedRand is a random source of the data set's seed and key, independent of every other.
func (d *Dataset) keyedRand(key ...string) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprint(h, strings.Join(key, "\x00"))
	return rand.New(rand.NewPCG(d.seed^0x5eed_0003, h.Sum64()))
}

// interimSource is where an interim solution comes from: the programme's own (an upgrade of a
// system it supplied), the ASCC framework, or the trust's own procurement.
func interimSource(solution string) string {
	switch {
	case strings.Contains(solution, "Choose and Book"):
		return domain.SourceNPfIT
	case strings.Contains(solution, "Ascribe"), strings.Contains(solution, "JAC"):
		return domain.SourceASCC
	}
	return domain.SourceLocal
}

// interimProduct names the product an interim solution deploys.
func interimProduct(solution string) string {
	for _, p := range []string{"iSOFT PAS", "Medway PAS", "System C PAS", "ICE", "RIS", "EDM", "Docman", "Choose and Book", "JAC", "Ascribe", "ChemoCare"} {
		if strings.Contains(solution, p) {
			return p
		}
	}
	switch {
	case strings.Contains(solution, "data warehouse"):
		return "Trust data warehouse"
	case strings.Contains(solution, "dictation"):
		return "Digital dictation"
	case strings.Contains(solution, "text message"):
		return "Appointment reminder service"
	case strings.Contains(solution, "discharge medication"):
		return "Pharmacy discharge module"
	case strings.Contains(solution, "Theatre"):
		return "PAS theatre module"
	}
	return "Existing local system"
}

func strategicSource(solution string) string {
	if strings.Contains(solution, "Additional Supply Capability and Capacity") {
		return domain.SourceASCC
	}
	return domain.SourceNPfIT
}

func strategicProduct(solution string) string {
	for _, p := range []string{"Lorenzo Release 1.9", "Lorenzo Release 2", "Lorenzo Release 3", "Cerner Millennium"} {
		if strings.HasPrefix(solution, p) {
			return p
		}
	}
	return "ASCC framework supplier"
}
