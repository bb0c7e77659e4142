package domain

import (
	"slices"
	"time"
)

// A planning round's timetable: one deadline for each step of the assurance process, in the order
// the steps happen.
const (
	MilestonePlanSubmission     = "plan_submission"     // the lead PCT submits the plan
	MilestoneSROSignOff         = "sro_signoff"         // every SRO the plan needs has signed it
	MilestoneSHAAssurance       = "sha_assurance"       // the SHA has assured the plan
	MilestoneSHAReturn          = "sha_return"          // the SHA's return reaches CfH
	MilestoneCfHAcknowledgement = "cfh_acknowledgement" // CfH has acknowledged (or noted) the assurance
)

// Milestones lists the milestone ids in the order their deadlines fall.
var Milestones = []string{MilestonePlanSubmission, MilestoneSROSignOff, MilestoneSHAAssurance, MilestoneSHAReturn, MilestoneCfHAcknowledgement}

// CriterionPfITReflection is the criterion, where a round's catalogue has it, that rates whether the
// plan is reflected in the PfIT plan: an assurance rates it as its reflected_in_pfit_plan says.
const CriterionPfITReflection = "pfit_reflection"

// Rating is how an assurance rates one criterion of the catalogue.
type Rating string

const (
	RatingGreen Rating = "green" // met
	RatingAmber Rating = "amber" // met in part: the assurance attaches a condition for it
	RatingRed   Rating = "red"   // not met: the plan cannot be assured
)

// Ratings lists every rating, best first.
var Ratings = []Rating{RatingGreen, RatingAmber, RatingRed}

// Valid reports whether r is a known rating.
func (r Rating) Valid() bool { return slices.Contains(Ratings, r) }

// Round is a published planning round as the registry holds it.
type Round struct {
	Round              string               `json:"round"`
	Title              string               `json:"title"`
	GuidanceRef        string               `json:"guidance_ref"`
	PublishedOn        Date                 `json:"published_on"`
	FirstFinancialYear int                  `json:"first_financial_year"`
	MinYears           int                  `json:"min_years"`
	Milestones         []RoundMilestone     `json:"milestones"` // in the order of Milestones
	Criteria           []CatalogueCriterion `json:"criteria"`
	// BoardApprovalRequired: a chief executive signs a version off only after their organisation's
	// governance body approved it.
	BoardApprovalRequired bool      `json:"board_approval_required"`
	RecordedAt            time.Time `json:"recorded_at"`
	EventID               string    `json:"event_id"`
}

// RoundMilestone is a deadline of a round as it stands, with every change made to it.
type RoundMilestone struct {
	ID           string            `json:"id"`
	Due          Date              `json:"due"`
	PublishedDue Date              `json:"published_due"`
	Changes      []MilestoneChange `json:"changes"`
}

// MilestoneChange is one move of a deadline.
type MilestoneChange struct {
	From       Date      `json:"from"`
	To         Date      `json:"to"`
	Reason     string    `json:"reason"`
	RecordedAt time.Time `json:"recorded_at"`
	EventID    string    `json:"event_id"`
}

// Due is the deadline of milestone id as it stands; false for an id the round does not have.
func (r Round) Due(id string) (Date, bool) {
	for _, m := range r.Milestones {
		if m.ID == id {
			return m.Due, true
		}
	}
	return Date{}, false
}

// HasCriterion reports whether id is a criterion of the round's catalogue.
func (r Round) HasCriterion(id string) bool {
	return slices.ContainsFunc(r.Criteria, func(c CatalogueCriterion) bool { return c.ID == id })
}

// FirstYear is the calendar year a round's name starts with: 2009 for 2009-10.
func roundFirstYear(round string) (int, bool) {
	m := roundPattern.FindStringSubmatch(round)
	if m == nil {
		return 0, false
	}
	y := 0
	for _, c := range m[1] {
		y = y*10 + int(c-'0')
	}
	return y, true
}

func (r Round) clone() Round {
	r.Milestones = slices.Clone(r.Milestones)
	for i := range r.Milestones {
		r.Milestones[i].Changes = slices.Clone(r.Milestones[i].Changes)
	}
	r.Criteria = slices.Clone(r.Criteria)
	return r
}

// PfIT is a regional programme for IT.
type PfIT struct {
	PfITID string   `json:"pfit_id"`
	Name   string   `json:"name"`
	SHAs   []string `json:"shas"` // the SHAs assigned to it now, by code
}

// DaysBetween is the number of calendar days from a to b: positive when b is after a.
func DaysBetween(a, b Date) int {
	return int(b.Time().Sub(a.Time()).Hours() / 24)
}

// DaysLate is how many days after due the instant at falls, counting the calendar day at falls on
// in UTC: 0 on or before the due date.
func DaysLate(due Date, at time.Time) int {
	if due.IsZero() {
		return 0
	}
	return max(0, DaysBetween(due, DateOf(at.UTC())))
}
