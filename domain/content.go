package domain

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Content is what a version of a plan says (docs/design.md §4). It is signed off by its hash, so
// every field is kept exactly as submitted.
type Content struct {
	Clinical5             []Capability        `json:"clinical5"`
	CommunityIntegration  string              `json:"community_integration"`
	NationalProgrammes    []NationalProgramme `json:"national_programmes"`
	Infrastructure        string              `json:"infrastructure"`
	InformationGovernance string              `json:"information_governance"`
	DataQuality           string              `json:"data_quality"`
	NHSNumberAdoption     NHSNumberAdoption   `json:"nhs_number_adoption"`
	CapacityAndFunding    CapacityAndFunding  `json:"capacity_and_funding"`
	// PerOrganisation gives the national indicators of every NHS member of the LHC (schema version
	// 3). Like every member schema 3 added to content, it is left out when empty, so that content
	// written before it hashes as it was signed.
	PerOrganisation []OrganisationIndicators `json:"per_organisation,omitempty"`
}

// Capability is the plan for one Clinical 5 capability: what serves in the meantime and what is the
// lasting solution, each with the date it is due.
type Capability struct {
	Capability        string `json:"capability"`
	InterimSolution   string `json:"interim_solution"`
	StrategicSolution string `json:"strategic_solution"`
	InterimDate       Date   `json:"interim_date"`
	StrategicDate     Date   `json:"strategic_date"`
	// Status and each solution's source and product came with schema version 3; content written
	// before has none (see Content.PerOrganisation), and its capabilities count as planned.
	Status           string `json:"status,omitempty"`
	InterimSource    string `json:"interim_source,omitempty"`
	InterimProduct   string `json:"interim_product,omitempty"`
	StrategicSource  string `json:"strategic_source,omitempty"`
	StrategicProduct string `json:"strategic_product,omitempty"`
}

// NationalProgramme is the plan's position on one national programme.
type NationalProgramme struct {
	Programme   string `json:"programme"`
	PlannedDate Date   `json:"planned_date"`
	Status      string `json:"status"`
}

// NHSNumberAdoption is the share of records carrying the NHS number, now and as targeted.
type NHSNumberAdoption struct {
	CurrentPct float64 `json:"current_pct"`
	TargetPct  float64 `json:"target_pct"`
	TargetDate Date    `json:"target_date"`
}

// CapacityAndFunding is the money the plan needs, in whole units of Currency, and (from schema
// version 3) its profile by year and source, the savings it expects and the informatics staff it
// has and needs. Capital and Revenue are then the sums of ByYear's.
type CapacityAndFunding struct {
	Capital  int64         `json:"capital"`
	Revenue  int64         `json:"revenue"`
	Currency string        `json:"currency"`
	ByYear   []YearFunding `json:"by_year,omitempty"`
	Savings  []YearSavings `json:"savings,omitempty"`
	Capacity Capacity      `json:"capacity,omitzero"`
}

// OrganisationIndicators are one NHS organisation's national indicators: how far it uses the NHS
// Number, and its Information Governance Toolkit level, now and as targeted.
type OrganisationIndicators struct {
	ODSCode               string  `json:"ods_code"`
	NHSNumberCurrentPct   float64 `json:"nhs_number_current_pct"`
	NHSNumberTargetPct    float64 `json:"nhs_number_target_pct"`
	IGToolkitLevelCurrent int     `json:"ig_toolkit_level_current"`
	IGToolkitLevelTarget  int     `json:"ig_toolkit_level_target"`
}

// YearFunding is money a plan needs in one financial year from one source.
type YearFunding struct {
	FinancialYear int    `json:"financial_year"`
	Capital       int64  `json:"capital"`
	Revenue       int64  `json:"revenue"`
	Source        string `json:"source"`
}

// YearSavings is what a plan expects to save in one financial year.
type YearSavings struct {
	FinancialYear int   `json:"financial_year"`
	CashReleasing int64 `json:"cash_releasing"`
	NonCash       int64 `json:"non_cash"`
}

// Capacity is the informatics staff an LHC has and needs to deploy its plan, in whole-time
// equivalents.
type Capacity struct {
	InformaticsWTECurrent  float64 `json:"informatics_wte_current"`
	InformaticsWTERequired float64 `json:"informatics_wte_required"`
}

