package domain

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withConditions: version 1 assured with condition ig-l2, due 2009-12-31.
func withConditions(tb testing.TB) *world { return assured(tb, OutcomeAssuredWithConditions) }

// evidenced: the lead PCT has evidenced ig-l2.
func evidenced(tb testing.TB) *world {
	w := withConditions(tb)
	w.must(commissionr, SubmitConditionEvidence{Version: 1, ConditionID: "ig-l2", Summary: "IG Toolkit returns for every member at level 2",
		DocumentSHA256: strings.Repeat("cd", 32)})
	return w
}

func condition(t *testing.T, w *world, id string) ConditionRecord {
	t.Helper()
	a := w.plan.Current().Assurance
	require.NotNil(t, a)
	i := a.condition(id)
	require.GreaterOrEqual(t, i, 0, id)
	return a.Conditions[i]
}

func TestDecideConditionEvidence(t *testing.T) {
	evidence := fixed(SubmitConditionEvidence{Version: 1, ConditionID: "ig-l2", Summary: "IG Toolkit returns at level 2"})
	runPlanCases(t, []planCase{
		{name: "accepted", setup: withConditions, actor: commissionr, cmd: evidence,
			check: func(t *testing.T, w *world, _ EventData) {
				c := condition(t, w, "ig-l2")
				assert.Equal(t, ConditionStateOpen, c.State)
				require.Len(t, c.Evidence, 1)
				assert.Equal(t, "IG Toolkit returns at level 2", c.Evidence[0].Summary)
				assert.Equal(t, w.now, c.Evidence[0].RecordedAt)
			}},
		{name: "more evidence", setup: evidenced, actor: commissionr, cmd: evidence,
			check: func(t *testing.T, w *world, _ EventData) { assert.Len(t, condition(t, w, "ig-l2").Evidence, 2) }},
		{name: "after acknowledgement", setup: func(tb testing.TB) *world {
			w := withConditions(tb)
			w.must(cfhActor, AcknowledgeAssurance{Version: 1})
			return w
		}, actor: commissionr, cmd: evidence},
		{name: "not the lead PCT", setup: withConditions, actor: otherCommissioner, cmd: evidence, want: ErrOrganisationNotAllowed},
		{name: "wrong role", setup: withConditions, actor: provRJ1, cmd: evidence, want: ErrRoleNotAllowed},
		{name: "unknown condition", setup: withConditions, actor: commissionr, cmd: fixed(SubmitConditionEvidence{Version: 1, ConditionID: "c9", Summary: "s"}),
			want: ErrConditionNotFound, field: "condition_id"},
		{name: "no assurance", setup: signedOff, actor: commissionr, cmd: evidence, want: ErrConditionNotFound},
		{name: "a closed condition", setup: func(tb testing.TB) *world {
			w := evidenced(tb)
			w.must(assurer, DischargeCondition{Version: 1, ConditionID: "ig-l2", Note: "Accepted"})
			return w
		}, actor: commissionr, cmd: evidence, want: ErrConditionClosed},
		{name: "a superseded version", setup: func(tb testing.TB) *world {
			w := withConditions(tb)
			w.must(commissionr, RevisePlan{Content: revisedContent(tb), Reason: "r"})
			return w
		}, actor: commissionr, cmd: evidence, want: ErrStaleVersion},
		{name: "no summary", setup: withConditions, actor: commissionr, cmd: fixed(SubmitConditionEvidence{Version: 1, ConditionID: "ig-l2"}), want: ErrInvalidCommand, field: "summary"},
		{name: "bad document hash", setup: withConditions, actor: commissionr,
			cmd: fixed(SubmitConditionEvidence{Version: 1, ConditionID: "ig-l2", Summary: "s", DocumentSHA256: "x"}), want: ErrInvalidCommand, field: "document_sha256"},
	})
}

