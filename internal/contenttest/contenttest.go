// Package contenttest completes a test's plan content with what schema version 3 asks of a
// submission: tests across the module keep one narrative content file each, written before, and
// give it the indicators of the LHC they build.
package contenttest

import (
	"slices"

	"assurance-ledger/domain"
)

// Complete returns c with each capability's status (planned) and its solutions' sources and
// products, indicators for each of orgs (the LHC's NHS members, the lead PCT included), the money
// by year over period p from central funds summing to c's totals, savings in its second year and
// the informatics staff.
func Complete(c domain.Content, p domain.Period, orgs ...string) domain.Content {
	c = c.Clone()
	for i := range c.Clinical5 {
		x := &c.Clinical5[i]
		x.Status = domain.ProgrammePlanned
		x.InterimSource, x.InterimProduct = domain.SourceLocal, "iSOFT PAS"
		x.StrategicSource, x.StrategicProduct = domain.SourceNPfIT, "Lorenzo Release 1.9"
	}
	c.PerOrganisation = nil
	for i, o := range orgs {
		c.PerOrganisation = append(c.PerOrganisation, domain.OrganisationIndicators{ODSCode: o, NHSNumberCurrentPct: 90 + float64(i%9),
			NHSNumberTargetPct: 99, IGToolkitLevelCurrent: 1 + i%2, IGToolkitLevelTarget: domain.ExpectedIGToolkitLevel})
	}
	f := &c.CapacityAndFunding
	years := max(p.LastYear-p.FirstYear+1, 1)
	f.ByYear = nil
	for i := range years {
		y := domain.YearFunding{FinancialYear: p.FirstYear + i, Capital: f.Capital / int64(years), Revenue: f.Revenue / int64(years), Source: domain.FundingCentral}
		if i == years-1 {
			y.Capital, y.Revenue = f.Capital-y.Capital*int64(years-1), f.Revenue-y.Revenue*int64(years-1)
		}
		f.ByYear = append(f.ByYear, y)
	}
	f.Savings = nil
	if years > 1 {
		f.Savings = []domain.YearSavings{{FinancialYear: p.FirstYear + 1, CashReleasing: f.Revenue / 10, NonCash: f.Revenue / 5}}
	}
	f.Capacity = domain.Capacity{InformaticsWTECurrent: 12.5, InformaticsWTERequired: 15}
	c.NationalProgrammes = slices.Clone(c.NationalProgrammes)
	return c
}
