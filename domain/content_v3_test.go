package domain

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// What schema version 3 asks of content: each rule refuses its fault and names the field.
func TestContentV3Rules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Content)
		want   *Error
		field  string
	}{
		{"capability status required", func(c *Content) { c.Clinical5[0].Status = "" }, ErrInvalidContent, "content.clinical5[0].status"},
		{"capability status unknown", func(c *Content) { c.Clinical5[1].Status = "done" }, ErrInvalidContent, "content.clinical5[1].status"},
		{"interim source required", func(c *Content) { c.Clinical5[0].InterimSource = "" }, ErrInvalidContent, "content.clinical5[0].interim_source"},
		{"strategic source unknown", func(c *Content) { c.Clinical5[2].StrategicSource = "cfh" }, ErrInvalidContent, "content.clinical5[2].strategic_source"},
		{"interim product required", func(c *Content) { c.Clinical5[0].InterimProduct = "" }, ErrInvalidContent, "content.clinical5[0].interim_product"},
		{"strategic product required", func(c *Content) { c.Clinical5[4].StrategicProduct = "" }, ErrInvalidContent, "content.clinical5[4].strategic_product"},
		{"a planned capability due before the period", func(c *Content) { c.Clinical5[0].InterimDate = date("2009-03-31") }, ErrDateOutsidePeriod, "content.clinical5[0].interim_date"},
		{"indicators required", func(c *Content) { c.PerOrganisation = nil }, ErrInvalidContent, "content.per_organisation"},
		{"an organisation twice", func(c *Content) { c.PerOrganisation[1].ODSCode = leadPCT }, ErrInvalidContent, "content.per_organisation[1].ods_code"},
		{"not an ODS code", func(c *Content) { c.PerOrganisation[0].ODSCode = "rj1" }, ErrInvalidContent, "content.per_organisation[0].ods_code"},
		{"NHS Number share above 100", func(c *Content) { c.PerOrganisation[0].NHSNumberCurrentPct = 100.5 }, ErrInvalidContent, "content.per_organisation[0].nhs_number_current_pct"},
		{"NHS Number share not a number", func(c *Content) { c.PerOrganisation[0].NHSNumberTargetPct = nan() }, ErrInvalidContent, "content.per_organisation[0].nhs_number_target_pct"},
		{"NHS Number target a fall", func(c *Content) { c.PerOrganisation[0].NHSNumberTargetPct = 50 }, ErrInvalidContent, "content.per_organisation[0].nhs_number_target_pct"},
		{"IG level above 3", func(c *Content) { c.PerOrganisation[1].IGToolkitLevelTarget = 4 }, ErrInvalidContent, "content.per_organisation[1].ig_toolkit_level_target"},
		{"IG level negative", func(c *Content) { c.PerOrganisation[1].IGToolkitLevelCurrent = -1 }, ErrInvalidContent, "content.per_organisation[1].ig_toolkit_level_current"},
		{"IG target a fall", func(c *Content) {
			c.PerOrganisation[0].IGToolkitLevelCurrent, c.PerOrganisation[0].IGToolkitLevelTarget = 3, 2
		},
			ErrInvalidContent, "content.per_organisation[0].ig_toolkit_level_target"},
		{"funding by year required", func(c *Content) { c.CapacityAndFunding.ByYear = nil }, ErrInvalidContent, "content.capacity_and_funding.by_year"},
		{"a year outside the period", func(c *Content) { c.CapacityAndFunding.ByYear[2].FinancialYear = 2012 }, ErrDateOutsidePeriod, "content.capacity_and_funding.by_year[2].financial_year"},
		{"a year missing", func(c *Content) { c.CapacityAndFunding.ByYear[0].FinancialYear = 0 }, ErrInvalidContent, "content.capacity_and_funding.by_year[0].financial_year"},
		{"an unknown funding source", func(c *Content) { c.CapacityAndFunding.ByYear[0].Source = "lottery" }, ErrInvalidContent, "content.capacity_and_funding.by_year[0].source"},
		{"a year and source twice", func(c *Content) {
			c.CapacityAndFunding.ByYear[1].FinancialYear, c.CapacityAndFunding.ByYear[1].Source = 2009, FundingCentral
		}, ErrInvalidContent, "content.capacity_and_funding.by_year[1]"},
		{"negative capital in a year", func(c *Content) { c.CapacityAndFunding.ByYear[0].Capital = -1 }, ErrInvalidContent, "content.capacity_and_funding.by_year[0].capital"},
		{"capital not the sum of the years", func(c *Content) { c.CapacityAndFunding.Capital++ }, ErrInvalidContent, "content.capacity_and_funding.capital"},
		{"revenue not the sum of the years", func(c *Content) { c.CapacityAndFunding.ByYear[1].Revenue++ }, ErrInvalidContent, "content.capacity_and_funding.revenue"},
		{"savings in a year twice", func(c *Content) { c.CapacityAndFunding.Savings[1].FinancialYear = 2010 }, ErrInvalidContent, "content.capacity_and_funding.savings[1].financial_year"},
		{"savings outside the period", func(c *Content) { c.CapacityAndFunding.Savings[0].FinancialYear = 2008 }, ErrDateOutsidePeriod, "content.capacity_and_funding.savings[0].financial_year"},
		{"negative savings", func(c *Content) { c.CapacityAndFunding.Savings[0].NonCash = -5 }, ErrInvalidContent, "content.capacity_and_funding.savings[0].non_cash"},
		{"no staff required", func(c *Content) { c.CapacityAndFunding.Capacity.InformaticsWTERequired = 0 }, ErrInvalidContent, "content.capacity_and_funding.capacity.informatics_wte_required"},
		{"negative staff", func(c *Content) { c.CapacityAndFunding.Capacity.InformaticsWTECurrent = -1 }, ErrInvalidContent, "content.capacity_and_funding.capacity.informatics_wte_current"},
		{"staff not a number", func(c *Content) { c.CapacityAndFunding.Capacity.InformaticsWTECurrent = nan() }, ErrInvalidContent, "content.capacity_and_funding.capacity.informatics_wte_current"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runPlanCases(t, []planCase{{name: "submitted", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) {
				c.Clinical5 = append([]Capability(nil), c.Clinical5...)
				c.PerOrganisation = append([]OrganisationIndicators(nil), c.PerOrganisation...)
				c.CapacityAndFunding.ByYear = append([]YearFunding(nil), c.CapacityAndFunding.ByYear...)
				c.CapacityAndFunding.Savings = append([]YearSavings(nil), c.CapacityAndFunding.Savings...)
				tc.change(c)
			}), want: tc.want, field: tc.field}})
		})
	}
}

