package domain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// roundWith is the publication of 2010-11 with a change.
func roundWith(change func(*PublishRound)) PublishRound {
	c := publishRound("2010-11")
	change(&c)
	return c
}

func TestDecidePublishRound(t *testing.T) {
	runRegistryCases(t, newWorld, []registryCase{
		{name: "accepted", cmd: publishRound("2010-11"),
			check: func(t *testing.T, w *world, d EventData) {
				e := d.(PlanningRoundPublished)
				assert.Equal(t, "2010-11", e.Round)
				r, ok := w.reg.Round("2010-11")
				require.True(t, ok)
				due, ok := r.Due(MilestoneSHAReturn)
				assert.True(t, ok)
				assert.Equal(t, date("2010-12-18"), due)
				assert.True(t, r.HasCriterion("ig"))
				assert.False(t, r.HasCriterion("web-site"))
				assert.Equal(t, []string{"2009-10", "2010-11"}, roundNames(w.reg.Rounds()))
			}},
		{name: "milestones in any order are kept in the process's", cmd: roundWith(func(c *PublishRound) {
			c.Milestones[0], c.Milestones[4] = c.Milestones[4], c.Milestones[0]
		}), check: func(t *testing.T, w *world, d EventData) {
			var ids []string
			for _, m := range d.(PlanningRoundPublished).Milestones {
				ids = append(ids, m.ID)
			}
			assert.Equal(t, Milestones, ids)
		}},
		{name: "plans starting the next financial year", cmd: roundWith(func(c *PublishRound) { c.FirstFinancialYear = 2011 })},
		{name: "not admin", actor: commissionr, cmd: publishRound("2010-11"), want: ErrRoleNotAllowed},
		{name: "published twice", cmd: publishRound(round), want: ErrRoundExists, field: "round"},
		{name: "malformed round", cmd: roundWith(func(c *PublishRound) { c.Round = "2010/11" }), want: ErrInvalidCommand, field: "round"},
		{name: "no title", cmd: roundWith(func(c *PublishRound) { c.Title = "" }), want: ErrInvalidCommand, field: "title"},
		{name: "no guidance", cmd: roundWith(func(c *PublishRound) { c.GuidanceRef = "" }), want: ErrInvalidCommand, field: "guidance_ref"},
		{name: "no publication date", cmd: roundWith(func(c *PublishRound) { c.PublishedOn = Date{} }), want: ErrInvalidCommand, field: "published_on"},
		{name: "plans of another year", cmd: roundWith(func(c *PublishRound) { c.FirstFinancialYear = 2015 }), want: ErrInvalidCommand, field: "first_financial_year"},
		{name: "fewer years than the guidance", cmd: roundWith(func(c *PublishRound) { c.MinYears = 2 }), want: ErrInvalidCommand, field: "min_years"},
		{name: "a milestone missing", cmd: roundWith(func(c *PublishRound) { c.Milestones = c.Milestones[:4] }), want: ErrInvalidCommand, field: "milestones"},
		{name: "an unknown milestone", cmd: roundWith(func(c *PublishRound) { c.Milestones[1].ID = "board_meeting" }), want: ErrInvalidCommand, field: "milestones[1].id"},
		{name: "a milestone twice", cmd: roundWith(func(c *PublishRound) { c.Milestones[1].ID = MilestonePlanSubmission }), want: ErrInvalidCommand, field: "milestones[1].id"},
		{name: "a milestone without a date", cmd: roundWith(func(c *PublishRound) { c.Milestones[2].Due = Date{} }), want: ErrInvalidCommand, field: "milestones[2].due"},
		{name: "a deadline before publication", cmd: roundWith(func(c *PublishRound) { c.Milestones[0].Due = date("2009-12-31") }), want: ErrInvalidCommand, field: "milestones[0].due"},
		{name: "deadlines out of the process's order", cmd: roundWith(func(c *PublishRound) { c.Milestones[2].Due = date("2010-08-01") }), want: ErrInvalidCommand, field: "milestones[2].due"},
		{name: "no criteria", cmd: roundWith(func(c *PublishRound) { c.Criteria = nil }), want: ErrInvalidCommand, field: "criteria"},
		{name: "a criterion twice", cmd: roundWith(func(c *PublishRound) { c.Criteria = append(c.Criteria, c.Criteria[0]) }), want: ErrInvalidCommand, field: "criteria[2].id"},
		{name: "a criterion id with spaces", cmd: roundWith(func(c *PublishRound) { c.Criteria[0].ID = "Clinical 5" }), want: ErrInvalidCommand, field: "criteria[0].id"},
		{name: "a criterion without title", cmd: roundWith(func(c *PublishRound) { c.Criteria[1].Title = "" }), want: ErrInvalidCommand, field: "criteria[1].title"},
	})
}