func TestDecideDischargeAndLapse(t *testing.T) {
	discharge := fixed(DischargeCondition{Version: 1, ConditionID: "ig-l2", Note: "Level 2 confirmed for every member."})
	lapse := fixed(LapseCondition{Version: 1, ConditionID: "ig-l2", Note: "No evidence by the due date."})
	afterDue := ts("2010-01-01T09:00:00Z")
	runPlanCases(t, []planCase{
		{name: "discharged", setup: evidenced, actor: assurer, cmd: discharge,
			check: func(t *testing.T, w *world, _ EventData) {
				c := condition(t, w, "ig-l2")
				assert.Equal(t, ConditionStateDischarged, c.State)
				assert.Equal(t, "Level 2 confirmed for every member.", c.Note)
				assert.Equal(t, w.now, c.ClosedAt)
				assert.NotEmpty(t, c.ClosedEventID)
				assert.Equal(t, StatusAssuredWithConditions, w.plan.Status(), "follow-up changes no status")
			}},
		{name: "discharged without evidence", setup: withConditions, actor: assurer, cmd: discharge, want: ErrNoConditionEvidence},
		{name: "discharged twice", setup: func(tb testing.TB) *world {
			w := evidenced(tb)
			w.must(assurer, DischargeCondition{Version: 1, ConditionID: "ig-l2", Note: "n"})
			return w
		}, actor: assurer, cmd: discharge, want: ErrConditionClosed},
		{name: "discharged by another SHA", setup: evidenced, actor: Actor{PersonID: "x", Role: RoleSHAAssurer, Org: otherSHA}, cmd: discharge, want: ErrWrongSHA},
		{name: "discharged by the PCT", setup: evidenced, actor: commissionr, cmd: discharge, want: ErrRoleNotAllowed},
		{name: "discharged without a note", setup: evidenced, actor: assurer, cmd: fixed(DischargeCondition{Version: 1, ConditionID: "ig-l2"}), want: ErrInvalidCommand, field: "note"},
		{name: "lapsed after its due date", setup: withConditions, actor: assurer, at: afterDue, cmd: lapse,
			check: func(t *testing.T, w *world, _ EventData) {
				c := condition(t, w, "ig-l2")
				assert.Equal(t, ConditionStateLapsed, c.State)
				assert.Equal(t, afterDue, c.ClosedAt)
			}},
		{name: "lapsed after evidence was found wanting", setup: evidenced, actor: assurer, at: afterDue, cmd: lapse},
		{name: "lapsed on its due date", setup: withConditions, actor: assurer, at: ts("2009-12-31T17:00:00Z"), cmd: lapse, want: ErrConditionNotDue, msg: []string{"2009-12-31"}},
		{name: "lapsed, then discharged", setup: func(tb testing.TB) *world {
			w := evidenced(tb)
			w.now = afterDue
			w.must(assurer, LapseCondition{Version: 1, ConditionID: "ig-l2", Note: "n"})
			return w
		}, actor: assurer, cmd: discharge, want: ErrConditionClosed},
		{name: "lapsed, unknown condition", setup: withConditions, actor: assurer, at: afterDue, cmd: fixed(LapseCondition{Version: 1, ConditionID: "nope", Note: "n"}), want: ErrConditionNotFound},
	})
}

func TestConditionOverdue(t *testing.T) {
	c := ConditionRecord{ID: "a", State: ConditionStateOpen, Due: date("2009-12-31")}
	assert.False(t, c.Overdue(date("2009-12-31")))
	assert.True(t, c.Overdue(date("2010-01-01")))
	c.State = ConditionStateDischarged
	assert.False(t, c.Overdue(date("2010-01-01")))
	assert.False(t, ConditionRecord{State: ConditionStateOpen}.Overdue(date("2030-01-01")), "no due date, never overdue")
}