// What content may say that the rules accept: work under way or live may have started before
// the period; savings may be none.
func TestContentV3Accepts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Content)
	}{
		{"a capability under way since before the period", func(c *Content) {
			c.Clinical5[0].Status, c.Clinical5[0].InterimDate = ProgrammeInProgress, date("2008-12-31")
		}},
		{"a live capability", func(c *Content) { c.Clinical5[3].Status = ProgrammeLive }},
		{"no savings", func(c *Content) { c.CapacityAndFunding.Savings = nil }},
		{"every source", func(c *Content) {
			c.Clinical5[0].InterimSource, c.Clinical5[1].InterimSource, c.Clinical5[2].StrategicSource = SourceASCC, SourceOther, SourceLocal
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sampleContent(t).Clone()
			tc.change(&c)
			assert.Empty(t, c.Validate(period2009))
		})
	}
}

// The indicators cover exactly the LHC's NHS members, checked against the registry on submission
// and revision.
func TestContentCoversTheLHCsNHSMembers(t *testing.T) {
	without := func(ods string) func(*Content) {
		return func(c *Content) {
			var keep []OrganisationIndicators
			for _, o := range c.PerOrganisation {
				if o.ODSCode != ods {
					keep = append(keep, o)
				}
			}
			c.PerOrganisation = keep
		}
	}
	plus := func(ods string) func(*Content) {
		return func(c *Content) {
			c.PerOrganisation = append(append([]OrganisationIndicators(nil), c.PerOrganisation...), OrganisationIndicators{ODSCode: ods, NHSNumberCurrentPct: 1, NHSNumberTargetPct: 2})
		}
	}
	runPlanCases(t, []planCase{
		{name: "the lead PCT left out", setup: newWorld, actor: commissionr, cmd: contentWith(without(leadPCT)), want: ErrInvalidContent,
			field: "content.per_organisation", msg: []string{leadPCT}},
		{name: "a trust left out", setup: newWorld, actor: commissionr, cmd: contentWith(without(trust2)), want: ErrInvalidContent, msg: []string{trust2}},
		{name: "an organisation outside the LHC", setup: newWorld, actor: commissionr, cmd: contentWith(plus(outsider)), want: ErrInvalidContent,
			field: "content.per_organisation[3].ods_code"},
		{name: "the non-NHS member may be given", setup: newWorld, actor: commissionr, cmd: contentWith(plus(nonNHS))},
		{name: "a revision leaving out a member", setup: submitted, actor: commissionr, cmd: func(w *world) PlanCommand {
			c := revisedContent(w.tb)
			without(trust)(&c)
			return RevisePlan{Content: c, Reason: "r"}
		}, want: ErrInvalidContent, msg: []string{trust}},
	})
}