// The Clinical 5 capabilities; a plan addresses each exactly once.
const (
	CapabilityPASReporting = "pas_reporting"
	CapabilityOrderComms   = "order_comms"
	CapabilityCodedLetters = "coded_letters"
	CapabilityScheduling   = "scheduling"
	CapabilityEPrescribing = "e_prescribing"
)

// Clinical5 lists the capabilities in their customary order.
var Clinical5 = []string{CapabilityPASReporting, CapabilityOrderComms, CapabilityCodedLetters, CapabilityScheduling, CapabilityEPrescribing}

// The national programmes; a plan states its position on each exactly once.
const (
	ProgrammeSCR        = "scr"
	ProgrammeEPSR2      = "eps_r2"
	ProgrammeGP2GP      = "gp2gp"
	ProgrammeNHSChoices = "nhs_choices"
)

// NationalProgrammes lists the programmes in their customary order.
var NationalProgrammes = []string{ProgrammeSCR, ProgrammeEPSR2, ProgrammeGP2GP, ProgrammeNHSChoices}

// Where a national programme stands.
const (
	ProgrammePlanned    = "planned"
	ProgrammeInProgress = "in_progress"
	ProgrammeLive       = "live"
)

// ProgrammeStatuses lists the valid national programme statuses; a Clinical 5 capability and a
// delivery report take the same.
var ProgrammeStatuses = []string{ProgrammePlanned, ProgrammeInProgress, ProgrammeLive}

// Where a Clinical 5 solution comes from.
const (
	SourceNPfIT = "npfit" // the National Programme for IT's local service provider
	SourceASCC  = "ascc"  // the Additional Supply Capability and Capacity framework
	SourceLocal = "local" // procured or built locally
	SourceOther = "other"
)

// SolutionSources lists the sources of a Clinical 5 solution.
var SolutionSources = []string{SourceNPfIT, SourceASCC, SourceLocal, SourceOther}

// Where a year's money comes from.
const (
	FundingCentral       = "central"
	FundingPCTAllocation = "pct_allocation"
	FundingProvider      = "provider"
	FundingOther         = "other"
)

// FundingSources lists the sources of a year's money.
var FundingSources = []string{FundingCentral, FundingPCTAllocation, FundingProvider, FundingOther}

// IG Toolkit levels run from 0 to 3; 2009-10 expected level 2 of every organisation.
const (
	MaxIGToolkitLevel      = 3
	ExpectedIGToolkitLevel = 2
)

// maxWTE bounds a whole-time-equivalent count: an LHC's informatics staff number tens to hundreds.
const maxWTE = 100_000

// Sections names the parts of Content, as a contribution refers to them (their JSON names).
var Sections = []string{
	"clinical5", "community_integration", "national_programmes", "infrastructure",
	"information_governance", "data_quality", "nhs_number_adoption", "capacity_and_funding",
}

// Currency is the only currency plans are costed in.
const Currency = "GBP"

// maxMoney keeps sums exact in canonical JSON: RFC 8785 numbers are IEEE doubles, so an integer
// beyond 2^53 would be hashed as a neighbouring value.
const maxMoney = 1<<53 - 1

// Clone copies c's lists so that the copy shares no slice with c: state never shares one with an
// event or a caller.
func (c Content) Clone() Content {
	c.Clinical5 = slices.Clone(c.Clinical5)
	c.NationalProgrammes = slices.Clone(c.NationalProgrammes)
	c.PerOrganisation = slices.Clone(c.PerOrganisation)
	c.CapacityAndFunding.ByYear = slices.Clone(c.CapacityAndFunding.ByYear)
	c.CapacityAndFunding.Savings = slices.Clone(c.CapacityAndFunding.Savings)
	return c
}

// Validate lists what is wrong with c as the content of a plan over period p; nil if it is valid.
// Paths start with "content.". If p is not a valid period, dates are not checked against it.
func (c Content) Validate(p Period) []FieldError {
	var ps problems
	c.check(&ps, p, p.check(&problems{}, "period"))
	return ps.fields()
}