// Following a condition up replaces the assurance rather than changing it: a record taken before
// stays as it was.
func TestConditionFollowUpLeavesARecordAsItWas(t *testing.T) {
	w := withConditions(t)
	rec := w.plan.Record()
	w.must(commissionr, SubmitConditionEvidence{Version: 1, ConditionID: "ig-l2", Summary: "s"})
	w.must(assurer, DischargeCondition{Version: 1, ConditionID: "ig-l2", Note: "n"})
	c := rec.Versions[0].Assurance.Conditions[0]
	assert.Equal(t, ConditionStateOpen, c.State)
	assert.Empty(t, c.Evidence)
	restored, err := RestorePlan(w.plan.Record())
	require.NoError(t, err)
	assert.Equal(t, contentless(w.plan.Versions()), restored.Versions())
}

func TestDecideNote(t *testing.T) {
	note := fixed(NoteAssurance{Version: 1, Note: "Noted: the plan is to be revised before it is reflected in the PfIT plan."})
	notReflected := func(tb testing.TB) *world {
		w := signedOff(tb)
		c := assureCmd(1, OutcomeAssuredWithConditions)
		c.ReflectedInPfITPlan = false
		w.must(assurer, c)
		return w
	}
	runPlanCases(t, []planCase{
		{name: "not assured", setup: func(tb testing.TB) *world { return assured(tb, OutcomeNotAssured) }, actor: cfhActor, cmd: note,
			check: func(t *testing.T, w *world, _ EventData) {
				n := w.plan.Current().CfHNote
				require.NotNil(t, n)
				assert.Equal(t, cfhODS, n.ODSCode)
				assert.Equal(t, StatusNotAssured, w.plan.Status(), "a note changes no status")
			}},
		{name: "not reflected in the PfIT plan", setup: notReflected, actor: cfhActor, cmd: note},
		{name: "assured and reflected", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, actor: cfhActor, cmd: note, want: ErrAcknowledgeInstead},
		{name: "twice", setup: func(tb testing.TB) *world {
			w := assured(tb, OutcomeNotAssured)
			w.must(cfhActor, NoteAssurance{Version: 1, Note: "n"})
			return w
		}, actor: cfhActor, cmd: note, want: ErrAlreadyNoted},
		{name: "no assurance", setup: signedOff, actor: cfhActor, cmd: note, want: ErrNotAssured},
		{name: "no note", setup: notReflected, actor: cfhActor, cmd: fixed(NoteAssurance{Version: 1}), want: ErrInvalidCommand, field: "note"},
		{name: "not CfH", setup: notReflected, actor: Actor{PersonID: "x", Role: RoleCfH, Org: sha}, cmd: note, want: ErrOrganisationNotAllowed},
		{name: "wrong role", setup: notReflected, actor: assurer, cmd: note, want: ErrRoleNotAllowed},
	})
	// CfH cannot acknowledge what it may only note.
	w := notReflected(t)
	_, err := w.do(cfhActor, AcknowledgeAssurance{Version: 1, Note: "reflected in the deployment schedule"})
	e := assertRefused(t, err, ErrNotReflectedInPfITPlan)
	assert.Contains(t, e.Message, "may note it")
}

// Old logs fold whatever today's rules say: an acknowledgement of an assurance not reflected in the
// PfIT plan (as the demo once recorded), an upcast condition with no criterion or due date, and
// its follow-up.
func TestOldEventsStillFold(t *testing.T) {
	w := signedOff(t)
	a := assureCmd(1, OutcomeAssuredWithConditions)
	a.ReflectedInPfITPlan = false
	a.Conditions = []Condition{{ID: "c1", Text: "IG Toolkit level 2 evidenced by March 2011"}}
	w.now = w.now.Add(1e9)
	ev := AssuranceRecorded{Version: 1, SHACode: sha, Outcome: a.Outcome, Criteria: a.Criteria, Conditions: a.Conditions, PfIT: "London PfIT 2010"}
	require.NoError(t, w.plan.Apply(event(ev, w.meta(assurer))))
	require.NoError(t, w.plan.Apply(event(CfHAcknowledged{Version: 1, AssuranceEventID: w.plan.Current().Assurance.EventID}, w.meta(cfhActor))))
	assert.Equal(t, StatusAcknowledged, w.plan.Status())
	_, err := w.plan.Decide(w.reg, assurer, ts("2030-01-01T00:00:00Z"), LapseCondition{Version: 1, ConditionID: "c1", Note: "Never evidenced"})
	e := assertRefused(t, err, ErrConditionNotDue)
	assert.Contains(t, e.Message, "no due date", "a condition with no due date never falls due, so it cannot lapse")
	assert.True(t, hasField(e, "condition_id"))
	w.must(commissionr, SubmitConditionEvidence{Version: 1, ConditionID: "c1", Summary: "IG Toolkit level 2 attained"})
	w.must(assurer, DischargeCondition{Version: 1, ConditionID: "c1", Note: "Evidence accepted"})
	assert.Equal(t, ConditionStateDischarged, w.plan.Current().Assurance.Conditions[0].State, "it is discharged with evidence")
}

