package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type planCase struct {
	name  string
	setup func(testing.TB) *world
	actor Actor
	at    time.Time // zero: the world's clock
	cmd   func(w *world) PlanCommand
	want  *Error   // nil: the command is accepted
	field string   // a field path the refusal must name
	msg   []string // substrings the refusal's message must contain
	check func(t *testing.T, w *world, d EventData)
}

func runPlanCases(t *testing.T, cases []planCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := c.setup(t)
			if !c.at.IsZero() {
				w.now = c.at
			}
			beforeVersions, beforeStatus := w.plan.Versions(), w.plan.Status()
			d, err := w.plan.Decide(w.reg, c.actor, w.now, hashed(c.cmd(w)))
			assert.Equal(t, beforeVersions, w.plan.Versions(), "Decide must not change the plan")
			assert.Equal(t, beforeStatus, w.plan.Status(), "Decide must not change the plan")
			if c.want != nil {
				e := assertRefused(t, err, c.want)
				assert.Nil(t, d)
				if c.field != "" {
					assert.True(t, hasField(e, c.field), "refusal %v should name field %q; fields %v", err, c.field, e.Fields)
				}
				for _, m := range c.msg {
					assert.Contains(t, e.Message, m)
				}
				return
			}
			require.NoError(t, err)
			require.NotNil(t, d)
			require.NoError(t, w.plan.Apply(event(d, w.meta(c.actor))), "a decided event must fold")
			if c.check != nil {
				c.check(t, w, d)
			}
		})
	}
}

func fixed(cmd PlanCommand) func(*world) PlanCommand { return func(*world) PlanCommand { return cmd } }

// submitWith is the sample submission with a change.
func submitWith(change func(*SubmitPlan)) func(*world) PlanCommand {
	return func(w *world) PlanCommand {
		c := submitCmd(w.tb)
		change(&c)
		return c
	}
}

func contentWith(change func(*Content)) func(*world) PlanCommand {
	return submitWith(func(s *SubmitPlan) { change(&s.Content) })
}

