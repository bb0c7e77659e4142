package projections

import (
	"math"
	"sort"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// ReportFilter selects what the transparency report covers. Zero AsOf means the current state.
type ReportFilter struct {
	SHA, Round string
	AsOf       eventstore.Position
	// At is when lateness is measured (Report.LatenessOn is its day, in UTC): zero means the
	// projector's clock when AsOf is zero (the present), else when the last event by AsOf was
	// recorded (the cut's as_of). An "as of" asked for by time gives that time.
	At time.Time
}

// Counts holds the number of plans and how many are in each status.
type Counts struct {
	Plans                 int `json:"plans"`
	Submitted             int `json:"submitted"`
	SignedOff             int `json:"signed_off"`
	Assured               int `json:"assured"`
	AssuredWithConditions int `json:"assured_with_conditions"`
	NotAssured            int `json:"not_assured"`
	Acknowledged          int `json:"acknowledged"`
	Withdrawn             int `json:"withdrawn"`
}

func (c *Counts) add(s domain.Status) { c.addN(s, 1) }

// addN counts n more plans (n may be negative) in status s.
func (c *Counts) addN(s domain.Status, n int) {
	c.Plans += n
	if f := c.statusField(s); f != nil {
		*f += n
	}
}

// ByStatus returns the count for one status.
func (c Counts) ByStatus(s domain.Status) int {
	if n := c.statusField(s); n != nil {
		return *n
	}
	return 0
}

// SHARow is one SHA's line of the report.
type SHARow struct {
	SHACode string `json:"sha_code"`
	Name    string `json:"name"`
	Counts
	// SROSignOffRate is the share of required SRO sign-offs given on the current versions of the
	// SHA's live plans (not withdrawn); null when no plan needs one.
	SROSignOffRate *float64 `json:"sro_signoff_rate"`
	// MedianDaysSubmitToAssurance is the median, over plans that have been assured (with or without
	// conditions), of the days from first submission to first such assurance; null when none has.
	MedianDaysSubmitToAssurance *float64 `json:"median_days_submit_to_assurance"`
	// OnTimeSubmissionRate is the share of live plans of published rounds first submitted by their
	// round's plan_submission deadline (by the recorded time of the submission); null when none.
	OnTimeSubmissionRate *float64 `json:"on_time_submission_rate"`
	// OverdueSubmissions counts, over published rounds whose plan_submission deadline had passed by
	// LatenessAt, the SHA's LHCs with no live plan for the round.
	OverdueSubmissions int `json:"overdue_submissions"`
	// OverdueAssurances counts the live plans not yet assured once their round's sha_assurance
	// deadline had passed by LatenessOn.
	OverdueAssurances int `json:"overdue_assurances"`
	// OpenConditions counts the conditions of assurances not yet discharged or lapsed (nor
	// superseded by a revision or a withdrawal); OverdueConditions those of them past their due date
	// on LatenessOn.
	OpenConditions    int `json:"open_conditions"`
	OverdueConditions int `json:"overdue_conditions"`
	// SupersededOpenConditions counts the conditions still open when their version was revised or
	// their plan withdrawn: never met, and no longer followed up.
	SupersededOpenConditions int `json:"superseded_open_conditions"`
	// MedianDaysToDischarge is the median, over discharged conditions, of the days from the
	// assurance that attached the condition to its discharge; null when none is discharged.
	MedianDaysToDischarge *float64 `json:"median_days_to_discharge"`
	Indicators
}

// Indicators are an SHA's national indicators, money and governance, from the live plans' current
// versions (ReportWithIndicators): left zero by Report.
type Indicators struct {
	// NHSNumberCurrentAvg and NHSNumberTargetAvg average the NHS Number use of every organisation
	// the plans give indicators for, each once; null when none does. An organisation several plans
	// name (its LHC's plans for several rounds when the report is not filtered by round, or the
	// plans of several LHCs it is a member of) counts with the figures of the plan whose current
	// version was recorded last; of two recorded at the same instant, the plan submitted later.
	// The figures are summed in millionths of a point and the averages rounded to two places.
	NHSNumberCurrentAvg *float64 `json:"nhs_number_current_avg"`
	NHSNumberTargetAvg  *float64 `json:"nhs_number_target_avg"`
	// OrganisationsBelowIGLevel2 counts those organisations, with the same figures, whose current
	// IG Toolkit level is below 2, the 2009-10 expectation; null when no plan gives indicators (a
	// log older than content schema version 3), as the averages are: not known is not none.
	OrganisationsBelowIGLevel2 *int `json:"organisations_below_ig_level_2"`
	// PlansWithSCRLive counts plans with the Summary Care Record live (reported, or so stated);
	// PlansWithEPSR2InPeriod those whose EPS Release 2 date falls in their period.
	PlansWithSCRLive       int `json:"plans_with_scr_live"`
	PlansWithEPSR2InPeriod int `json:"plans_with_eps_r2_in_period"`
	// Capital and Revenue total the plans' money.
	Capital int64 `json:"capital"`
	Revenue int64 `json:"revenue"`
	// OrganisationsWithGovernanceBody counts the SHA's PCTs and NHS providers with an informatics
	// board in place on the report's day.
	OrganisationsWithGovernanceBody int `json:"organisations_with_governance_body"`
}

// Report is the governance transparency report.
type Report struct {
	Round string `json:"round"` // "all" when not filtered
	Cut
	// LatenessOn is the day deadlines are compared with where nothing has been recorded yet (is a
	// submission, an assurance, a condition overdue?): today (UTC) for the report asked without
	// as_of, the as-of day otherwise. What has been recorded is compared by its recorded time.
	LatenessOn domain.Date `json:"lateness_on"`
	Totals     Counts      `json:"totals"`
	BySHA      []SHARow    `json:"by_sha"`
}

type shaAcc struct {
	row              SHARow
	required, signed int
	days             []float64     // collected by a scan
	sorted           *sortedFloats // or kept by the aggregates
	// withDeadline counts the live plans of published rounds, onTime those submitted by the deadline.
	withDeadline, onTime int
	live                 map[string]int // live plans per round
	conds                conditionCounts
	discharge            *sortedFloats // days to discharge kept by the aggregates, or conds.days
}

// Report computes the transparency report as of f.AsOf (or now). Every SHA registered by then has a
// row, with zero counts if it has no plans.
func (p *Projector) Report(f ReportFilter) Report {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.report(f, false)
}

// report computes the report with p.mu held, from the aggregates when it is of the current state
// unless scan asks for a walk over every plan (the reference the aggregates are tested against).
func (p *Projector) report(f ReportFilter, scan bool) Report {
	// appliedPos, exact under p.mu, rather than progress, which moves just after the applier lets
	// go of mu: a reader let in between would otherwise miss the running sums and scan every plan.
	pos := f.AsOf
	current := pos == 0 || pos >= p.appliedPos
	if current {
		pos = p.appliedPos
	}
	rep := Report{Round: f.Round, Cut: p.cutLocked(pos), BySHA: []SHARow{}}
	if rep.Round == "" {
		rep.Round = "all"
	}
	// Lateness is measured on the day "as of" names whenever as_of was asked, even at the head: an
	// answer as of a position must not change with the day it is asked on (ledger audit compares
	// them), and only the present, asked without as_of, is measured today.
	at := f.At
	if at.IsZero() {
		at = rep.AsOf
		if f.AsOf == 0 {
			at = p.now()
		}
	}
	rep.LatenessOn = domain.DateOf(at.UTC())
	reg := p.registry
	if !current {
		reg = p.registryAtLocked(pos)
	}
	accs := map[string]*shaAcc{}
	for _, code := range sortedKeys(p.shaSince) {
		if p.shaSince[code] > pos || (f.SHA != "" && code != f.SHA) {
			continue
		}
		org, _ := p.registry.Organisation(code)
		accs[code] = &shaAcc{row: SHARow{SHACode: code, Name: org.Name}, live: map[string]int{}}
	}
	day := rep.LatenessOn
	if current && !scan {
		// The report as the projections stand: the running sums of every (SHA, round) cell.
		p.reportCells(f, reg, day, &rep, accs)
	} else {
		p.reportScan(f, reg, pos, day, &rep, accs)
	}
	lhcs := reg.LHCsPerSHA()
	for _, code := range sortedKeys(accs) {
		acc := accs[code]
		if acc.required > 0 {
			rate := round(float64(acc.signed)/float64(acc.required), 4)
			acc.row.SROSignOffRate = &rate
		}
		if acc.sorted != nil {
			if m, ok := acc.sorted.median(); ok {
				m = round(m, 1)
				acc.row.MedianDaysSubmitToAssurance = &m
			}
		} else if len(acc.days) > 0 {
			m := round(median(acc.days), 1)
			acc.row.MedianDaysSubmitToAssurance = &m
		}
		if acc.withDeadline > 0 {
			rate := round(float64(acc.onTime)/float64(acc.withDeadline), 4)
			acc.row.OnTimeSubmissionRate = &rate
		}
		for _, rd := range reg.Rounds() {
			if f.Round != "" && rd.Round != f.Round {
				continue
			}
			if due, ok := rd.Due(domain.MilestonePlanSubmission); ok && day.After(due) {
				acc.row.OverdueSubmissions += max(0, lhcs[code]-acc.live[rd.Round])
			}
		}
		acc.row.OpenConditions, acc.row.OverdueConditions, acc.row.SupersededOpenConditions = acc.conds.open, acc.conds.overdue, acc.conds.superseded
		if acc.discharge != nil {
			if m, ok := acc.discharge.median(); ok {
				m = round(m, 1)
				acc.row.MedianDaysToDischarge = &m
			}
		} else if len(acc.conds.days) > 0 {
			m := round(median(acc.conds.days), 1)
			acc.row.MedianDaysToDischarge = &m
		}
		rep.BySHA = append(rep.BySHA, acc.row)
	}
	return rep
}

// endOfDay is the last second of d, in Unix seconds: a plan submitted then is on time.
func endOfDay(d domain.Date) float64 { return float64(d.Time().AddDate(0, 0, 1).Unix() - 1) }

// reportCells fills the report from the aggregates: O(SHAs x rounds), whatever the number of plans.
func (p *Projector) reportCells(f ReportFilter, reg *domain.Registry, day domain.Date, rep *Report, accs map[string]*shaAcc) {
	for key, c := range p.aggs.cells {
		if (f.SHA != "" && key.sha != f.SHA) || (f.Round != "" && key.round != f.Round) {
			continue
		}
		rep.Totals.plus(c.counts)
		acc := accs[key.sha]
		if acc == nil {
			continue
		}
		acc.row.Counts.plus(c.counts)
		acc.required += c.required
		acc.signed += c.signed
		if f.Round != "" {
			acc.sorted = &c.days
			acc.discharge = &c.discharge
		}
		live := c.counts.Plans - c.counts.Withdrawn
		acc.live[key.round] += live
		if due, ok := reg.MilestoneDue(key.round, domain.MilestonePlanSubmission); ok {
			acc.withDeadline += c.submitted.n
			acc.onTime += c.submitted.atMost(endOfDay(due))
		}
		if due, ok := reg.MilestoneDue(key.round, domain.MilestoneSHAAssurance); ok && day.After(due) {
			acc.row.OverdueAssurances += live - c.assuredLive
		}
		acc.conds.open += c.openDues.n + c.openUndated
		acc.conds.overdue += c.openDues.below(dueDay(day))
		acc.conds.superseded += c.supersededOpen
	}
	if f.Round == "" {
		for sha, acc := range accs {
			acc.sorted = p.aggs.shaDays[sha]
			acc.discharge = p.aggs.shaDischarge[sha]
		}
	}
}

// reportScan fills the report from every plan's summary as of pos: the "as of" report, and the
// reference the aggregates are tested against.
func (p *Projector) reportScan(f ReportFilter, reg *domain.Registry, pos eventstore.Position, day domain.Date, rep *Report, accs map[string]*shaAcc) {
	for _, v := range p.order {
		if (f.SHA != "" && v.sha != f.SHA) || (f.Round != "" && v.plan.Round() != f.Round) {
			continue
		}
		s, ok := v.at(pos)
		if !ok {
			continue
		}
		rep.Totals.add(s.status())
		acc := accs[v.sha]
		if acc == nil {
			continue
		}
		acc.row.Counts.add(s.status())
		acc.required += int(s.required)
		acc.signed += int(s.signed)
		if d, ok := s.days(); ok {
			acc.days = append(acc.days, d)
		}
		acc.conds.add(v, pos, day)
		if s.status() == domain.StatusWithdrawn {
			continue
		}
		r := v.plan.Round()
		acc.live[r]++
		if due, ok := reg.MilestoneDue(r, domain.MilestonePlanSubmission); ok {
			acc.withDeadline++
			acc.onTime += b2i(float64(s.submitted.sec) <= endOfDay(due))
		}
		if due, ok := reg.MilestoneDue(r, domain.MilestoneSHAAssurance); ok && day.After(due) && !s.assured.set {
			acc.row.OverdueAssurances++
		}
	}
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func round(x float64, places int) float64 {
	f := math.Pow10(places)
	return math.Round(x*f) / f
}
