package projections

import (
	"time"

	"assurance-ledger/domain"
)

// Lateness. A deadline is a date of the plan's round (domain.Round). Something recorded is late by
// the days from its deadline to the day, in UTC, of its recorded time; something not yet recorded
// is overdue by the days from its deadline to the day lateness is measured on: today for a current
// answer, the as-of day for an "as of" one (LatenessOn in the answers).

// Where a plan stands against one deadline.
const (
	MilestoneMet        = "met"         // done by the deadline
	MilestoneLate       = "late"        // done after it
	MilestoneOverdue    = "overdue"     // not done, the deadline passed
	MilestonePending    = "pending"     // not done, the deadline to come
	MilestoneNoDeadline = "no_deadline" // the plan's round is not published
	MilestoneWithdrawn  = "withdrawn"   // not done, and the plan was withdrawn
)

// MilestoneView is how a plan stands against one deadline of its round.
type MilestoneView struct {
	Milestone string      `json:"milestone"`
	Due       domain.Date `json:"due"` // null when the round is not published
	// PublishedDue is the deadline the round was published with, and Changes each move of it since,
	// oldest first: a deadline moved is measured as moved, and shown with what it was.
	PublishedDue domain.Date              `json:"published_due"`
	Changes      []domain.MilestoneChange `json:"changes"`
	DoneAt       *time.Time               `json:"done_at"` // when what it asks for was recorded; null until then
	Status       string                   `json:"status"`
	// DaysLate is, for a late milestone, the days from the deadline to the day it was done; for an
	// overdue one, to the day lateness is measured on; 0 otherwise.
	DaysLate int `json:"days_late"`
}

// planMilestones are the deadlines a plan itself meets: the SHA's return is the SHA's.
var planMilestones = []string{domain.MilestonePlanSubmission, domain.MilestoneSROSignOff, domain.MilestoneSHAAssurance, domain.MilestoneCfHAcknowledgement}

// doneAt is when plan p first did what milestone asks: submitted; every required SRO signed a
// version; a version assured (with or without conditions); CfH acknowledged, or noted, an
// assurance. Zero if not yet.
func doneAt(p *domain.Plan, milestone string) time.Time {
	var at time.Time
	first := func(t time.Time) {
		if !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	p.VisitVersions(func(v domain.Version) {
		switch milestone {
		case domain.MilestonePlanSubmission:
			if v.Number == 1 {
				first(v.SubmittedAt)
			}
		case domain.MilestoneSROSignOff:
			first(v.SignedOffAt)
		case domain.MilestoneSHAAssurance:
			if a := v.Assurance; a != nil && a.Outcome.Positive() {
				first(a.RecordedAt)
			}
		case domain.MilestoneCfHAcknowledgement:
			if k := v.Acknowledgement; k != nil {
				first(k.RecordedAt)
			}
			if n := v.CfHNote; n != nil {
				first(n.RecordedAt)
			}
		}
	})
	return at
}

// milestoneView is how something due on due (zero: no deadline) and done at done (zero: not yet)
// stands on day on; withdrawn says the plan was withdrawn.
func milestoneView(id string, due domain.Date, done time.Time, withdrawn bool, on domain.Date) MilestoneView {
	m := MilestoneView{Milestone: id, Due: due}
	if !done.IsZero() {
		t := done
		m.DoneAt = &t
	}
	switch {
	case due.IsZero():
		m.Status = MilestoneNoDeadline
	case !done.IsZero():
		m.Status, m.DaysLate = MilestoneMet, domain.DaysLate(due, done)
		if m.DaysLate > 0 {
			m.Status = MilestoneLate
		}
	case withdrawn:
		m.Status = MilestoneWithdrawn
	case on.After(due):
		m.Status, m.DaysLate = MilestoneOverdue, domain.DaysBetween(due, on)
	default:
		m.Status = MilestonePending
	}
	return m
}

// ConditionView is a condition of the current version's assurance and how it was followed up.
type ConditionView struct {
	ID        string                     `json:"id"`
	Text      string                     `json:"text"`
	Criterion string                     `json:"criterion"`
	Due       domain.Date                `json:"due"`
	Version   int                        `json:"version"`
	State     domain.ConditionState      `json:"state"` // open, discharged, lapsed
	Overdue   bool                       `json:"overdue"`
	DaysLate  int                        `json:"days_overdue"` // open past its due date: days since, on lateness_on
	Evidence  []domain.ConditionEvidence `json:"evidence"`
	Note      string                     `json:"note"`      // the SHA's, once closed
	ClosedAt  *time.Time                 `json:"closed_at"` // when discharged or lapsed
	ClosedBy  string                     `json:"closed_event_id,omitempty"`
}

func conditionViews(a *domain.Assurance, on domain.Date) []ConditionView {
	out := []ConditionView{}
	if a == nil {
		return out
	}
	for _, c := range a.Conditions {
		v := ConditionView{ID: c.ID, Text: c.Text, Criterion: c.Criterion, Due: c.Due, Version: a.Version, State: c.State,
			Overdue: c.Overdue(on), Evidence: cloneNonNil(c.Evidence), Note: c.Note, ClosedBy: c.ClosedEventID}
		if v.Overdue {
			v.DaysLate = domain.DaysBetween(c.Due, on)
		}
		if !c.ClosedAt.IsZero() {
			t := c.ClosedAt
			v.ClosedAt = &t
		}
		out = append(out, v)
	}
	return out
}

// NoteView is CfH's note of an assurance it cannot acknowledge.
type NoteView struct {
	Version    int       `json:"version"`
	Note       string    `json:"note"`
	RecordedAt time.Time `json:"recorded_at"`
	EventID    string    `json:"event_id"`
}

func noteView(n *domain.CfHNote) *NoteView {
	if n == nil {
		return nil
	}
	return &NoteView{Version: n.Version, Note: n.Note, RecordedAt: n.RecordedAt, EventID: n.EventID}
}

// context is what a plan's view needs besides the plan: its LHC and round as the registry had them,
// and the day lateness is measured on.
type planContext struct {
	lhc     domain.LHC
	lhcOK   bool
	round   domain.Round
	roundOK bool
	on      domain.Date
}

// contextOf is plan p's context in registry reg, lateness measured on day on.
func contextOf(reg *domain.Registry, p *domain.Plan, on domain.Date) planContext {
	c := planContext{on: on}
	c.lhc, c.lhcOK = reg.LHC(p.LHCID())
	c.round, c.roundOK = reg.Round(p.Round())
	return c
}

// due is the round's deadline for milestone; zero when the round is not published.
func (c planContext) due(milestone string) domain.Date {
	if !c.roundOK {
		return domain.Date{}
	}
	d, _ := c.round.Due(milestone)
	return d
}

// moves is the deadline milestone was published with, and each move of it since; zero and none
// when the round is not published.
func (c planContext) moves(milestone string) (domain.Date, []domain.MilestoneChange) {
	if c.roundOK {
		for _, m := range c.round.Milestones {
			if m.ID == milestone {
				return m.PublishedDue, cloneNonNil(m.Changes)
			}
		}
	}
	return domain.Date{}, []domain.MilestoneChange{}
}