func TestDecideSubmit(t *testing.T) {
	other := Actor{PersonID: "pc-2", Role: RolePCTCommissioner, Org: otherPCT}
	runPlanCases(t, []planCase{
		{name: "accepted", setup: newWorld, actor: commissionr, cmd: func(w *world) PlanCommand { return submitCmd(w.tb) },
			check: func(t *testing.T, w *world, d EventData) {
				e := d.(PlanSubmitted)
				assert.Equal(t, 1, e.Version)
				assert.Equal(t, planID, e.PlanID)
				assert.Equal(t, sampleContent(t), e.Content)
				assert.Equal(t, StatusSubmitted, w.plan.Status())
				assert.Equal(t, leadPCT, w.plan.LeadPCT())
			}},
		{name: "pointer command", setup: newWorld, actor: commissionr, cmd: func(w *world) PlanCommand { c := submitCmd(w.tb); return &c }},
		{name: "wrong role", setup: newWorld, actor: provRJ1, cmd: func(w *world) PlanCommand { return submitCmd(w.tb) }, want: ErrRoleNotAllowed},
		{name: "not the lead PCT", setup: newWorld, actor: other, cmd: func(w *world) PlanCommand { return submitCmd(w.tb) }, want: ErrOrganisationNotAllowed, msg: []string{leadPCT}},
		{name: "unknown LHC", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.LHCID = "south-lhc" }), want: ErrUnknownLHC, field: "lhc_id"},
		{name: "malformed LHC id", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.LHCID = "North LHC" }), want: ErrInvalidCommand, field: "lhc_id"},
		{name: "live plan exists", setup: submitted, actor: commissionr, cmd: func(w *world) PlanCommand { return submitCmd(w.tb) }, want: ErrLivePlanExists},
		{name: "withdrawn plan", setup: withdrawn, actor: commissionr, cmd: func(w *world) PlanCommand { return submitCmd(w.tb) }, want: ErrPlanWithdrawn},
		{name: "no plan id", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.PlanID = "" }), want: ErrInvalidCommand, field: "plan_id"},
		{name: "malformed plan id", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.PlanID = "plan 1" }), want: ErrInvalidCommand, field: "plan_id"},
		{name: "no round", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Round = "" }), want: ErrInvalidCommand, field: "round"},
		{name: "malformed round", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Round = "2009/10" }), want: ErrInvalidCommand, field: "round"},
		{name: "round of non-consecutive years", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Round = "2009-11" }), want: ErrInvalidCommand, field: "round", msg: []string{"2009-10"}},
		{name: "round across a century", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Round = "2099-00" }),
			want: ErrRoundNotPublished, field: "round", msg: []string{"2099-00 has not been published"}},
		{name: "round not published", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Round = "2010-11" }),
			want: ErrRoundNotPublished, field: "round"},
		{name: "period outside the round", setup: func(tb testing.TB) *world {
			w := newWorld(tb)
			w.registry(publishRound("2010-11"))
			w.now = ts("2010-01-04T09:00:00Z")
			return w
		}, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Round = "2010-11" }),
			want: ErrPeriodOutsideRound, field: "period.first_year", msg: []string{"2009 is not 2010"}},
		{name: "a round whose guidance is still to come", setup: func(tb testing.TB) *world {
			w := newWorld(tb)
			w.registry(publishRound("2010-11"))
			return w
		}, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Round = "2010-11"; s.Period = Period{FirstYear: 2010, LastYear: 2012} }),
			want: ErrRoundNotPublished, field: "round", msg: []string{"published on 2010-01-01, after today (2009-07-01)"}},
		{name: "a round published today", setup: func(tb testing.TB) *world {
			w := newWorld(tb)
			w.registry(publishRound("2010-11"))
			w.now = ts("2010-01-01T00:00:00Z")
			return w
		}, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Round = "2010-11" }),
			want: ErrPeriodOutsideRound, field: "period.first_year"}, // past the publication check: published today is published
		{name: "a 2009-10 plan covering 2015-2017", setup: newWorld, actor: commissionr,
			cmd: submitWith(func(s *SubmitPlan) {
				s.Period = Period{FirstYear: 2015, LastYear: 2017}
				s.Content = shiftContent(s.Content, 6)
			}), want: ErrPeriodOutsideRound, field: "period.first_year"},
		{name: "period shorter than the round asks", setup: func(tb testing.TB) *world {
			w := newWorld(tb)
			r := publishRound("2010-11")
			r.MinYears = 4
			w.registry(r)
			w.now = ts("2010-01-04T09:00:00Z")
			return w
		}, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) {
			s.Round = "2010-11"
			s.Period = Period{FirstYear: 2010, LastYear: 2012}
			s.Content = shiftContent(s.Content, 1)
		}), want: ErrPeriodTooShort, field: "period", msg: []string{"at least 4"}},
		{name: "period of 2 years", setup: newWorld, actor: commissionr,
			cmd: submitWith(func(s *SubmitPlan) {
				s.Period = Period{FirstYear: 2009, LastYear: 2010}
				s.Content = fitTo2010(s.Content)
			}),
			want: ErrPeriodTooShort, field: "period"},
		{name: "period of 1 year", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Period = Period{FirstYear: 2009, LastYear: 2009} }), want: ErrPeriodTooShort, field: "period"},
		{name: "period reversed", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Period = Period{FirstYear: 2011, LastYear: 2009} }), want: ErrInvalidCommand, field: "period.last_year"},
		{name: "period year mistyped", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Period.FirstYear = 209 }), want: ErrInvalidCommand, field: "period.first_year"},
		{name: "period missing", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Period = Period{} }), want: ErrInvalidCommand, field: "period.last_year"},
		{name: "longer period", setup: newWorld, actor: commissionr, cmd: submitWith(func(s *SubmitPlan) { s.Period = Period{FirstYear: 2009, LastYear: 2013} })},
		{name: "missing Clinical 5 capability", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.Clinical5 = c.Clinical5[:4] }), want: ErrMissingCapability, field: "content.clinical5", msg: []string{`"e_prescribing"`}},
		{name: "no Clinical 5 at all", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.Clinical5 = nil }), want: ErrMissingCapability, field: "content.clinical5"},
		{name: "duplicate capability", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.Clinical5 = append(c.Clinical5, c.Clinical5[0]) }), want: ErrInvalidContent, field: "content.clinical5[5].capability"},
		{name: "unknown capability", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.Clinical5[2].Capability = "telehealth" }), want: ErrMissingCapability, field: "content.clinical5[2].capability"},
		{name: "capability without name", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.Clinical5 = append(c.Clinical5, Capability{}) }), want: ErrInvalidContent, field: "content.clinical5[5].capability"},
		{name: "strategic date after the period", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.Clinical5[4].StrategicDate = date("2012-04-30") }), want: ErrDateOutsidePeriod, field: "content.clinical5[4].strategic_date"},
		{name: "interim date before the period", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.Clinical5[0].InterimDate = date("2009-03-31") }), want: ErrDateOutsidePeriod, field: "content.clinical5[0].interim_date"},
		{name: "dates on the period's bounds", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) {
				c.Clinical5[0].InterimDate = date("2009-04-01")
				c.Clinical5[0].StrategicDate = date("2012-03-31")
			})},
		{name: "missing date", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.Clinical5[1].InterimDate = Date{} }), want: ErrInvalidContent, field: "content.clinical5[1].interim_date"},
		{name: "interim after strategic", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.Clinical5[3].InterimDate = date("2011-10-01") }), want: ErrInvalidContent, field: "content.clinical5[3].interim_date"},
		{name: "empty solution", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.Clinical5[0].StrategicSolution = "" }), want: ErrInvalidContent, field: "content.clinical5[0].strategic_solution"},
		{name: "blank solution", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.Clinical5[0].InterimSolution = "  " }), want: ErrInvalidContent, field: "content.clinical5[0].interim_solution"},
		{name: "padded text", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.Infrastructure += " " }), want: ErrInvalidContent, field: "content.infrastructure"},
		{name: "control character", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.DataQuality = "a\x00b" }), want: ErrInvalidContent, field: "content.data_quality"},
		{name: "line breaks in prose", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.DataQuality = "Line one.\nLine two." })},
		{name: "invalid UTF-8", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.DataQuality = "caf\xe9" }), want: ErrInvalidContent, field: "content.data_quality"},
		{name: "text too long", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.CommunityIntegration = strings.Repeat("x", maxLongText+1) }), want: ErrInvalidContent, field: "content.community_integration"},
		{name: "missing section text", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.InformationGovernance = "" }), want: ErrInvalidContent, field: "content.information_governance"},
		{name: "percentage over 100", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.NHSNumberAdoption.TargetPct = 100.5 }), want: ErrInvalidContent, field: "content.nhs_number_adoption.target_pct"},
		{name: "negative percentage", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.NHSNumberAdoption.CurrentPct = -1 }), want: ErrInvalidContent, field: "content.nhs_number_adoption.current_pct"},
		{name: "target below current", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.NHSNumberAdoption.TargetPct = 80 }), want: ErrInvalidContent, field: "content.nhs_number_adoption.target_pct"},
		{name: "NHS number target date outside", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.NHSNumberAdoption.TargetDate = date("2013-03-31") }), want: ErrDateOutsidePeriod, field: "content.nhs_number_adoption.target_date"},
		{name: "negative capital", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.CapacityAndFunding.Capital = -1 }), want: ErrInvalidContent, field: "content.capacity_and_funding.capital"},
		{name: "revenue beyond exact range", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.CapacityAndFunding.Revenue = 1 << 60 }), want: ErrInvalidContent, field: "content.capacity_and_funding.revenue"},
		{name: "currency not GBP", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.CapacityAndFunding.Currency = "EUR" }), want: ErrInvalidContent, field: "content.capacity_and_funding.currency"},
		{name: "currency missing", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.CapacityAndFunding.Currency = "" }), want: ErrInvalidContent, field: "content.capacity_and_funding.currency"},
		{name: "national programme missing", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.NationalProgrammes = c.NationalProgrammes[1:] }), want: ErrInvalidContent, field: "content.national_programmes", msg: []string{`"scr"`}},
		{name: "national programme unknown", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) {
				c.NationalProgrammes = append(c.NationalProgrammes, NationalProgramme{Programme: "choose_and_book", PlannedDate: date("2010-01-01"), Status: "live"})
			}), want: ErrInvalidContent, field: "content.national_programmes[4].programme"},
		{name: "national programme twice", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.NationalProgrammes = append(c.NationalProgrammes, c.NationalProgrammes[0]) }), want: ErrInvalidContent, field: "content.national_programmes[4].programme"},
		{name: "national programme without name", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.NationalProgrammes[0].Programme = "" }), want: ErrInvalidContent, field: "content.national_programmes[0].programme"},
		{name: "national programme bad status", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.NationalProgrammes[0].Status = "done" }), want: ErrInvalidContent, field: "content.national_programmes[0].status"},
		{name: "national programme no status", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.NationalProgrammes[0].Status = "" }), want: ErrInvalidContent, field: "content.national_programmes[0].status"},
		{name: "national programme no date", setup: newWorld, actor: commissionr, cmd: contentWith(func(c *Content) { c.NationalProgrammes[0].PlannedDate = Date{} }), want: ErrInvalidContent, field: "content.national_programmes[0].planned_date"},
		{name: "planned programme before the period", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.NationalProgrammes[0].PlannedDate = date("2008-06-30") }), want: ErrDateOutsidePeriod, field: "content.national_programmes[0].planned_date"},
		{name: "live programme from before the period", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.NationalProgrammes[3].PlannedDate = date("2008-06-30") })},
		{name: "programme in progress due after the period", setup: newWorld, actor: commissionr,
			cmd: contentWith(func(c *Content) { c.NationalProgrammes[2].PlannedDate = date("2012-06-30") }), want: ErrDateOutsidePeriod, field: "content.national_programmes[2].planned_date"},
		{name: "every problem reported, most specific code", setup: newWorld, actor: commissionr,
			cmd: submitWith(func(s *SubmitPlan) {
				s.Round = "x"
				s.Content.Clinical5 = s.Content.Clinical5[1:]
				s.Content.Clinical5[0].StrategicDate = date("2013-01-01")
				s.Content.CapacityAndFunding.Currency = "USD"
			}),
			want:  ErrMissingCapability,
			check: nil, field: "round", msg: []string{"round", "pas_reporting", "content.clinical5[0].strategic_date", "USD"}},
	})
}

