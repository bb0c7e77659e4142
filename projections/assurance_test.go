package projections

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
	"assurance-ledger/eventstore/boltstore"
	"assurance-ledger/internal/contenttest"
)

// The assurance process read back: lateness against the round's deadlines, conditions followed up,
// members accounted for, the SHA's return, the criteria and SRO coverage reports. One LHC's plan
// goes through the round with known dates; another LHC never submits.
//
//	2009-07-31 plan_submission due   2009-08-10 north submitted (10 days late)
//	2009-09-30 sro_signoff due       2009-08-22 every SRO it needs has signed
//	2009-11-30 sha_assurance due     2009-12-03 assured with conditions (3 days late)
//	2009-12-18 sha_return due        2009-12-21 Q36's return (3 days late); 2010-01-05 acknowledged
//	2010-02-26 cfh_acknowledgement   2010-01-10 CfH acknowledges the plan's assurance
//	conditions: c1 due 2010-01-31, evidenced 2010-01-20, discharged 2010-02-05; c2 due 2010-03-31, open
type assuranceLog struct {
	store      eventstore.Store
	h          *command.Handler
	clock      time.Time
	plan       string
	positions  map[string]eventstore.Position // after each named step
	assurance  string                         // the assurance's event id
	returnedAt time.Time
}

var (
	tAdmin    = domain.Actor{PersonID: "adm", Name: "Ada Admin", Role: domain.RoleAdmin, Org: "X09"}
	tPCT      = domain.Actor{PersonID: "pc-5k5", Name: "Pat", Role: domain.RolePCTCommissioner, Org: "5K5"}
	tPartner  = domain.Actor{PersonID: "pc-5nt", Name: "Pam", Role: domain.RolePCTCommissioner, Org: "5NT"}
	tRJ1      = domain.Actor{PersonID: "pr-rj1", Name: "Rob", Role: domain.RoleProvider, Org: "RJ1"}
	tRXA      = domain.Actor{PersonID: "pr-rxa", Name: "Rex", Role: domain.RoleProvider, Org: "RXA"}
	tCE5K5    = domain.Actor{PersonID: "ce-5k5", Name: "Ann Chief", Role: domain.RoleChiefExecutive, Org: "5K5"}
	tCERJ1    = domain.Actor{PersonID: "ce-rj1", Name: "Cat Chief", Role: domain.RoleChiefExecutive, Org: "RJ1"}
	tCE5NT    = domain.Actor{PersonID: "ce-5nt", Name: "Eve Chief", Role: domain.RoleChiefExecutive, Org: "5NT"}
	tAssurer  = domain.Actor{PersonID: "sa-q36", Name: "Sam", Role: domain.RoleSHAAssurer, Org: "Q36"}
	tCfH      = domain.Actor{PersonID: "cfh-1", Name: "Cy", Role: domain.RoleCfH, Org: "X09"}
	tRound    = "2009-10"
	tNorth    = "north-lhc"
	tSouth    = "south-lhc"
	tMidnight = func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
)