func TestPlanApplyRefusesFollowUpThatDoesNotFit(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(testing.TB) *world
		data  EventData
	}{
		{"evidence of an unknown condition", withConditions, ConditionEvidenceSubmitted{Version: 1, ConditionID: "x", Summary: "s"}},
		{"evidence without an assurance", signedOff, ConditionEvidenceSubmitted{Version: 1, ConditionID: "ig-l2", Summary: "s"}},
		{"discharge of another version", withConditions, ConditionDischarged{Version: 2, ConditionID: "ig-l2"}},
		{"lapse of a discharged condition", func(tb testing.TB) *world {
			w := evidenced(tb)
			w.must(assurer, DischargeCondition{Version: 1, ConditionID: "ig-l2", Note: "n"})
			return w
		}, ConditionLapsed{Version: 1, ConditionID: "ig-l2"}},
		{"a second note", func(tb testing.TB) *world {
			w := assured(tb, OutcomeNotAssured)
			w.must(cfhActor, NoteAssurance{Version: 1, Note: "n"})
			return w
		}, CfHNoted{Version: 1, Note: "again"}},
		{"a note without an assurance", signedOff, CfHNoted{Version: 1, Note: "n"}},
		{"a decline after contributing", contributed, ContributionDeclined{Version: 1, ODSCode: trust, Reason: "r"}},
		{"an excusal after assurance", func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, MemberExcused{Version: 1, ODSCode: trust2, Reason: "r"}},
		{"a decline of no one", submitted, ContributionDeclined{Version: 1, Reason: "r"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := c.setup(t)
			before := w.plan.Versions()
			assert.Error(t, w.plan.Apply(event(c.data, w.meta(assurer))))
			assert.Equal(t, before, w.plan.Versions())
		})
	}
}

// Nothing of the follow-up grows a plan's stream without bound: evidence is limited per condition,
// and every event of it counts towards the stream's limit.
func TestFollowUpIsBounded(t *testing.T) {
	w := withConditions(t)
	before := w.plan.Events()
	for range MaxEvidencePerCondition {
		w.must(commissionr, SubmitConditionEvidence{Version: 1, ConditionID: "ig-l2", Summary: "more"})
	}
	assert.Equal(t, before+MaxEvidencePerCondition, w.plan.Events())
	_, err := w.do(commissionr, SubmitConditionEvidence{Version: 1, ConditionID: "ig-l2", Summary: "more"})
	assertRefused(t, err, ErrConditionClosed)
	w.must(assurer, DischargeCondition{Version: 1, ConditionID: "ig-l2", Note: "n"})
	w.must(cfhActor, AcknowledgeAssurance{Version: 1})
	assert.Equal(t, len(w.events)-len(newWorld(t).events), w.plan.Events(), "every plan event is counted")

	c := assureCmd(1, OutcomeAssuredWithConditions)
	for i := range MaxConditions {
		c.Conditions = append(c.Conditions, Condition{ID: fmt.Sprintf("x%d", i), Text: "t", Criterion: "ig", Due: date("2009-12-31")})
	}
	_, err = signedOff(t).do(assurer, c)
	e := assertRefused(t, err, ErrInvalidAssurance)
	assert.True(t, hasField(e, "conditions"))
}