// fitTo2010 moves the sample's dates into 2009..2010, so that only the period's length is wrong.
func fitTo2010(c Content) Content {
	c.Clinical5 = append([]Capability(nil), c.Clinical5...)
	for i := range c.Clinical5 {
		c.Clinical5[i].StrategicDate = date("2011-03-31")
	}
	return c
}

func TestDecideSubmitReportsEveryField(t *testing.T) {
	w := newWorld(t)
	c := submitCmd(t)
	c.Round = ""
	c.Content.Clinical5 = nil
	c.Content.NationalProgrammes = nil
	c.Content = Content{}
	_, err := w.plan.Decide(w.reg, commissionr, t0, c)
	e := assertRefused(t, err, ErrMissingCapability)
	for _, f := range []string{"round", "content.clinical5", "content.community_integration", "content.national_programmes",
		"content.infrastructure", "content.information_governance", "content.data_quality",
		"content.nhs_number_adoption.target_date", "content.capacity_and_funding.currency"} {
		assert.True(t, hasField(e, f), "missing field %s in %v", f, e.Fields)
	}
}

func TestDecideRevise(t *testing.T) {
	revise := func(w *world) PlanCommand {
		return RevisePlan{Content: revisedContent(w.tb), Reason: "SHA feedback on data quality"}
	}
	runPlanCases(t, []planCase{
		{name: "accepted", setup: signedOff, actor: commissionr, cmd: revise,
			check: func(t *testing.T, w *world, d EventData) {
				assert.Equal(t, 2, d.(PlanRevised).Version)
				assert.Equal(t, StatusSubmitted, w.plan.Status(), "a revision returns to submitted")
				vs := w.plan.Versions()
				require.Len(t, vs, 2)
				assert.Len(t, vs[0].SignOffs, 2, "earlier sign-offs stay in history")
				assert.Empty(t, vs[1].SignOffs)
				assert.Empty(t, vs[1].Contributors, "a new version needs fresh contributions")
				assert.Equal(t, []string{leadPCT}, w.plan.OutstandingSignOffs())
			}},
		{name: "after not assured", setup: func(tb testing.TB) *world { return assured(tb, OutcomeNotAssured) }, actor: commissionr, cmd: revise},
		{name: "after acknowledgement", setup: acknowledged, actor: commissionr, cmd: revise,
			check: func(t *testing.T, w *world, _ EventData) { assert.Equal(t, StatusSubmitted, w.plan.Status()) }},
		{name: "wrong role", setup: submitted, actor: provRJ1, cmd: revise, want: ErrRoleNotAllowed},
		{name: "plan not found", setup: newWorld, actor: commissionr, cmd: revise, want: ErrPlanNotFound},
		{name: "not the lead PCT", setup: submitted, actor: Actor{PersonID: "x", Role: RolePCTCommissioner, Org: otherPCT}, cmd: revise, want: ErrOrganisationNotAllowed},
		{name: "after withdrawal", setup: withdrawn, actor: commissionr, cmd: revise, want: ErrPlanWithdrawn},
		{name: "no reason", setup: submitted, actor: commissionr, cmd: func(w *world) PlanCommand { return RevisePlan{Content: revisedContent(w.tb)} }, want: ErrInvalidCommand, field: "reason"},
		{name: "no change", setup: submitted, actor: commissionr, cmd: func(w *world) PlanCommand { return RevisePlan{Content: sampleContent(w.tb), Reason: "again"} }, want: ErrNoChange},
		{name: "date outside the plan's period", setup: submitted, actor: commissionr,
			cmd: func(w *world) PlanCommand {
				c := sampleContent(w.tb)
				c.Clinical5[0].StrategicDate = date("2012-06-30")
				return RevisePlan{Content: c, Reason: "slip"}
			}, want: ErrDateOutsidePeriod, field: "content.clinical5[0].strategic_date"},
		{name: "invalid content", setup: submitted, actor: commissionr,
			cmd: func(w *world) PlanCommand {
				c := revisedContent(w.tb)
				c.Clinical5 = c.Clinical5[1:]
				return RevisePlan{Content: c, Reason: "x"}
			},
			want: ErrMissingCapability},
	})
}