func tDate(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func newAssuranceLog(t *testing.T) *assuranceLog {
	t.Helper()
	ctx := context.Background()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "ledger.db"), boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	l := &assuranceLog{store: store, positions: map[string]eventstore.Position{}}
	l.h = command.NewHandler(store, command.Options{Clock: func() time.Time { return l.clock }})
	at := func(day string) { l.clock = tMidnight(day).Add(10 * time.Hour) }
	mark := func(name string) {
		head, err := store.Head(ctx)
		require.NoError(t, err)
		l.positions[name] = head
	}
	reg := func(c domain.RegistryCommand) {
		_, err := l.h.Registry(ctx, command.Request{Actor: tAdmin}, c)
		require.NoError(t, err, "%T", c)
	}
	plan := func(a domain.Actor, c domain.PlanCommand) command.Result {
		r, err := l.h.Plan(ctx, command.Request{Actor: a}, l.plan, c)
		require.NoError(t, err, "%T", c)
		return r
	}

	at("2009-04-01")
	for _, o := range []domain.RegisterOrganisation{
		{ODSCode: "Q36", Name: "NHS London", Kind: domain.KindSHA},
		{ODSCode: "X09", Name: "NHS Connecting for Health", Kind: domain.KindCfH},
		{ODSCode: "5K5", Name: "Brent Teaching PCT", Kind: domain.KindPCT, SHACode: "Q36"},
		{ODSCode: "5NT", Name: "Harrow PCT", Kind: domain.KindPCT, SHACode: "Q36"},
		{ODSCode: "5LE", Name: "Southwark PCT", Kind: domain.KindPCT, SHACode: "Q36"},
		{ODSCode: "RJ1", Name: "Guy's and St Thomas'", Kind: domain.KindProvider, SHACode: "Q36"},
		{ODSCode: "RXA", Name: "Community Services", Kind: domain.KindProvider, SHACode: "Q36"},
	} {
		reg(o)
	}
	for _, ce := range []domain.Actor{tCE5K5, tCERJ1, tCE5NT} {
		reg(domain.AppointChiefExecutive{ODSCode: ce.Org, PersonID: ce.PersonID, Name: ce.Name, EffectiveFrom: tMidnight("2008-04-01")})
	}
	reg(domain.FormLHC{LHCID: tNorth, Name: "North LHC", LeadPCT: "5K5", SHACode: "Q36", Members: []string{"RJ1", "RXA", "5NT"}})
	reg(domain.FormLHC{LHCID: tSouth, Name: "South LHC", LeadPCT: "5LE", SHACode: "Q36"})
	reg(domain.PublishRound{Round: tRound, Title: "Informatics Planning 2009/10", GuidanceRef: "IP 2009/10", PublishedOn: tDate("2009-01-16"),
		FirstFinancialYear: 2009, MinYears: 3, Criteria: []domain.CatalogueCriterion{{ID: "c5", Title: "Clinical 5"}, {ID: "ig", Title: "Information governance"}},
		Milestones: []domain.Milestone{{ID: domain.MilestonePlanSubmission, Due: tDate("2009-07-31")}, {ID: domain.MilestoneSROSignOff, Due: tDate("2009-09-30")},
			{ID: domain.MilestoneSHAAssurance, Due: tDate("2009-11-30")}, {ID: domain.MilestoneSHAReturn, Due: tDate("2009-12-18")},
			{ID: domain.MilestoneCfHAcknowledgement, Due: tDate("2010-02-26")}}})
	reg(domain.RegisterPfIT{PfITID: "london", Name: "London Programme for IT"})
	reg(domain.AssignSHAToPfIT{SHACode: "Q36", PfITID: "london"})

	raw, err := os.ReadFile("../demo/plan-content.json")
	require.NoError(t, err)
	var content domain.Content
	require.NoError(t, json.Unmarshal(raw, &content))
	content = contenttest.Complete(content, domain.Period{FirstYear: 2009, LastYear: 2011}, "5K5", "RJ1", "RXA", "5NT")
	hash, err := eventcodec.ContentHash(content)
	require.NoError(t, err)

	at("2009-08-10")
	sub, err := l.h.Submit(ctx, command.Request{Actor: tPCT}, domain.SubmitPlan{LHCID: tNorth, Round: tRound, Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: content})
	require.NoError(t, err)
	l.plan = sub.PlanID
	mark("submitted")
	at("2009-08-12")
	plan(tRJ1, domain.RecordContribution{Section: "clinical5", Summary: "PAS timetable"})
	at("2009-08-13")
	plan(tPartner, domain.RecordContribution{Section: "community_integration", Summary: "Shared record with Harrow practices"})
	at("2009-08-14")
	plan(tRXA, domain.DeclineContribution{Version: 1, Reason: "Covered by the PCT's own plan"})
	sign := domain.SignOffPlan{Version: 1, Statement: "I sign", ContentHash: hash}
	at("2009-08-20")
	plan(tCE5K5, sign)
	at("2009-08-21")
	plan(tCERJ1, sign)
	at("2009-08-22")
	plan(tCE5NT, sign)
	mark("signed")
	at("2009-12-03")
	a := plan(tAssurer, domain.RecordAssurance{Version: 1, Outcome: domain.OutcomeAssuredWithConditions, ReflectedInPfITPlan: true, PfIT: "london",
		Criteria: []domain.Criterion{{ID: "c5", Rating: domain.RatingGreen}, {ID: "ig", Rating: domain.RatingAmber, Note: "level 2 not evidenced"}},
		Conditions: []domain.Condition{{ID: "c1", Text: "Evidence IG Toolkit level 2", Criterion: "ig", Due: tDate("2010-01-31")},
			{ID: "c2", Text: "IG audit to the board", Criterion: "ig", Due: tDate("2010-03-31")}}})
	l.assurance = a.EventID
	mark("assured")
	at("2009-12-21")
	l.returnedAt = l.clock
	_, err = l.h.SubmitReturn(ctx, command.Request{Actor: tAssurer}, domain.SubmitReturn{SHACode: "Q36", Round: tRound,
		Plans:       []domain.ReturnedPlan{{PlanID: l.plan, Version: 1, AssuranceEventID: l.assurance, Outcome: domain.OutcomeAssuredWithConditions, ReflectedInPfITPlan: true}},
		Exceptions:  []domain.ReturnException{{LHCID: tSouth, Reason: "No plan submitted"}},
		PfITPlanRef: domain.PfITPlanRef{Title: "London PfIT plan", Version: "3", DocumentSHA256: strings.Repeat("ab", 32)}})
	require.NoError(t, err)
	mark("returned")
	at("2010-01-05")
	latest, _, err := l.h.LatestReturn(ctx, "Q36", tRound)
	require.NoError(t, err)
	_, err = l.h.AcknowledgeReturn(ctx, command.Request{Actor: tCfH}, "Q36", latest.EventID, domain.AcknowledgeReturn{Note: "Received"})
	require.NoError(t, err)
	at("2010-01-10")
	plan(tCfH, domain.AcknowledgeAssurance{Version: 1, Note: "Acknowledged"})
	at("2010-01-20")
	plan(tPCT, domain.SubmitConditionEvidence{Version: 1, ConditionID: "c1", Summary: "IG Toolkit returns"})
	at("2010-02-05")
	plan(tAssurer, domain.DischargeCondition{Version: 1, ConditionID: "c1", Note: "Met"})
	mark("end")
	return l
}