// check records c's faults. datesInPeriod says whether p is sound enough to check dates against.
func (c Content) check(ps *problems, p Period, datesInPeriod bool) {
	const root = "content"
	c.checkClinical5(ps, root+".clinical5", p, datesInPeriod)
	requiredLong.check(ps, ErrInvalidContent, root+".community_integration", c.CommunityIntegration)
	c.checkProgrammes(ps, root+".national_programmes", p, datesInPeriod)
	requiredLong.check(ps, ErrInvalidContent, root+".infrastructure", c.Infrastructure)
	requiredLong.check(ps, ErrInvalidContent, root+".information_governance", c.InformationGovernance)
	requiredLong.check(ps, ErrInvalidContent, root+".data_quality", c.DataQuality)
	c.NHSNumberAdoption.check(ps, root+".nhs_number_adoption", p, datesInPeriod)
	c.CapacityAndFunding.check(ps, root+".capacity_and_funding", p, datesInPeriod)
	checkIndicators(ps, root+".per_organisation", c.PerOrganisation)
	if n := c.TextBytes(); n > MaxContentBytes {
		ps.add(ErrContentTooLarge, root, "holds %d bytes of text, more than the %d a plan's content may", n, MaxContentBytes)
	}
}

func (c Content) checkClinical5(ps *problems, field string, p Period, datesInPeriod bool) {
	seen := map[string]int{}
	for _, item := range c.Clinical5 {
		seen[item.Capability]++
	}
	// Missing capabilities come first: a plan without all of the Clinical 5 is the headline fault.
	for _, name := range Clinical5 {
		if seen[name] == 0 {
			ps.add(ErrMissingCapability, field, "missing capability %q", name)
		}
	}
	first := map[string]int{}
	for i, item := range c.Clinical5 {
		at := fmt.Sprintf("%s[%d]", field, i)
		switch j, dup := first[item.Capability]; {
		case item.Capability == "":
			ps.add(ErrInvalidContent, at+".capability", "is required")
		case !slices.Contains(Clinical5, item.Capability):
			ps.add(ErrInvalidContent, at+".capability", "unknown capability %q; want one of %s", item.Capability, strings.Join(Clinical5, ", "))
		case dup:
			ps.add(ErrInvalidContent, at+".capability", "duplicate capability %q, already at %s[%d]", item.Capability, field, j)
		default:
			first[item.Capability] = i
		}
		requiredLong.check(ps, ErrInvalidContent, at+".interim_solution", item.InterimSolution)
		requiredLong.check(ps, ErrInvalidContent, at+".strategic_solution", item.StrategicSolution)
		statusOK := checkStatus(ps, at+".status", item.Status)
		checkSource(ps, at+".interim_source", item.InterimSource)
		requiredShort.check(ps, ErrInvalidContent, at+".interim_product", item.InterimProduct)
		checkSource(ps, at+".strategic_source", item.StrategicSource)
		requiredShort.check(ps, ErrInvalidContent, at+".strategic_product", item.StrategicProduct)
		checkDeliveryDate(ps, at+".interim_date", item.InterimDate, item.Status, p, datesInPeriod && statusOK)
		checkDeliveryDate(ps, at+".strategic_date", item.StrategicDate, item.Status, p, datesInPeriod && statusOK)
		if !item.InterimDate.IsZero() && item.InterimDate.After(item.StrategicDate) && !item.StrategicDate.IsZero() {
			ps.add(ErrInvalidContent, at+".interim_date", "%s is after strategic_date %s; the interim solution must come first", item.InterimDate, item.StrategicDate)
		}
	}
}

func (c Content) checkProgrammes(ps *problems, field string, p Period, datesInPeriod bool) {
	seen := map[string]bool{}
	for _, item := range c.NationalProgrammes {
		seen[item.Programme] = true
	}
	for _, name := range NationalProgrammes {
		if !seen[name] {
			ps.add(ErrInvalidContent, field, "missing programme %q", name)
		}
	}
	first := map[string]int{}
	for i, item := range c.NationalProgrammes {
		at := fmt.Sprintf("%s[%d]", field, i)
		switch j, dup := first[item.Programme]; {
		case item.Programme == "":
			ps.add(ErrInvalidContent, at+".programme", "is required")
		case !slices.Contains(NationalProgrammes, item.Programme):
			ps.add(ErrInvalidContent, at+".programme", "unknown programme %q; want one of %s", item.Programme, strings.Join(NationalProgrammes, ", "))
		case dup:
			ps.add(ErrInvalidContent, at+".programme", "duplicate programme %q, already at %s[%d]", item.Programme, field, j)
		default:
			first[item.Programme] = i
		}
		statusOK := checkStatus(ps, at+".status", item.Status)
		checkDeliveryDate(ps, at+".planned_date", item.PlannedDate, item.Status, p, datesInPeriod && statusOK)
	}
}