func TestDecideContribute(t *testing.T) {
	contribution := fixed(RecordContribution{Section: "nhs_number_adoption", Summary: "Trust PAS tracing plan", DocumentSHA256: strings.Repeat("ab", 32)})
	nonNHSProvider := Actor{PersonID: "pr-ntv", Role: RoleProvider, Org: nonNHS}
	runPlanCases(t, []planCase{
		{name: "accepted", setup: submitted, actor: provRJ1, cmd: contribution,
			check: func(t *testing.T, w *world, d EventData) {
				e := d.(ContributionRecorded)
				assert.Equal(t, ContributionRecorded{Version: 1, ContributorODS: trust, Section: "nhs_number_adoption", Summary: "Trust PAS tracing plan", DocumentSHA256: strings.Repeat("ab", 32)}, e)
				assert.Equal(t, []string{trust}, w.plan.Current().Contributors)
			}},
		{name: "non-NHS provider", setup: submitted, actor: nonNHSProvider, cmd: contribution},
		{name: "without document", setup: submitted, actor: provRJ1, cmd: fixed(RecordContribution{Section: "clinical5", Summary: "s"})},
		{name: "again by the same organisation", setup: contributed, actor: provRJ1, cmd: contribution,
			check: func(t *testing.T, w *world, _ EventData) {
				cur := w.plan.Current()
				assert.Equal(t, []string{trust}, cur.Contributors)
				assert.Len(t, cur.Contributions, 2)
			}},
		{name: "after sign-off, a new contributor", setup: func(tb testing.TB) *world {
			w := contributed(tb)
			w.must(ceLead, w.signOff())
			w.must(ceRJ1, w.signOff())
			return w
		}, actor: provRXA, cmd: contribution,
			check: func(t *testing.T, w *world, _ EventData) {
				assert.Equal(t, StatusSubmitted, w.plan.Status(), "the new contributor must sign off")
				assert.Equal(t, []string{trust2}, w.plan.OutstandingSignOffs())
				assert.True(t, w.plan.Current().SignedOffAt.IsZero(), "not signed off until the new contributor signs")
			}},
		{name: "wrong role", setup: submitted, actor: ceRJ1, cmd: contribution, want: ErrRoleNotAllowed},
		{name: "the lead PCT", setup: submitted, actor: commissionr, cmd: contribution, want: ErrOrganisationNotAllowed, msg: []string{"writes the plan"}},
		{name: "a non-lead PCT of the LHC", setup: withOtherPCT(submitted), actor: otherCommissioner, cmd: contribution,
			check: func(t *testing.T, w *world, _ EventData) {
				assert.Equal(t, []string{otherPCT}, w.plan.Current().Contributors)
				assert.Equal(t, []string{leadPCT, otherPCT}, w.plan.OutstandingSignOffs(), "its SRO must now sign off")
			}},
		{name: "a PCT outside the LHC", setup: submitted, actor: otherCommissioner, cmd: contribution, want: ErrNotLHCMember},
		{name: "a provider acting as commissioner", setup: submitted, actor: Actor{PersonID: "x", Role: RolePCTCommissioner, Org: trust}, cmd: contribution, want: ErrOrganisationNotAllowed},
		{name: "after declining", setup: func(tb testing.TB) *world {
			w := submitted(tb)
			w.must(provRXA, DeclineContribution{Version: 1, Reason: "Nothing to add"})
			return w
		}, actor: provRXA, cmd: contribution, want: ErrMemberAccounted, msg: []string{"already declined"}},
		{name: "after being excused", setup: func(tb testing.TB) *world {
			w := submitted(tb)
			w.must(assurer, ExcuseMember{Version: 1, ODSCode: trust2, Reason: "Not involved"})
			return w
		}, actor: provRXA, cmd: contribution, want: ErrMemberAccounted, msg: []string{"already excused"}},
		{name: "plan not found", setup: newWorld, actor: provRJ1, cmd: contribution, want: ErrPlanNotFound},
		{name: "withdrawn", setup: withdrawn, actor: provRJ1, cmd: contribution, want: ErrPlanWithdrawn},
		{name: "not an LHC member", setup: submitted, actor: Actor{PersonID: "x", Role: RoleProvider, Org: outsider}, cmd: contribution, want: ErrNotLHCMember},
		{name: "a PCT acting as provider", setup: submitted, actor: Actor{PersonID: "x", Role: RoleProvider, Org: leadPCT}, cmd: contribution, want: ErrOrganisationNotAllowed},
		{name: "unregistered organisation", setup: submitted, actor: Actor{PersonID: "x", Role: RoleProvider, Org: "ZZZ"}, cmd: contribution, want: ErrOrganisationNotAllowed},
		{name: "unknown section", setup: submitted, actor: provRJ1, cmd: fixed(RecordContribution{Section: "telehealth", Summary: "s"}), want: ErrInvalidCommand, field: "section"},
		{name: "no section", setup: submitted, actor: provRJ1, cmd: fixed(RecordContribution{Summary: "s"}), want: ErrInvalidCommand, field: "section"},
		{name: "no summary", setup: submitted, actor: provRJ1, cmd: fixed(RecordContribution{Section: "clinical5"}), want: ErrInvalidCommand, field: "summary"},
		{name: "bad document hash", setup: submitted, actor: provRJ1, cmd: fixed(RecordContribution{Section: "clinical5", Summary: "s", DocumentSHA256: strings.Repeat("AB", 32)}), want: ErrInvalidCommand, field: "document_sha256"},
		{name: "after assurance", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, actor: provRJ1, cmd: contribution, want: ErrContributionsClosed},
		{name: "after not assured", setup: func(tb testing.TB) *world { return assured(tb, OutcomeNotAssured) }, actor: provRJ1, cmd: contribution, want: ErrContributionsClosed},
	})
}

// withOtherPCT is setup with Z1B, a PCT that leads nothing, made a member of the LHC.
func withOtherPCT(setup func(testing.TB) *world) func(testing.TB) *world {
	return func(tb testing.TB) *world {
		w := setup(tb)
		w.registry(AppointChiefExecutive{ODSCode: otherPCT, PersonID: "ce-5nt", Name: "Eve Chief", EffectiveFrom: ce1From})
		w.registry(ChangeLHCMembers{LHCID: lhcID, Added: []string{otherPCT}})
		return w
	}
}

var (
	otherCommissioner = Actor{PersonID: "pc-5nt", Name: "Oli Commissioner", Role: RolePCTCommissioner, Org: otherPCT}
	ceOther           = Actor{PersonID: "ce-5nt", Name: "Eve Chief", Role: RoleChiefExecutive, Org: otherPCT}
)

func mustLHC(t *testing.T, w *world) LHC {
	l, ok := w.reg.LHC(lhcID)
	require.True(t, ok)
	return l
}