func roundNames(rs []Round) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Round)
	}
	return out
}

func TestDecideChangeMilestone(t *testing.T) {
	move := func(milestone, due string) ChangeMilestone {
		return ChangeMilestone{Round: round, Milestone: milestone, Due: date(due), Reason: "Extended after the Operating Framework update."}
	}
	runRegistryCases(t, newWorld, []registryCase{
		{name: "accepted", cmd: move(MilestoneSHAReturn, "2010-01-15"),
			check: func(t *testing.T, w *world, _ EventData) {
				r, _ := w.reg.Round(round)
				due, _ := r.Due(MilestoneSHAReturn)
				assert.Equal(t, date("2010-01-15"), due)
				m := r.Milestones[3]
				assert.Equal(t, date("2009-12-18"), m.PublishedDue, "the published deadline is kept")
				require.Len(t, m.Changes, 1)
				assert.Equal(t, MilestoneChange{From: date("2009-12-18"), To: date("2010-01-15"), Reason: "Extended after the Operating Framework update.",
					RecordedAt: w.now, EventID: m.Changes[0].EventID}, m.Changes[0])
				d, ok := w.reg.MilestoneDue(round, MilestoneSHAReturn)
				assert.True(t, ok)
				assert.Equal(t, date("2010-01-15"), d)
			}},
		{name: "earlier", cmd: move(MilestonePlanSubmission, "2009-07-15")},
		{name: "earlier, to today", cmd: move(MilestonePlanSubmission, "2009-07-01")},
		{name: "into the past", cmd: move(MilestonePlanSubmission, "2009-06-30"), want: ErrMilestonePassed, field: "due"},
		{name: "a deadline that has passed", cmd: move(MilestoneSHAReturn, "2010-01-15"), want: ErrMilestonePassed, field: "milestone",
			setup: func(w *world) { w.now = ts("2009-12-19T09:00:00Z") }},
		{name: "on its due day", cmd: move(MilestoneSHAReturn, "2010-01-15"), setup: func(w *world) { w.now = ts("2009-12-18T17:00:00Z") }},
		{name: "not admin", actor: assurer, cmd: move(MilestoneSHAReturn, "2010-01-15"), want: ErrRoleNotAllowed},
		{name: "an unpublished round", cmd: ChangeMilestone{Round: "2010-11", Milestone: MilestoneSHAReturn, Due: date("2011-01-15"), Reason: "r"},
			want: ErrRoundNotFound, field: "round"},
		{name: "an unknown milestone", cmd: move("board_meeting", "2010-01-15"), want: ErrInvalidCommand, field: "milestone"},
		{name: "the same date", cmd: move(MilestoneSHAReturn, "2009-12-18"), want: ErrNoChange, field: "due"},
		{name: "past the next milestone", cmd: move(MilestoneSHAReturn, "2010-02-15"), want: ErrInvalidCommand, field: "due"},
		{name: "before the previous milestone", cmd: move(MilestoneSHAReturn, "2009-11-01"), want: ErrInvalidCommand, field: "due"},
		{name: "before publication", cmd: move(MilestonePlanSubmission, "2008-12-01"), want: ErrInvalidCommand, field: "due"},
		{name: "no reason", cmd: ChangeMilestone{Round: round, Milestone: MilestoneSHAReturn, Due: date("2010-01-15")}, want: ErrInvalidCommand, field: "reason"},
		{name: "no date", cmd: ChangeMilestone{Round: round, Milestone: MilestoneSHAReturn, Reason: "r"}, want: ErrInvalidCommand, field: "due"},
	})
}

