package domain

import "time"

// Period is the span of financial years a plan covers, both ends included. A year is named by its
// first calendar year: 2009 is 2009/10, 1 April 2009 to 31 March 2010.
type Period struct {
	FirstYear int `json:"first_year"`
	LastYear  int `json:"last_year"`
}

// MinPlanYears is the shortest period a plan may cover (docs/design.md §3, PlanningRoundPublished).
const MinPlanYears = 3

// Financial years a plan may name. The bounds only catch typing slips (209, 20009); the programme
// itself ran from 2002.
const (
	minPlanYear = 2000
	maxPlanYear = 2100
)

// Start is the first day of the period: 1 April of the first year.
func (p Period) Start() Date { return Date{p.FirstYear, time.April, 1} }

// End is the last day of the period: 31 March after the last year.
func (p Period) End() Date { return Date{p.LastYear + 1, time.March, 31} }

// Years is how many financial years the period covers.
func (p Period) Years() int { return p.LastYear - p.FirstYear + 1 }

// Contains reports whether d lies inside the period.
func (p Period) Contains(d Date) bool { return d.In(p) }

// Validate lists what is wrong with the period; nil if it is a valid plan period.
func (p Period) Validate() []FieldError {
	var ps problems
	p.check(&ps, "period")
	return ps.fields()
}

// check records the period's faults and reports whether the period is usable for checking dates.
func (p Period) check(ps *problems, field string) bool {
	n := len(*ps)
	for _, y := range []struct {
		name string
		v    int
	}{{"first_year", p.FirstYear}, {"last_year", p.LastYear}} {
		if y.v == 0 {
			ps.add(ErrInvalidCommand, field+"."+y.name, "is required")
		} else if y.v < minPlanYear || y.v > maxPlanYear {
			ps.add(ErrInvalidCommand, field+"."+y.name, "%d is not a financial year between %d and %d", y.v, minPlanYear, maxPlanYear)
		}
	}
	if len(*ps) > n {
		return false
	}
	if p.LastYear < p.FirstYear {
		ps.add(ErrInvalidCommand, field+".last_year", "%d is before first_year %d", p.LastYear, p.FirstYear)
		return false
	}
	if p.Years() < MinPlanYears {
		ps.add(ErrPeriodTooShort, field, "covers %d financial year(s), %d to %d; a plan must cover at least %d", p.Years(), p.FirstYear, p.LastYear, MinPlanYears)
	}
	return true
}