func TestDecideSignOff(t *testing.T) {
	signOff := func(w *world) PlanCommand { return w.signOff() }
	rxaContributed := func(tb testing.TB) *world {
		w := contributed(tb)
		w.must(provRXA, RecordContribution{Section: "infrastructure", Summary: "Community N3 links"})
		return w
	}
	nonNHSContributed := func(tb testing.TB) *world {
		w := submitted(tb)
		w.must(Actor{PersonID: "pr-ntv", Role: RoleProvider, Org: nonNHS}, RecordContribution{Section: "data_quality", Summary: "Hospice data flows"})
		return w
	}
	revised := func(tb testing.TB) *world {
		w := signedOff(tb)
		w.must(commissionr, RevisePlan{Content: revisedContent(tb), Reason: "feedback"})
		return w
	}
	runPlanCases(t, []planCase{
		{name: "lead PCT's chief executive", setup: submitted, actor: ceLead, cmd: signOff,
			check: func(t *testing.T, w *world, d EventData) {
				e := d.(SROSignedOff)
				assert.Equal(t, leadPCT, e.ODSCode)
				assert.Equal(t, personCE1, e.PersonID)
				assert.Equal(t, w.plan.Current().ContentHash, e.ContentHash)
				assert.Equal(t, StatusSignedOff, w.plan.Status(), "no contributors: the lead PCT's sign-off suffices")
			}},
		{name: "contributor's chief executive", setup: contributed, actor: ceRJ1, cmd: signOff,
			check: func(t *testing.T, w *world, _ EventData) {
				assert.Equal(t, StatusSubmitted, w.plan.Status())
				assert.Equal(t, []string{leadPCT}, w.plan.OutstandingSignOffs())
			}},
		{name: "successor after taking office", setup: submitted, actor: ceLead2, at: ce2From.Add(time.Hour), cmd: signOff},
		{name: "successor at the instant of taking office", setup: submitted, actor: ceLead2, at: ce2From, cmd: signOff},
		{name: "successor before taking office", setup: submitted, actor: ceLead2, cmd: signOff, want: ErrNotChiefExecutive, msg: []string{personCE1, "takes effect"}},
		{name: "predecessor after the successor took office", setup: submitted, actor: ceLead, at: ce2From.Add(time.Hour), cmd: signOff, want: ErrNotChiefExecutive, msg: []string{personCE2}},
		{name: "appointment starts after the sign-off", setup: rxaContributed, actor: ceRXA, cmd: signOff, want: ErrNotChiefExecutive, msg: []string{"no chief executive"}},
		{name: "appointment has started", setup: rxaContributed, actor: ceRXA, at: rxaFrom, cmd: signOff},
		{name: "organisation with no chief executive", setup: nonNHSContributed, actor: Actor{PersonID: "ce-ntv", Role: RoleChiefExecutive, Org: nonNHS}, cmd: signOff, want: ErrNotChiefExecutive},
		{name: "someone else's token", setup: submitted, actor: Actor{PersonID: "impostor", Role: RoleChiefExecutive, Org: leadPCT}, cmd: signOff, want: ErrNotChiefExecutive, msg: []string{"Ann Chief"}},
		{name: "wrong role", setup: submitted, actor: commissionr, cmd: signOff, want: ErrRoleNotAllowed},
		{name: "plan not found", setup: newWorld, actor: ceLead, cmd: fixed(SignOffPlan{Version: 1, Statement: "s", ContentHash: strings.Repeat("0", 64)}), want: ErrPlanNotFound},
		{name: "withdrawn", setup: withdrawn, actor: ceLead, cmd: signOff, want: ErrPlanWithdrawn},
		{name: "member that did not contribute", setup: submitted, actor: ceRJ1, cmd: signOff,
			check: func(t *testing.T, w *world, _ EventData) {
				assert.Equal(t, StatusSubmitted, w.plan.Status(), "a member's sign-off is welcome, the lead PCT's is still needed")
				assert.Equal(t, []string{leadPCT}, w.plan.OutstandingSignOffs(), "a member that did not contribute is not required to sign")
			}},
		{name: "non-lead PCT of the LHC", setup: withOtherPCT(submitted), actor: ceOther, cmd: signOff},
		{name: "organisation outside the LHC", setup: submitted, actor: Actor{PersonID: "x", Role: RoleChiefExecutive, Org: outsider}, cmd: signOff, want: ErrNotSignatory},
		{name: "contributor to an earlier version only", setup: revised, actor: ceRJ1, cmd: signOff},
		{name: "a member that has left the LHC", setup: func(tb testing.TB) *world {
			w := submitted(tb)
			w.registry(ChangeLHCMembers{LHCID: lhcID, Removed: []string{trust}})
			return w
		}, actor: ceRJ1, cmd: signOff, want: ErrNotSignatory},
		{name: "stale version", setup: revised, actor: ceLead,
			cmd: func(w *world) PlanCommand {
				v1 := w.plan.Versions()[0]
				return SignOffPlan{Version: 1, Statement: "s", ContentHash: v1.ContentHash}
			}, want: ErrStaleVersion, field: "version"},
		{name: "future version", setup: submitted, actor: ceLead,
			cmd: func(w *world) PlanCommand { c := w.signOff(); c.Version = 2; return c }, want: ErrStaleVersion},
		{name: "no version", setup: submitted, actor: ceLead,
			cmd: func(w *world) PlanCommand { c := w.signOff(); c.Version = 0; return c }, want: ErrInvalidCommand, field: "version"},
		{name: "wrong content hash", setup: submitted, actor: ceLead,
			cmd: func(w *world) PlanCommand { c := w.signOff(); c.ContentHash = strings.Repeat("0", 64); return c }, want: ErrContentHashMismatch, field: "content_hash"},
		{name: "earlier version's hash", setup: revised, actor: ceLead,
			cmd: func(w *world) PlanCommand {
				c := w.signOff()
				c.ContentHash = w.plan.Versions()[0].ContentHash
				return c
			}, want: ErrContentHashMismatch},
		{name: "malformed content hash", setup: submitted, actor: ceLead,
			cmd: func(w *world) PlanCommand { c := w.signOff(); c.ContentHash = "abc"; return c }, want: ErrInvalidCommand, field: "content_hash"},
		{name: "no content hash", setup: submitted, actor: ceLead,
			cmd: func(w *world) PlanCommand { c := w.signOff(); c.ContentHash = ""; return c }, want: ErrInvalidCommand, field: "content_hash"},
		{name: "no statement", setup: submitted, actor: ceLead,
			cmd: func(w *world) PlanCommand { c := w.signOff(); c.Statement = ""; return c }, want: ErrInvalidCommand, field: "statement"},
		{name: "twice", setup: signedOff, actor: ceLead, cmd: signOff, want: ErrAlreadySignedOff},
		{name: "twice, by the successor", setup: signedOff, actor: ceLead2, at: ce2From, cmd: signOff, want: ErrAlreadySignedOff},
		{name: "fresh sign-off after revision", setup: revised, actor: ceLead, cmd: signOff,
			check: func(t *testing.T, w *world, _ EventData) {
				assert.Equal(t, StatusSignedOff, w.plan.Status())
				assert.Len(t, w.plan.Versions()[0].SignOffs, 2)
			}},
	})
}

