package projections

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"assurance-ledger/command"
	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/internal/contenttest"
)

// What moves after the assurance log's end (newAssuranceLog), read back now and as of before it:
//
//	2010-02-10 RJ1 joins south-lhc; 5LE submits its plan; its chief executive signs it
//	2010-02-12 RJ1 contributes to it: sro_signoff is no longer met
//	2010-02-15 RJ1's chief executive signs: met again
//	2010-02-20 north's plan is revised: c2, open, is superseded; Q36's return no longer holds
//	2010-02-25 SHA Q99 is registered, after the sha_return deadline
//	2010-02-26 RJ1 leaves south-lhc, whose plan it contributed to and signed
func (l *assuranceLog) moveOn(t *testing.T) (south string) {
	t.Helper()
	ctx := context.Background()
	at := func(day string) { l.clock = tMidnight(day).Add(10 * time.Hour) }
	reg := func(c domain.RegistryCommand) {
		_, err := l.h.Registry(ctx, command.Request{Actor: tAdmin}, c)
		require.NoError(t, err, "%T", c)
	}
	plan := func(id string, a domain.Actor, c domain.PlanCommand) {
		_, err := l.h.Plan(ctx, command.Request{Actor: a}, id, c)
		require.NoError(t, err, "%T", c)
	}
	raw, err := os.ReadFile("../demo/plan-content.json")
	require.NoError(t, err)
	var content domain.Content
	require.NoError(t, json.Unmarshal(raw, &content))
	content = contenttest.Complete(content, domain.Period{FirstYear: 2009, LastYear: 2011}, "5LE", "RJ1")
	hash, err := eventcodec.ContentHash(content)
	require.NoError(t, err)
	lePCT := domain.Actor{PersonID: "pc-5le", Name: "Lee", Role: domain.RolePCTCommissioner, Org: "5LE"}
	ce5LE := domain.Actor{PersonID: "ce-5le", Name: "Liz Chief", Role: domain.RoleChiefExecutive, Org: "5LE"}

	at("2010-02-10")
	reg(domain.AppointChiefExecutive{ODSCode: "5LE", PersonID: ce5LE.PersonID, Name: ce5LE.Name, EffectiveFrom: tMidnight("2008-04-01")})
	reg(domain.ChangeLHCMembers{LHCID: tSouth, Added: []string{"RJ1"}})
	sub, err := l.h.Submit(ctx, command.Request{Actor: lePCT}, domain.SubmitPlan{LHCID: tSouth, Round: tRound, Period: domain.Period{FirstYear: 2009, LastYear: 2011}, Content: content})
	require.NoError(t, err)
	south = sub.PlanID
	plan(south, ce5LE, domain.SignOffPlan{Version: 1, Statement: "I sign", ContentHash: hash})
	l.mark(t, "south signed by its lead")
	at("2010-02-12")
	plan(south, tRJ1, domain.RecordContribution{Section: "clinical5", Summary: "PAS for Southwark"})
	l.mark(t, "south contributed")
	at("2010-02-15")
	plan(south, tCERJ1, domain.SignOffPlan{Version: 1, Statement: "I sign", ContentHash: hash})
	l.mark(t, "south signed")
	at("2010-02-20")
	var revised domain.Content
	require.NoError(t, json.Unmarshal(raw, &revised))
	revised = contenttest.Complete(revised, domain.Period{FirstYear: 2009, LastYear: 2011}, "5K5", "RJ1", "RXA", "5NT")
	revised.DataQuality = "Weekly SUS data quality dashboard reviewed by the informatics board."
	plan(l.plan, tPCT, domain.RevisePlan{Content: revised, Reason: "New PAS dates"})
	l.mark(t, "revised")
	at("2010-02-25")
	reg(domain.RegisterOrganisation{ODSCode: "Q99", Name: "NHS Newtown", Kind: domain.KindSHA})
	l.mark(t, "q99")
	at("2010-02-26")
	reg(domain.ChangeLHCMembers{LHCID: tSouth, Removed: []string{"RJ1"}})
	l.mark(t, "rj1 left")
	return south
}

func (l *assuranceLog) mark(t *testing.T, name string) {
	t.Helper()
	head, err := l.store.Head(context.Background())
	require.NoError(t, err)
	l.positions[name] = head
}

// sro_signoff is met only while every signatory the version needs has signed: a new contributor
// un-meets it until it signs.
func TestSROSignOffIsUnmetByANewContributor(t *testing.T) {
	ctx := context.Background()
	l := newAssuranceLog(t)
	south := l.moveOn(t)
	p := l.projector(t, "2010-04-10")
	for _, c := range []struct {
		at     string
		status string
		doneAt *time.Time
	}{
		{"south signed by its lead", MilestoneLate, new(tMidnight("2010-02-10").Add(10 * time.Hour))},
		{"south contributed", MilestoneOverdue, nil},
		{"south signed", MilestoneLate, new(tMidnight("2010-02-15").Add(10 * time.Hour))},
	} {
		st, ok, err := p.PlanAsOf(ctx, south, l.positions[c.at])
		require.NoError(t, err)
		require.True(t, ok)
		m := milestone(t, st, domain.MilestoneSROSignOff)
		assert.Equal(t, c.status, m.Status, c.at)
		assert.Equal(t, c.doneAt, m.DoneAt, c.at)
	}
	st, _, err := p.Plan(ctx, south)
	require.NoError(t, err)
	assert.Equal(t, new(tMidnight("2010-02-15").Add(10*time.Hour)), milestone(t, st, domain.MilestoneSROSignOff).DoneAt)
}