// projector is the log's projections, their clock reading day.
func (l *assuranceLog) projector(t *testing.T, day string) *Projector {
	t.Helper()
	p := New(l.store, nil)
	p.SetClock(func() time.Time { return tMidnight(day).Add(15 * time.Hour) })
	require.NoError(t, p.CatchUp(context.Background()))
	return p
}

func milestone(t *testing.T, st PlanState, id string) MilestoneView {
	t.Helper()
	for _, m := range st.Milestones {
		if m.Milestone == id {
			return m
		}
	}
	t.Fatalf("no milestone %s", id)
	return MilestoneView{}
}

func TestPlanStateShowsLatenessConditionsAndMembers(t *testing.T) {
	ctx := context.Background()
	l := newAssuranceLog(t)
	p := l.projector(t, "2010-04-10")
	st, ok, err := p.Plan(ctx, l.plan)
	require.NoError(t, err)
	require.True(t, ok)

	assert.Equal(t, tDate("2010-04-10"), st.LatenessOn)
	require.NotNil(t, st.SubmittedOnTime)
	assert.False(t, *st.SubmittedOnTime)
	sub := milestone(t, st, domain.MilestonePlanSubmission)
	assert.Equal(t, MilestoneLate, sub.Status)
	assert.Equal(t, 10, sub.DaysLate)
	assert.Equal(t, tDate("2009-07-31"), sub.Due)
	sro := milestone(t, st, domain.MilestoneSROSignOff)
	assert.Equal(t, MilestoneMet, sro.Status)
	assert.Equal(t, tMidnight("2009-08-22").Add(10*time.Hour), *sro.DoneAt)
	assert.Equal(t, MilestoneView{Milestone: domain.MilestoneSHAAssurance, Due: tDate("2009-11-30"), PublishedDue: tDate("2009-11-30"), Changes: []domain.MilestoneChange{},
		DoneAt: new(tMidnight("2009-12-03").Add(10 * time.Hour)), Status: MilestoneLate, DaysLate: 3}, milestone(t, st, domain.MilestoneSHAAssurance))
	assert.Equal(t, MilestoneMet, milestone(t, st, domain.MilestoneCfHAcknowledgement).Status)

	require.Len(t, st.Conditions, 2)
	c1, c2 := st.Conditions[0], st.Conditions[1]
	assert.Equal(t, domain.ConditionStateDischarged, c1.State)
	assert.False(t, c1.Overdue)
	assert.Len(t, c1.Evidence, 1)
	assert.Equal(t, "Met", c1.Note)
	assert.Equal(t, domain.ConditionStateOpen, c2.State)
	assert.True(t, c2.Overdue)
	assert.Equal(t, 10, c2.DaysLate, "31 March to 10 April")
	assert.Equal(t, []string{"Evidence IG Toolkit level 2", "IG audit to the board"}, st.Assurance.Conditions, "the assurance keeps the texts")
	assert.Equal(t, []CriterionView{{ID: "c5", Rating: domain.RatingGreen, Met: true}, {ID: "ig", Rating: domain.RatingAmber, Note: "level 2 not evidenced"}}, st.Assurance.Criteria)

	assert.Equal(t, []domain.MemberAccount{{ODSCode: "5NT", State: domain.MemberStateContributed}, {ODSCode: "RJ1", State: domain.MemberStateContributed},
		{ODSCode: "RXA", State: domain.MemberStateDeclined, Reason: "Covered by the PCT's own plan"}}, st.Members)
	assert.Empty(t, st.MembersUnaccounted)

	// As of the sign-offs, the assurance was still to come; measured on 1 December it was overdue.
	then, ok, err := p.PlanAsOf(ctx, l.plan, l.positions["signed"])
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, tDate("2009-08-22"), then.LatenessOn)
	assert.Equal(t, MilestonePending, milestone(t, then, domain.MilestoneSHAAssurance).Status)
	assert.Empty(t, then.Conditions)
	later, _, err := p.PlanAsOfAt(ctx, l.plan, l.positions["signed"], tMidnight("2009-12-01"))
	require.NoError(t, err)
	assert.Equal(t, MilestoneView{Milestone: domain.MilestoneSHAAssurance, Due: tDate("2009-11-30"), PublishedDue: tDate("2009-11-30"), Changes: []domain.MilestoneChange{},
		Status: MilestoneOverdue, DaysLate: 1}, milestone(t, later, domain.MilestoneSHAAssurance))
}