// checkStatus records a problem unless s is a delivery status; it reports whether it is one.
func checkStatus(ps *problems, field, s string) bool {
	switch {
	case s == "":
		ps.add(ErrInvalidContent, field, "is required")
	case !slices.Contains(ProgrammeStatuses, s):
		ps.add(ErrInvalidContent, field, "unknown status %q; want one of %s", s, strings.Join(ProgrammeStatuses, ", "))
	default:
		return true
	}
	return false
}

func checkSource(ps *problems, field, s string) {
	switch {
	case s == "":
		ps.add(ErrInvalidContent, field, "is required")
	case !slices.Contains(SolutionSources, s):
		ps.add(ErrInvalidContent, field, "unknown source %q; want one of %s", s, strings.Join(SolutionSources, ", "))
	}
}

// checkDeliveryDate checks the date something of status is due: something still planned must
// happen within the plan's horizon; work under way or live may have started before the period, but
// cannot be due after it. check is false when the period or the status is not sound enough to
// check the date against.
func checkDeliveryDate(ps *problems, field string, d Date, status string, p Period, check bool) {
	switch {
	case d.IsZero():
		ps.add(ErrInvalidContent, field, "is required")
	case !check:
	case status == ProgrammePlanned && !d.In(p):
		ps.add(ErrDateOutsidePeriod, field, "%s is outside the period %s to %s", d, p.Start(), p.End())
	case d.After(p.End()):
		ps.add(ErrDateOutsidePeriod, field, "%s is after the end of the period, %s", d, p.End())
	}
}

// checkIndicators checks the per-organisation indicators' own faults; whether they cover the LHC's
// NHS members is checked against the registry (checkCoverage).
func checkIndicators(ps *problems, field string, orgs []OrganisationIndicators) {
	if len(orgs) == 0 {
		ps.add(ErrInvalidContent, field, "is required: the indicators of every NHS member of the LHC")
		return
	}
	seen := map[string]int{}
	for i, o := range orgs {
		at := fmt.Sprintf("%s[%d]", field, i)
		if j, dup := seen[o.ODSCode]; dup {
			ps.add(ErrInvalidContent, at+".ods_code", "%s is also at %s[%d]", o.ODSCode, field, j)
		} else if checkODSAs(ps, ErrInvalidContent, at+".ods_code", o.ODSCode) {
			seen[o.ODSCode] = i
		}
		checkPercentages(ps, at, "nhs_number_current_pct", o.NHSNumberCurrentPct, "nhs_number_target_pct", o.NHSNumberTargetPct)
		levelsOK := true
		for _, l := range []struct {
			name  string
			level int
		}{{"ig_toolkit_level_current", o.IGToolkitLevelCurrent}, {"ig_toolkit_level_target", o.IGToolkitLevelTarget}} {
			if l.level < 0 || l.level > MaxIGToolkitLevel {
				ps.add(ErrInvalidContent, at+"."+l.name, "%d is not an IG Toolkit level (0 to %d)", l.level, MaxIGToolkitLevel)
				levelsOK = false
			}
		}
		if levelsOK && o.IGToolkitLevelTarget < o.IGToolkitLevelCurrent {
			ps.add(ErrInvalidContent, at+".ig_toolkit_level_target", "%d is below ig_toolkit_level_current %d; a target cannot be a fall", o.IGToolkitLevelTarget, o.IGToolkitLevelCurrent)
		}
	}
}