// Conditions open when their version is superseded stay visible: listed on the plan, counted by the
// transparency report now and as of any position after.
func TestSupersededOpenConditionsAreListedAndCounted(t *testing.T) {
	ctx := context.Background()
	l := newAssuranceLog(t)
	l.moveOn(t)
	p := l.projector(t, "2010-04-10")
	st, _, err := p.Plan(ctx, l.plan)
	require.NoError(t, err)
	assert.Empty(t, st.Conditions, "version 2 is not assured")
	require.Len(t, st.SupersededConditions, 1)
	assert.Equal(t, "c2", st.SupersededConditions[0].ID)
	assert.Equal(t, 1, st.SupersededConditions[0].Version)
	assert.False(t, st.SupersededConditions[0].Overdue, "no longer followed up")

	row := func(f ReportFilter) SHARow {
		rep := p.Report(f)
		for _, r := range rep.BySHA {
			if r.SHACode == "Q36" {
				return r
			}
		}
		t.Fatalf("no Q36 row")
		return SHARow{}
	}
	for _, c := range []struct {
		name             string
		f                ReportFilter
		open, superseded int
	}{
		{"now", ReportFilter{}, 0, 1},
		{"now, by round", ReportFilter{Round: tRound}, 0, 1},
		{"as of the revision", ReportFilter{AsOf: l.positions["revised"]}, 0, 1},
		{"as of before it", ReportFilter{AsOf: l.positions["end"]}, 1, 0},
	} {
		r := row(c.f)
		assert.Equal(t, c.open, r.OpenConditions, c.name)
		assert.Equal(t, c.superseded, r.SupersededOpenConditions, c.name)
	}
	then, _, err := p.PlanAsOf(ctx, l.plan, l.positions["end"])
	require.NoError(t, err)
	assert.Empty(t, then.SupersededConditions)
}

// A return whose plan was revised no longer holds: the reports mark it stale now, not as of before.
// An SHA registered after the return deadline owes its return from the day it was registered.
func TestReturnsStaleAndOwedFromRegistration(t *testing.T) {
	ctx := context.Background()
	l := newAssuranceLog(t)
	l.moveOn(t)
	p := l.projector(t, "2010-04-10")
	rows := func(f CfHReturnsFilter) map[string]CfHReturnRow {
		rep, err := p.CfHReturns(ctx, f)
		require.NoError(t, err)
		out := map[string]CfHReturnRow{}
		for _, r := range rep.Rows {
			out[r.SHACode] = r
		}
		return out
	}
	now := rows(CfHReturnsFilter{})
	assert.True(t, now["Q36"].Stale)
	require.Len(t, now["Q36"].StaleReasons, 1)
	assert.Equal(t, "plans[0]", now["Q36"].StaleReasons[0].Field)
	assert.Contains(t, now["Q36"].StaleReasons[0].Message, "at version 2, not 1")
	assert.Equal(t, []domain.ReturnException{{LHCID: tSouth, Reason: "No plan submitted"}}, now["Q36"].ExceptionReasons)
	assert.True(t, now["Q36"].Acknowledged, "acknowledged before it went stale")
	before := rows(CfHReturnsFilter{AsOf: l.positions["south signed"]})
	assert.False(t, before["Q36"].Stale, "it held before the revision")
	assert.Empty(t, before["Q36"].StaleReasons)
	after := rows(CfHReturnsFilter{AsOf: l.positions["revised"]})
	assert.True(t, after["Q36"].Stale)

	rets, ok := p.SHAReturns("Q36", tRound)
	require.True(t, ok)
	assert.True(t, rets.Rounds[0].Stale)
	past, ok, err := p.SHAReturnsAsOf(ctx, "Q36", tRound, l.positions["end"], time.Time{})
	require.NoError(t, err)
	require.True(t, ok)
	assert.False(t, past.Rounds[0].Stale)

	q99 := now["Q99"]
	assert.Equal(t, tDate("2010-02-25"), q99.Due, "owed from its registration")
	assert.Equal(t, tDate("2009-12-18"), q99.PublishedDue)
	assert.Equal(t, 44, q99.DaysLate, "25 February to 10 April")
	assert.Equal(t, tDate("2009-12-18"), now["Q36"].Due)
	st, ok := p.SHAStatus("Q99", tRound)
	require.True(t, ok)
	assert.Equal(t, tDate("2010-02-25"), st.Returns[0].Due)
}

// SRO coverage lists the signatories each plan's version needs, as the plan records them: a
// contributor that has since left the LHC is still one, and a member that did not contribute is not.
func TestSROCoverageListsTheVersionsSignatories(t *testing.T) {
	ctx := context.Background()
	l := newAssuranceLog(t)
	south := l.moveOn(t)
	p := l.projector(t, "2010-04-10")
	for _, pos := range []uint64{0, l.positions["rj1 left"]} {
		cov, err := p.SROCoverage(ctx, CoverageFilter{Round: tRound, AsOf: pos})
		require.NoError(t, err)
		got := map[string]bool{}
		for _, o := range cov.Organisations {
			for _, pc := range o.Plans {
				if pc.PlanID == south {
					got[o.ODSCode] = pc.Required
					assert.Equal(t, CoverageSigned, pc.State, o.ODSCode)
				}
			}
		}
		assert.Equal(t, map[string]bool{"5LE": true, "RJ1": true}, got, "as of %d", pos)
	}
}