func TestSHAStatusListsOverdueActionsAndTheReturn(t *testing.T) {
	ctx := context.Background()
	l := newAssuranceLog(t)
	p := l.projector(t, "2010-04-10")
	st, ok := p.SHAStatus("Q36", tRound)
	require.True(t, ok)
	assert.Equal(t, tDate("2010-04-10"), st.LatenessOn)
	var actions []string
	for _, o := range st.Overdue {
		actions = append(actions, o.Action+" "+o.LHCID+" "+o.ConditionID)
	}
	assert.Equal(t, []string{"plan_submission south-lhc ", "condition_evidence north-lhc c2"}, actions, "most overdue first")
	assert.Equal(t, 253, st.Overdue[0].DaysOverdue, "31 July 2009 to 10 April 2010")
	assert.Equal(t, tDate("2009-07-31"), st.Overdue[0].Due)
	assert.Equal(t, "5K5", st.Overdue[1].From)
	assert.Equal(t, "Brent Teaching PCT", st.Overdue[1].Name)
	require.Len(t, st.Returns, 1)
	r := st.Returns[0]
	assert.True(t, r.Submitted)
	assert.Equal(t, 3, r.DaysLate)
	assert.True(t, r.Acknowledged)
	assert.Equal(t, 1, r.Returns)

	// Before the return, with the assurance pending, as of 1 December 2009: members and sign-offs
	// done, the SHA's assurance overdue by a day; the return not yet due.
	then, ok, err := p.SHAStatusAsOfAt(ctx, "Q36", tRound, l.positions["signed"], tMidnight("2009-12-01"))
	require.NoError(t, err)
	require.True(t, ok)
	var north PlanProgress
	for _, lhc := range then.LHCs {
		if lhc.LHCID == tNorth {
			north = lhc.Plans[0]
		}
	}
	require.Len(t, north.Outstanding, 1)
	assert.Equal(t, Outstanding{Action: "sha_assurance", From: "Q36", Name: "NHS London", Due: tDate("2009-11-30"), PublishedDue: tDate("2009-11-30"), DaysOverdue: 1}, north.Outstanding[0])
	assert.False(t, then.Returns[0].Submitted)
	assert.Equal(t, 0, then.Returns[0].DaysLate)

	// Before every member answered, the plan waits for the members, not the SHA.
	early, _, err := p.SHAStatusAsOf(ctx, "Q36", tRound, l.positions["submitted"])
	require.NoError(t, err)
	for _, lhc := range early.LHCs {
		if lhc.LHCID == tNorth {
			assert.Equal(t, []string{"5NT", "RJ1", "RXA"}, lhc.Plans[0].MembersUnaccounted)
			var from []string
			for _, o := range lhc.Plans[0].Outstanding {
				if o.Action == "member_response" {
					from = append(from, o.From)
				}
			}
			assert.Equal(t, []string{"5NT", "RJ1", "RXA"}, from)
		}
	}
}