// checkPercentages checks a current and a target percentage: each between 0 and 100, the target
// not below the current.
func checkPercentages(ps *problems, field, curName string, cur float64, tgtName string, tgt float64) {
	ok := true
	for _, v := range []struct {
		name string
		pct  float64
	}{{curName, cur}, {tgtName, tgt}} {
		if math.IsNaN(v.pct) || v.pct < 0 || v.pct > 100 {
			ps.add(ErrInvalidContent, field+"."+v.name, "%v is not a percentage between 0 and 100", v.pct)
			ok = false
		}
	}
	if ok && tgt < cur {
		ps.add(ErrInvalidContent, field+"."+tgtName, "%v is below %s %v; a target cannot be a fall", tgt, curName, cur)
	}
}

// checkCoverage records a problem for each NHS member of the LHC (a PCT or an NHS provider, the
// lead PCT included) that c's per-organisation indicators leave out, and for each organisation
// they give that is not a member.
func (c Content) checkCoverage(ps *problems, reg *Registry, lhc *LHC) {
	if len(c.PerOrganisation) == 0 {
		return // already refused as missing
	}
	const field = "content.per_organisation"
	given := map[string]bool{}
	for i, o := range c.PerOrganisation {
		given[o.ODSCode] = true
		if o.ODSCode != "" && !lhc.HasMember(o.ODSCode) {
			ps.add(ErrInvalidContent, fmt.Sprintf("%s[%d].ods_code", field, i), "%s is not a member of LHC %q", o.ODSCode, lhc.ID)
		}
	}
	var missing []string
	for _, m := range lhc.Members {
		if o, ok := reg.orgs[m]; ok && o.Kind.IsNHS() && !given[m] {
			missing = append(missing, m)
		}
	}
	if len(missing) > 0 {
		ps.add(ErrInvalidContent, field, "leaves out %s: every NHS member of LHC %q gives its indicators", strings.Join(missing, ", "), lhc.ID)
	}
}

func (n NHSNumberAdoption) check(ps *problems, field string, p Period, datesInPeriod bool) {
	checkPercentages(ps, field, "current_pct", n.CurrentPct, "target_pct", n.TargetPct)
	checkDateIn(ps, field+".target_date", n.TargetDate, p, datesInPeriod)
}

func (f CapacityAndFunding) check(ps *problems, field string, p Period, datesInPeriod bool) {
	for _, v := range []struct {
		name string
		sum  int64
	}{{"capital", f.Capital}, {"revenue", f.Revenue}} {
		checkMoney(ps, field+"."+v.name, v.sum)
	}
	f.checkByYear(ps, field+".by_year", p, datesInPeriod)
	f.checkSavings(ps, field+".savings", p, datesInPeriod)
	f.Capacity.check(ps, field+".capacity")
	switch f.Currency {
	case Currency:
	case "":
		ps.add(ErrInvalidContent, field+".currency", "is required")
	default:
		ps.add(ErrInvalidContent, field+".currency", "%q is not %s; plans are costed in pounds sterling", f.Currency, Currency)
	}
}

func checkMoney(ps *problems, field string, sum int64) bool {
	switch {
	case sum < 0:
		ps.add(ErrInvalidContent, field, "%d is negative", sum)
	case sum > maxMoney:
		ps.add(ErrInvalidContent, field, "%d exceeds %d, the largest sum kept exactly", sum, int64(maxMoney))
	default:
		return true
	}
	return false
}

// checkFinancialYear records a problem unless y is a financial year of period p (when p is sound).
func checkFinancialYear(ps *problems, field string, y int, p Period, datesInPeriod bool) {
	switch {
	case y == 0:
		ps.add(ErrInvalidContent, field, "is required")
	case datesInPeriod && (y < p.FirstYear || y > p.LastYear):
		ps.add(ErrDateOutsidePeriod, field, "%d is outside the period's financial years, %d to %d", y, p.FirstYear, p.LastYear)
	}
}

