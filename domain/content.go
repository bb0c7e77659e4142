package domain

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Content is what a version of a plan says (DESIGN.md section 2). It is signed off by its hash, so
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
}

// Capability is the plan for one Clinical 5 capability: what serves in the meantime and what is the
// lasting solution, each with the date it is due.
type Capability struct {
	Capability        string `json:"capability"`
	InterimSolution   string `json:"interim_solution"`
	StrategicSolution string `json:"strategic_solution"`
	InterimDate       Date   `json:"interim_date"`
	StrategicDate     Date   `json:"strategic_date"`
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

// CapacityAndFunding is the money the plan needs, in whole units of Currency.
type CapacityAndFunding struct {
	Capital  int64  `json:"capital"`
	Revenue  int64  `json:"revenue"`
	Currency string `json:"currency"`
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

// ProgrammeStatuses lists the valid national programme statuses.
var ProgrammeStatuses = []string{ProgrammePlanned, ProgrammeInProgress, ProgrammeLive}

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
	c.CapacityAndFunding.check(ps, root+".capacity_and_funding")
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
		checkDateIn(ps, at+".interim_date", item.InterimDate, p, datesInPeriod)
		checkDateIn(ps, at+".strategic_date", item.StrategicDate, p, datesInPeriod)
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
		statusOK := slices.Contains(ProgrammeStatuses, item.Status)
		if item.Status == "" {
			ps.add(ErrInvalidContent, at+".status", "is required")
		} else if !statusOK {
			ps.add(ErrInvalidContent, at+".status", "unknown status %q; want one of %s", item.Status, strings.Join(ProgrammeStatuses, ", "))
		}
		d := item.PlannedDate
		switch {
		case d.IsZero():
			ps.add(ErrInvalidContent, at+".planned_date", "is required")
		case !datesInPeriod || !statusOK:
		case item.Status == ProgrammePlanned && !d.In(p):
			// Something still to come must happen within the plan's horizon.
			ps.add(ErrDateOutsidePeriod, at+".planned_date", "%s is outside the period %s to %s", d, p.Start(), p.End())
		case d.After(p.End()):
			// Work under way or live may have started before the period, but cannot be due after it.
			ps.add(ErrDateOutsidePeriod, at+".planned_date", "%s is after the end of the period, %s", d, p.End())
		}
	}
}

func (n NHSNumberAdoption) check(ps *problems, field string, p Period, datesInPeriod bool) {
	ok := true
	for _, v := range []struct {
		name string
		pct  float64
	}{{"current_pct", n.CurrentPct}, {"target_pct", n.TargetPct}} {
		if math.IsNaN(v.pct) || v.pct < 0 || v.pct > 100 {
			ps.add(ErrInvalidContent, field+"."+v.name, "%v is not a percentage between 0 and 100", v.pct)
			ok = false
		}
	}
	if ok && n.TargetPct < n.CurrentPct {
		ps.add(ErrInvalidContent, field+".target_pct", "%v is below current_pct %v; a target cannot be a fall", n.TargetPct, n.CurrentPct)
	}
	checkDateIn(ps, field+".target_date", n.TargetDate, p, datesInPeriod)
}

func (f CapacityAndFunding) check(ps *problems, field string) {
	for _, v := range []struct {
		name string
		sum  int64
	}{{"capital", f.Capital}, {"revenue", f.Revenue}} {
		if v.sum < 0 {
			ps.add(ErrInvalidContent, field+"."+v.name, "%d is negative", v.sum)
		} else if v.sum > maxMoney {
			ps.add(ErrInvalidContent, field+"."+v.name, "%d exceeds %d, the largest sum kept exactly", v.sum, int64(maxMoney))
		}
	}
	switch f.Currency {
	case Currency:
	case "":
		ps.add(ErrInvalidContent, field+".currency", "is required")
	default:
		ps.add(ErrInvalidContent, field+".currency", "%q is not %s; plans are costed in pounds sterling", f.Currency, Currency)
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