func TestReportCountsLatenessAndConditions(t *testing.T) {
	l := newAssuranceLog(t)
	p := l.projector(t, "2010-04-10")
	row := func(r Report) SHARow {
		t.Helper()
		require.Len(t, r.BySHA, 1)
		return r.BySHA[0]
	}
	now := row(p.Report(ReportFilter{Round: tRound}))
	require.NotNil(t, now.OnTimeSubmissionRate)
	assert.Equal(t, 0.0, *now.OnTimeSubmissionRate, "the one plan was late")
	assert.Equal(t, 1, now.OverdueSubmissions, "South never submitted")
	assert.Equal(t, 0, now.OverdueAssurances)
	assert.Equal(t, 1, now.OpenConditions)
	assert.Equal(t, 1, now.OverdueConditions)
	require.NotNil(t, now.MedianDaysToDischarge)
	assert.Equal(t, 64.0, *now.MedianDaysToDischarge, "3 December to 5 February")
	assert.Equal(t, now, row(p.report(ReportFilter{Round: tRound}, true)), "the running sums are a scan's")
	assert.Equal(t, tDate("2010-04-10"), p.Report(ReportFilter{}).LatenessOn)

	// As of the sign-offs, measured on 1 December: the assurance overdue; no conditions yet.
	then := row(p.Report(ReportFilter{Round: tRound, AsOf: l.positions["signed"], At: tMidnight("2009-12-01")}))
	assert.Equal(t, 1, then.OverdueAssurances)
	assert.Equal(t, 1, then.OverdueSubmissions)
	assert.Equal(t, 0, then.OpenConditions)
	assert.Nil(t, then.MedianDaysToDischarge)
	// As of the assurance, on its own day: conditions open, none overdue yet.
	assured := row(p.Report(ReportFilter{AsOf: l.positions["assured"]}))
	assert.Equal(t, 2, assured.OpenConditions)
	assert.Equal(t, 0, assured.OverdueConditions)
	assert.Equal(t, 0, assured.OverdueAssurances)
}