// checkByYear checks the funding profile: at least one line, each in a financial year of the
// period from a known source, each year and source once, and the totals its sums.
func (f CapacityAndFunding) checkByYear(ps *problems, field string, p Period, datesInPeriod bool) {
	if len(f.ByYear) == 0 {
		ps.add(ErrInvalidContent, field, "is required: the money by financial year and source")
		return
	}
	type line struct {
		year   int
		source string
	}
	seen := map[line]int{}
	var capital, revenue int64
	sumsOK := true
	for i, y := range f.ByYear {
		at := fmt.Sprintf("%s[%d]", field, i)
		checkFinancialYear(ps, at+".financial_year", y.FinancialYear, p, datesInPeriod)
		switch {
		case y.Source == "":
			ps.add(ErrInvalidContent, at+".source", "is required")
		case !slices.Contains(FundingSources, y.Source):
			ps.add(ErrInvalidContent, at+".source", "unknown source %q; want one of %s", y.Source, strings.Join(FundingSources, ", "))
		}
		if j, dup := seen[line{y.FinancialYear, y.Source}]; dup {
			ps.add(ErrInvalidContent, at, "financial year %d from %s is also at %s[%d]", y.FinancialYear, y.Source, field, j)
		} else {
			seen[line{y.FinancialYear, y.Source}] = i
		}
		okC, okR := checkMoney(ps, at+".capital", y.Capital), checkMoney(ps, at+".revenue", y.Revenue)
		sumsOK = sumsOK && okC && okR
		capital, revenue = capital+y.Capital, revenue+y.Revenue
	}
	if !sumsOK {
		return
	}
	// Each line is at most 2^53, and a content holds far fewer than 2^10 lines: the sums cannot
	// overflow an int64.
	if capital != f.Capital {
		ps.add(ErrInvalidContent, field[:len(field)-len(".by_year")]+".capital", "%d is not %d, the sum of by_year's capital", f.Capital, capital)
	}
	if revenue != f.Revenue {
		ps.add(ErrInvalidContent, field[:len(field)-len(".by_year")]+".revenue", "%d is not %d, the sum of by_year's revenue", f.Revenue, revenue)
	}
}

// checkSavings checks the savings expected: each in a financial year of the period, once, with
// amounts that are not negative. A plan may expect none.
func (f CapacityAndFunding) checkSavings(ps *problems, field string, p Period, datesInPeriod bool) {
	seen := map[int]int{}
	for i, s := range f.Savings {
		at := fmt.Sprintf("%s[%d]", field, i)
		checkFinancialYear(ps, at+".financial_year", s.FinancialYear, p, datesInPeriod)
		if j, dup := seen[s.FinancialYear]; dup && s.FinancialYear != 0 {
			ps.add(ErrInvalidContent, at+".financial_year", "%d is also at %s[%d]", s.FinancialYear, field, j)
		} else {
			seen[s.FinancialYear] = i
		}
		checkMoney(ps, at+".cash_releasing", s.CashReleasing)
		checkMoney(ps, at+".non_cash", s.NonCash)
	}
}

func (c Capacity) check(ps *problems, field string) {
	ok := true
	for _, v := range []struct {
		name string
		wte  float64
	}{{"informatics_wte_current", c.InformaticsWTECurrent}, {"informatics_wte_required", c.InformaticsWTERequired}} {
		if math.IsNaN(v.wte) || v.wte < 0 || v.wte > maxWTE {
			ps.add(ErrInvalidContent, field+"."+v.name, "%v is not a number of whole-time equivalents between 0 and %d", v.wte, maxWTE)
			ok = false
		}
	}
	if ok && c.InformaticsWTERequired == 0 {
		ps.add(ErrInvalidContent, field+".informatics_wte_required", "is required: the informatics staff the plan needs, more than 0")
	}
}

func checkDateIn(ps *problems, field string, d Date, p Period, datesInPeriod bool) {
	switch {
	case d.IsZero():
		ps.add(ErrInvalidContent, field, "is required")
	case datesInPeriod && !d.In(p):
		ps.add(ErrDateOutsidePeriod, field, "%s is outside the period %s to %s", d, p.Start(), p.End())
	}
}

// nonNil returns s, or an empty slice if s is nil, so that lists marshal as [] and never as null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// checkODSAs is checkODS for a code inside content, refused under code.
func checkODSAs(ps *problems, code *Error, field, v string) bool {
	switch {
	case v == "":
		ps.add(code, field, "is required")
	case !odsCodePattern.MatchString(v):
		ps.add(code, field, "%q is not an ODS code (3 to 5 upper-case letters or digits)", v)
	default:
		return true
	}
	return false
}