func TestDecideAssure(t *testing.T) {
	assure := func(o Outcome) func(*world) PlanCommand {
		return func(w *world) PlanCommand { return assureCmd(w.plan.Version(), o) }
	}
	assureWith := func(change func(*RecordAssurance)) func(*world) PlanCommand {
		return func(w *world) PlanCommand {
			c := assureCmd(w.plan.Version(), OutcomeAssured)
			change(&c)
			return c
		}
	}
	runPlanCases(t, []planCase{
		{name: "assured", setup: signedOff, actor: assurer, cmd: assure(OutcomeAssured),
			check: func(t *testing.T, w *world, d EventData) {
				e := d.(AssuranceRecorded)
				assert.Equal(t, sha, e.SHACode)
				assert.Equal(t, 1, e.Version)
				assert.NotNil(t, e.Conditions)
				assert.Equal(t, StatusAssured, w.plan.Status())
			}},
		{name: "assured with conditions", setup: signedOff, actor: assurer, cmd: assure(OutcomeAssuredWithConditions),
			check: func(t *testing.T, w *world, _ EventData) {
				assert.Equal(t, StatusAssuredWithConditions, w.plan.Status())
			}},
		{name: "not assured", setup: signedOff, actor: assurer, cmd: assure(OutcomeNotAssured),
			check: func(t *testing.T, w *world, _ EventData) { assert.Equal(t, StatusNotAssured, w.plan.Status()) }},
		{name: "wrong role", setup: signedOff, actor: cfhActor, cmd: assure(OutcomeAssured), want: ErrRoleNotAllowed},
		{name: "wrong SHA", setup: signedOff, actor: Actor{PersonID: "x", Role: RoleSHAAssurer, Org: otherSHA}, cmd: assure(OutcomeAssured), want: ErrWrongSHA, msg: []string{sha}},
		{name: "plan not found", setup: newWorld, actor: assurer, cmd: fixed(assureCmd(1, OutcomeAssured)), want: ErrPlanNotFound},
		{name: "withdrawn", setup: withdrawn, actor: assurer, cmd: assure(OutcomeAssured), want: ErrPlanWithdrawn},
		{name: "before any sign-off", setup: func(tb testing.TB) *world {
			w := contributed(tb)
			w.excuseAll()
			return w
		}, actor: assurer, cmd: assure(OutcomeAssured), want: ErrSignOffsOutstanding, msg: []string{leadPCT, trust}},
		{name: "contributor's sign-off outstanding", setup: func(tb testing.TB) *world {
			w := contributed(tb)
			w.must(ceLead, w.signOff())
			w.excuseAll()
			return w
		}, actor: assurer, cmd: assure(OutcomeAssured), want: ErrSignOffsOutstanding, msg: []string{trust}},
		{name: "revised after sign-off", setup: func(tb testing.TB) *world {
			w := signedOff(tb)
			w.must(commissionr, RevisePlan{Content: revisedContent(tb), Reason: "r"})
			w.excuseAll()
			return w
		}, actor: assurer, cmd: assure(OutcomeAssured), want: ErrSignOffsOutstanding},
		{name: "stale version", setup: signedOff, actor: assurer, cmd: fixed(assureCmd(2, OutcomeAssured)), want: ErrStaleVersion},
		{name: "no version", setup: signedOff, actor: assurer, cmd: fixed(assureCmd(0, OutcomeAssured)), want: ErrInvalidCommand, field: "version"},
		{name: "already assured", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, actor: assurer, cmd: assure(OutcomeAssured), want: ErrAlreadyAssured,
			msg: []string{"version 1 has already been judged assured by ZQ6 at 2009-07-01T10:00:00.000Z; a new assurance needs a new version"}},
		{name: "already assured with conditions", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssuredWithConditions) }, actor: assurer, cmd: assure(OutcomeAssured), want: ErrAlreadyAssured,
			msg: []string{"version 1 has already been judged assured with conditions by ZQ6 at "}},
		{name: "not assured needs a revision", setup: func(tb testing.TB) *world { return assured(tb, OutcomeNotAssured) }, actor: assurer, cmd: assure(OutcomeAssured), want: ErrAlreadyAssured,
			msg: []string{"version 1 has already been judged not assured by ZQ6"}},
		{name: "no outcome", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.Outcome = "" }), want: ErrInvalidAssurance, field: "outcome"},
		{name: "unknown outcome", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.Outcome = "maybe" }), want: ErrInvalidAssurance, field: "outcome"},
		{name: "no criteria", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.Criteria = nil }), want: ErrInvalidAssurance, field: "criteria",
			msg: []string{"c5-coverage, ig"}},
		{name: "a catalogue criterion not rated", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.Criteria = c.Criteria[:1] }),
			want: ErrInvalidAssurance, field: "criteria", msg: []string{"also has ig"}},
		{name: "a criterion not in the catalogue", setup: signedOff, actor: assurer,
			cmd: assureWith(func(c *RecordAssurance) {
				c.Criteria = append(c.Criteria, Criterion{ID: "web-site", Rating: RatingGreen})
			}),
			want: ErrInvalidAssurance, field: "criteria[2].id", msg: []string{"not a criterion of round 2009-10"}},
		{name: "criterion without id", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.Criteria[1].ID = "" }), want: ErrInvalidAssurance, field: "criteria[1].id"},
		{name: "duplicate criterion", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.Criteria[1].ID = c.Criteria[0].ID }), want: ErrInvalidAssurance, field: "criteria[1].id"},
		{name: "no rating", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.Criteria[0].Rating = "" }), want: ErrInvalidAssurance, field: "criteria[0].rating"},
		{name: "unknown rating", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.Criteria[0].Rating = "met" }), want: ErrInvalidAssurance, field: "criteria[0].rating"},
		{name: "padded criterion note", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.Criteria[0].Note = "note " }), want: ErrInvalidAssurance, field: "criteria[0].note"},
		{name: "red forces not assured", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.Criteria[1].Rating = RatingRed }),
			want: ErrInvalidAssurance, field: "criteria[1].rating", msg: []string{"must be not_assured"}},
		{name: "red forces not assured, even with conditions", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Criteria[0].Rating = RatingRed
				return c
			}, want: ErrInvalidAssurance, field: "criteria[0].rating"},
		{name: "amber forces conditions", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.Criteria[1].Rating = RatingAmber }),
			want: ErrInvalidAssurance, field: "criteria[1].rating", msg: []string{"must be assured_with_conditions"}},
		{name: "amber without red cannot be not assured", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeNotAssured)
				c.Criteria[0].Rating = RatingAmber
				return c
			}, want: ErrInvalidAssurance, field: "criteria[0].rating"},
		{name: "amber criterion without its condition", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Criteria[0].Rating = RatingAmber
				return c
			}, want: ErrInvalidAssurance, field: "conditions", msg: []string{`"c5-coverage" is rated amber but no condition names it`}},
		{name: "a condition due after the plan's period", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Conditions[0].Due = DateOf(w.plan.Period().End().Time().AddDate(0, 0, 1))
				return c
			}, want: ErrInvalidAssurance, field: "conditions[0].due", msg: []string{"after the plan's period ends"}},
		{name: "a condition due on the period's last day", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Conditions[0].Due = w.plan.Period().End()
				return c
			}},
		{name: "PfIT criterion green, plan not reflected", setup: withPfITCriterion(signedOff), actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.ReflectedInPfITPlan = false
				c.Criteria = append(c.Criteria, Criterion{ID: CriterionPfITReflection, Rating: RatingGreen})
				return c
			}, want: ErrInvalidAssurance, field: "reflected_in_pfit_plan", msg: []string{"rated green"}},
		{name: "PfIT criterion amber, plan reflected", setup: withPfITCriterion(signedOff), actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Criteria = append(c.Criteria, Criterion{ID: CriterionPfITReflection, Rating: RatingAmber})
				c.Conditions = append(c.Conditions, Condition{ID: "pfit", Text: "Agree the PAS slot with the PfIT", Criterion: CriterionPfITReflection, Due: date("2009-12-31")})
				return c
			}, want: ErrInvalidAssurance, field: "reflected_in_pfit_plan", msg: []string{"rated amber"}},
		{name: "PfIT criterion amber, plan not reflected", setup: withPfITCriterion(signedOff), actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.ReflectedInPfITPlan = false
				c.Criteria = append(c.Criteria, Criterion{ID: CriterionPfITReflection, Rating: RatingAmber})
				c.Conditions = append(c.Conditions, Condition{ID: "pfit", Text: "Agree the PAS slot with the PfIT", Criterion: CriterionPfITReflection, Due: date("2009-12-31")})
				return c
			}},
		{name: "not assured with every criterion green, PfIT criterion included", setup: withPfITCriterion(signedOff), actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeNotAssured)
				c.Criteria[0].Rating = RatingGreen
				c.ReflectedInPfITPlan = false
				c.Criteria = append(c.Criteria, Criterion{ID: CriterionPfITReflection, Rating: RatingGreen})
				return c
			}, want: ErrInvalidAssurance, field: "reflected_in_pfit_plan"},
		{name: "a condition on a green criterion", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Conditions = append(c.Conditions, Condition{ID: "c5-dates", Text: "Confirm the e-prescribing date", Criterion: "c5-coverage", Due: date("2010-03-31")})
				return c
			}, want: ErrInvalidAssurance, field: "conditions[1].criterion"},
		{name: "not assured, all green, not in the PfIT plan", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeNotAssured)
				c.Criteria[0].Rating = RatingGreen
				return c
			}},
		{name: "not assured with nothing against it", setup: signedOff, actor: assurer,
			cmd: assureWith(func(c *RecordAssurance) { c.Outcome = OutcomeNotAssured }), want: ErrInvalidAssurance, field: "outcome"},
		{name: "assured but not in the PfIT plan", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.ReflectedInPfITPlan = false }), want: ErrInvalidAssurance, field: "reflected_in_pfit_plan"},
		{name: "assured with conditions listed", setup: signedOff, actor: assurer,
			cmd: assureWith(func(c *RecordAssurance) { c.Conditions = assureCmd(1, OutcomeAssuredWithConditions).Conditions }), want: ErrInvalidAssurance, field: "conditions"},
		{name: "conditions without any", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Conditions = nil
				return c
			}, want: ErrInvalidAssurance, field: "conditions"},
		{name: "a condition without text, criterion, due date or id", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Conditions = append(c.Conditions, Condition{})
				return c
			}, want: ErrInvalidAssurance, field: "conditions[1].text",
			check: nil},
		{name: "conditions with the same id", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Conditions = append(c.Conditions, c.Conditions[0])
				return c
			}, want: ErrInvalidAssurance, field: "conditions[1].id"},
		{name: "a condition on a criterion not in the catalogue", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Conditions[0].Criterion = "web-site"
				return c
			}, want: ErrInvalidAssurance, field: "conditions[0].criterion"},
		{name: "a condition already due", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Conditions[0].Due = date("2009-06-30")
				return c
			}, want: ErrInvalidAssurance, field: "conditions[0].due", msg: []string{"has passed"}},
		{name: "a condition due today", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeAssuredWithConditions)
				c.Conditions[0].Due = DateOf(t0)
				return c
			}},
		{name: "not assured with conditions", setup: signedOff, actor: assurer,
			cmd: func(w *world) PlanCommand {
				c := assureCmd(1, OutcomeNotAssured)
				c.Conditions = assureCmd(1, OutcomeAssuredWithConditions).Conditions
				return c
			}, want: ErrInvalidAssurance, field: "conditions"},
		{name: "no PfIT programme", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.PfIT = "" }), want: ErrWrongPfIT, field: "pfit"},
		{name: "another SHA's PfIT", setup: signedOff, actor: assurer, cmd: assureWith(func(c *RecordAssurance) { c.PfIT = "Scottish Programme for IT" }),
			want: ErrWrongPfIT, field: "pfit", msg: []string{"nme"}},
		{name: "an SHA with no PfIT", setup: func(tb testing.TB) *world {
			w := signedOff(tb)
			delete(w.reg.shaPfIT, sha)
			return w
		}, actor: assurer, cmd: assure(OutcomeAssured), want: ErrWrongPfIT, msg: []string{"no programme for IT"}},
		{name: "a member unaccounted for", setup: func(tb testing.TB) *world {
			w := contributed(tb)
			w.must(ceLead, w.signOff())
			w.must(ceRJ1, w.signOff())
			w.must(provRXA, DeclineContribution{Version: 1, Reason: "Nothing to add this year."})
			return w
		}, actor: assurer, cmd: assure(OutcomeAssured), want: ErrMembersUnaccounted, field: "members_unaccounted", msg: []string{nonNHS}},
		{name: "no member accounted for", setup: func(tb testing.TB) *world {
			w := submitted(tb)
			w.must(ceLead, w.signOff())
			return w
		}, actor: assurer, cmd: assure(OutcomeAssured), want: ErrMembersUnaccounted, msg: []string{trust, trust2, nonNHS}},
		{name: "a round no longer published", setup: func(tb testing.TB) *world {
			w := signedOff(tb)
			delete(w.reg.rounds, round)
			return w
		}, actor: assurer, cmd: assure(OutcomeAssured), want: ErrRoundNotPublished},
	})
}