func TestCriteriaCoverageAndReturnsReports(t *testing.T) {
	ctx := context.Background()
	l := newAssuranceLog(t)
	p := l.projector(t, "2010-04-10")

	crit, err := p.Criteria(ctx, CriteriaFilter{Round: tRound})
	require.NoError(t, err)
	assert.Equal(t, []domain.CatalogueCriterion{{ID: "c5", Title: "Clinical 5"}, {ID: "ig", Title: "Information governance"}}, crit.Criteria)
	require.Len(t, crit.BySHA, 1)
	assert.Equal(t, CriteriaRow{SHACode: "Q36", Name: "NHS London", Assurances: 1,
		Criteria: []RatingCounts{{ID: "c5", Green: 1}, {ID: "ig", Amber: 1}}}, crit.BySHA[0])
	before, err := p.Criteria(ctx, CriteriaFilter{AsOf: l.positions["signed"]})
	require.NoError(t, err)
	assert.Equal(t, 0, before.BySHA[0].Assurances, "nothing assured then")

	cov, err := p.SROCoverage(ctx, CoverageFilter{Round: tRound})
	require.NoError(t, err)
	states := map[string]string{}
	for _, o := range cov.Organisations {
		require.Len(t, o.Plans, 1)
		states[o.ODSCode] = o.Plans[0].State
		if o.ODSCode == "5NT" {
			assert.True(t, o.Plans[0].Required)
			assert.Equal(t, "ce-5nt", o.ChiefExecutive.PersonID)
		}
	}
	// RXA, a member that declined, is not a signatory of the version: it is not listed.
	assert.Equal(t, map[string]string{"5K5": CoverageSigned, "5NT": CoverageSigned, "RJ1": CoverageSigned}, states)

	rep, err := p.CfHReturns(context.Background(), CfHReturnsFilter{})
	require.NoError(t, err)
	require.Len(t, rep.Rows, 1)
	r := rep.Rows[0]
	assert.Equal(t, "london", r.PfIT)
	assert.True(t, r.Submitted)
	assert.Equal(t, 3, r.DaysLate)
	assert.True(t, r.Acknowledged)
	assert.Equal(t, 2, r.LHCs)
	assert.Equal(t, 1, r.LHCsCovered)
	assert.Equal(t, 1, r.Exceptions)
	early, err := p.CfHReturns(context.Background(), CfHReturnsFilter{Round: tRound, AsOf: l.positions["assured"], At: tMidnight("2009-12-20")})
	require.NoError(t, err)
	assert.False(t, early.Rows[0].Submitted)
	assert.Equal(t, 2, early.Rows[0].DaysLate, "overdue on 20 December")

	rets, ok := p.SHAReturns("Q36", "")
	require.True(t, ok)
	require.Len(t, rets.Rounds, 1)
	require.Len(t, rets.Rounds[0].Returns, 1)
	assert.False(t, rets.Rounds[0].Returns[0].Superseded)
	assert.Equal(t, l.assurance, rets.Rounds[0].Returns[0].Plans[0].AssuranceEventID)
	assert.Equal(t, l.returnedAt, rets.Rounds[0].Returns[0].RecordedAt)
	_, ok = p.SHAReturns("5K5", "")
	assert.False(t, ok, "not an SHA")
	asOf, ok, err := p.SHAReturnsAsOf(context.Background(), "Q36", tRound, l.positions["assured"], time.Time{})
	require.NoError(t, err)
	require.True(t, ok)
	assert.Empty(t, asOf.Rounds[0].Returns)
}