func TestDecidePfITs(t *testing.T) {
	runRegistryCases(t, newWorld, []registryCase{
		{name: "register", cmd: RegisterPfIT{PfITID: "london", Name: "London Programme for IT"},
			check: func(t *testing.T, w *world, _ EventData) {
				assert.Equal(t, []PfIT{{PfITID: "london", Name: "London Programme for IT", SHAs: []string{}},
					{PfITID: pfitID, Name: "North, Midlands and East Programme for IT", SHAs: []string{sha}}}, w.reg.PfITs())
			}},
		{name: "register twice", cmd: RegisterPfIT{PfITID: pfitID, Name: "again"}, want: ErrPfITExists, field: "pfit_id"},
		{name: "register with a malformed id", cmd: RegisterPfIT{PfITID: "North East", Name: "n"}, want: ErrInvalidCommand, field: "pfit_id"},
		{name: "register without a name", cmd: RegisterPfIT{PfITID: "south"}, want: ErrInvalidCommand, field: "name"},
		{name: "register, not admin", actor: assurer, cmd: RegisterPfIT{PfITID: "south", Name: "Southern"}, want: ErrRoleNotAllowed},
		{name: "assign another SHA", cmd: AssignSHAToPfIT{SHACode: otherSHA, PfITID: pfitID},
			check: func(t *testing.T, w *world, _ EventData) {
				p, ok := w.reg.PfITOf(otherSHA)
				assert.True(t, ok)
				assert.Equal(t, pfitID, p.PfITID)
			}},
		{name: "assign again to the same", cmd: AssignSHAToPfIT{SHACode: sha, PfITID: pfitID}, want: ErrAlreadyAssigned, field: "pfit_id"},
		{name: "assign an unknown programme", cmd: AssignSHAToPfIT{SHACode: sha, PfITID: "scotland"}, want: ErrUnknownPfIT, field: "pfit_id"},
		{name: "assign a PCT", cmd: AssignSHAToPfIT{SHACode: leadPCT, PfITID: pfitID}, want: ErrWrongOrganisationKind, field: "sha_code"},
		{name: "assign an unknown SHA", cmd: AssignSHAToPfIT{SHACode: "Q99", PfITID: pfitID}, want: ErrUnknownSHA, field: "sha_code"},
	})

	// An SHA moved to another programme is assigned to that one from then on.
	w := newWorld(t)
	w.registry(RegisterPfIT{PfITID: "london", Name: "London Programme for IT"})
	w.registry(AssignSHAToPfIT{SHACode: sha, PfITID: "london"})
	p, _ := w.reg.PfITOf(sha)
	assert.Equal(t, "london", p.PfITID)
	_, ok := w.reg.PfITOf(otherSHA)
	assert.False(t, ok)
}

// Events that do not fit the registry are refused by the fold, whatever the rules would say.
func TestRegistryApplyRefusesRoundsThatDoNotFit(t *testing.T) {
	w := newWorld(t)
	m := w.meta(admin)
	for _, d := range []EventData{
		PlanningRoundPublished{Round: round},
		PlanningRoundPublished{},
		RoundMilestoneChanged{Round: "2010-11", Milestone: MilestoneSHAReturn, Due: date("2011-01-01")},
		RoundMilestoneChanged{Round: round, Milestone: "board_meeting", Due: date("2011-01-01")},
		PfITRegistered{PfITID: pfitID, Name: "again"},
		PfITRegistered{},
		SHAAssignedToPfIT{SHACode: leadPCT, PfITID: pfitID},
		SHAAssignedToPfIT{SHACode: sha, PfITID: "scotland"},
	} {
		before := w.reg.Rounds()
		assert.Error(t, w.reg.Apply(Event{Data: d, Meta: m}), "%#v", d)
		assert.Equal(t, before, w.reg.Rounds())
	}
}

// A round read from the registry is a copy: changing it, or a later change of the round, leaves
// the other as it was.
func TestRoundsAreCopies(t *testing.T) {
	w := newWorld(t)
	r, _ := w.reg.Round(round)
	r.Milestones[0].Due = date("2000-01-01")
	r.Criteria[0].ID = "changed"
	again, _ := w.reg.Round(round)
	assert.Equal(t, date("2009-07-31"), again.Milestones[0].Due)
	assert.Equal(t, "c5-coverage", again.Criteria[0].ID)
	w.registry(ChangeMilestone{Round: round, Milestone: MilestonePlanSubmission, Due: date("2009-08-14"), Reason: "r"})
	assert.Equal(t, date("2009-07-31"), again.Milestones[0].Due)
	assert.Empty(t, again.Milestones[0].Changes)
}

func TestDaysLate(t *testing.T) {
	due := date("2009-07-31")
	for _, c := range []struct {
		at   time.Time
		want int
	}{
		{ts("2009-07-01T10:00:00Z"), 0},
		{ts("2009-07-31T23:59:59Z"), 0},
		{ts("2009-08-01T00:00:00Z"), 1},
		{ts("2009-08-14T09:00:00Z"), 14},
		{ts("2010-07-31T09:00:00Z"), 365},
		{ts("2009-08-01T00:30:00+01:00"), 0}, // still 31 July in UTC
	} {
		assert.Equal(t, c.want, DaysLate(due, c.at), c.at)
	}
	assert.Equal(t, 0, DaysLate(Date{}, ts("2030-01-01T00:00:00Z")), "no deadline, never late")
	assert.Equal(t, -30, DaysBetween(date("2009-08-30"), date("2009-07-31")))
}