func TestDecideAcknowledge(t *testing.T) {
	ack := fixed(AcknowledgeAssurance{Version: 1, Note: "Noted for the national programme"})
	runPlanCases(t, []planCase{
		{name: "assured", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, actor: cfhActor, cmd: ack,
			check: func(t *testing.T, w *world, d EventData) {
				vs := w.plan.Versions()
				assert.Equal(t, vs[0].Assurance.EventID, d.(CfHAcknowledged).AssuranceEventID)
				assert.NotEmpty(t, d.(CfHAcknowledged).AssuranceEventID)
				assert.Equal(t, StatusAcknowledged, w.plan.Status())
				assert.Equal(t, cfhODS, vs[0].Acknowledgement.ODSCode)
			}},
		{name: "assured with conditions", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssuredWithConditions) }, actor: cfhActor, cmd: ack},
		{name: "without a note", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, actor: cfhActor, cmd: fixed(AcknowledgeAssurance{Version: 1})},
		{name: "not assured", setup: func(tb testing.TB) *world { return assured(tb, OutcomeNotAssured) }, actor: cfhActor, cmd: ack, want: ErrNotAssured, msg: []string{"judged not assured by"}},
		{name: "no assurance yet", setup: signedOff, actor: cfhActor, cmd: ack, want: ErrNotAssured},
		{name: "twice", setup: acknowledged, actor: cfhActor, cmd: ack, want: ErrAlreadyAcknowledged},
		{name: "wrong role", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, actor: assurer, cmd: ack, want: ErrRoleNotAllowed},
		{name: "not CfH", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, actor: Actor{PersonID: "x", Role: RoleCfH, Org: sha}, cmd: ack, want: ErrOrganisationNotAllowed},
		{name: "plan not found", setup: newWorld, actor: cfhActor, cmd: ack, want: ErrPlanNotFound},
		{name: "withdrawn", setup: func(tb testing.TB) *world {
			w := assured(tb, OutcomeAssured)
			w.must(commissionr, WithdrawPlan{Reason: "merged"})
			return w
		}, actor: cfhActor, cmd: ack, want: ErrPlanWithdrawn},
		{name: "stale version", setup: func(tb testing.TB) *world {
			w := acknowledged(tb)
			w.must(commissionr, RevisePlan{Content: revisedContent(tb), Reason: "r"})
			return w
		}, actor: cfhActor, cmd: ack, want: ErrStaleVersion},
		{name: "no version", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, actor: cfhActor, cmd: fixed(AcknowledgeAssurance{}), want: ErrInvalidCommand, field: "version"},
		{name: "padded note", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, actor: cfhActor, cmd: fixed(AcknowledgeAssurance{Version: 1, Note: " n"}), want: ErrInvalidCommand, field: "note"},
	})
}

func TestDecideAcknowledgeWithoutCfH(t *testing.T) {
	// A registry with no CfH: nobody can acknowledge.
	w := assured(t, OutcomeAssured)
	reg := NewRegistry()
	for _, e := range w.events {
		if e.Data.EventType() != TypePlanSubmitted && (e.Data.EventType() != TypeOrganisationRegistered || e.Data.(OrganisationRegistered).Kind != KindCfH) {
			_ = reg.Apply(e)
		}
	}
	_, err := w.plan.Decide(reg, cfhActor, t0, AcknowledgeAssurance{Version: 1})
	assertRefused(t, err, ErrOrganisationNotAllowed)
}

func TestDecideWithdraw(t *testing.T) {
	withdraw := fixed(WithdrawPlan{Reason: "LHC merged with its neighbour"})
	runPlanCases(t, []planCase{
		{name: "submitted", setup: submitted, actor: commissionr, cmd: withdraw,
			check: func(t *testing.T, w *world, _ EventData) {
				assert.Equal(t, StatusWithdrawn, w.plan.Status())
				assert.True(t, w.plan.Withdrawn())
				assert.Equal(t, "LHC merged with its neighbour", w.plan.Withdrawal().Reason)
			}},
		{name: "acknowledged", setup: acknowledged, actor: commissionr, cmd: withdraw},
		{name: "wrong role", setup: submitted, actor: ceLead, cmd: withdraw, want: ErrRoleNotAllowed},
		{name: "not the lead PCT", setup: submitted, actor: Actor{PersonID: "x", Role: RolePCTCommissioner, Org: farPCT}, cmd: withdraw, want: ErrOrganisationNotAllowed},
		{name: "plan not found", setup: newWorld, actor: commissionr, cmd: withdraw, want: ErrPlanNotFound},
		{name: "already withdrawn", setup: withdrawn, actor: commissionr, cmd: withdraw, want: ErrPlanWithdrawn},
		{name: "no reason", setup: submitted, actor: commissionr, cmd: fixed(WithdrawPlan{}), want: ErrInvalidCommand, field: "reason"},
	})
}

func TestDecideUnknownCommand(t *testing.T) {
	w := submitted(t)
	_, err := w.plan.Decide(w.reg, commissionr, t0, nil)
	assertRefused(t, err, ErrInvalidCommand)
	var nilCmd *WithdrawPlan
	_, err = w.plan.Decide(w.reg, commissionr, t0, nilCmd)
	assertRefused(t, err, ErrInvalidCommand)
	// A nil registry is an empty one: no LHC is known.
	_, err = NewPlan().Decide(nil, commissionr, t0, submitCmd(t))
	assertRefused(t, err, ErrUnknownLHC)
}

func TestDecidePointerCommands(t *testing.T) {
	w := submitted(t)
	w.must(provRJ1, &RecordContribution{Section: "clinical5", Summary: "s"})
	sign := w.signOff()
	w.must(ceLead, &sign)
	sign = w.signOff()
	w.must(ceRJ1, &sign)
	w.must(provRXA, &DeclineContribution{Version: 1, Reason: "Nothing to add"})
	w.must(assurer, &ExcuseMember{Version: 1, ODSCode: nonNHS, Reason: "Joined late"})
	a := assureCmd(1, OutcomeAssured)
	w.must(assurer, &a)
	w.must(cfhActor, &AcknowledgeAssurance{Version: 1})
	w.must(commissionr, &RevisePlan{Content: revisedContent(t), Reason: "r"})
	w.must(commissionr, &WithdrawPlan{Reason: "w"})
	assert.Equal(t, StatusWithdrawn, w.plan.Status())
}

// withPfITCriterion adds the PfIT reflection criterion to the round's catalogue of setup's world.
func withPfITCriterion(setup func(testing.TB) *world) func(testing.TB) *world {
	return func(tb testing.TB) *world {
		w := setup(tb)
		rd := w.reg.rounds[round].clone()
		rd.Criteria = append(rd.Criteria, CatalogueCriterion{ID: CriterionPfITReflection, Title: "Reflected in the PfIT plan"})
		w.reg.rounds[round] = &rd
		return w
	}
}
