package domain

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// planStages are plans at every stage of their life, built as the decision tests build them.
var planStages = []struct {
	name  string
	setup func(testing.TB) *world
}{
	{"not submitted", newWorld},
	{"submitted", submitted},
	{"contributed", contributed},
	{"signed off", signedOff},
	{"assured", func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }},
	{"assured with conditions", func(tb testing.TB) *world { return assured(tb, OutcomeAssuredWithConditions) }},
	{"not assured", func(tb testing.TB) *world { return assured(tb, OutcomeNotAssured) }},
	{"acknowledged", acknowledged},
	{"withdrawn", withdrawn},
	{"revised after not assured", revised},
	{"revised, content forgotten", func(tb testing.TB) *world {
		w := revised(tb)
		w.plan.ForgetContent()
		return w
	}},
}

// revised: version 1 was not assured; version 2 has a contribution from ZRX and the lead's sign-off.
func revised(tb testing.TB) *world {
	w := assured(tb, OutcomeNotAssured)
	w.must(commissionr, RevisePlan{Content: revisedContent(tb), Reason: "Address the gaps"})
	w.now = rxaFrom
	w.must(provRXA, RecordContribution{Section: "infrastructure", Summary: "N3 links"})
	w.must(ceLead, w.signOff())
	return w
}

// A restored plan must be indistinguishable from the one recorded: the same answers, the same
// decisions on every command, and the same state after folding any event that follows.
func TestRestorePlanBehavesAsTheRecordedPlan(t *testing.T) {
	for _, stage := range planStages {
		t.Run(stage.name, func(t *testing.T) {
			w := stage.setup(t)
			p := w.plan
			q, err := RestorePlan(p.Record())
			require.NoError(t, err)

			assert.Equal(t, p.Exists(), q.Exists())
			assert.Equal(t, p.ID(), q.ID())
			assert.Equal(t, p.LHCID(), q.LHCID())
			assert.Equal(t, p.Round(), q.Round())
			assert.Equal(t, p.Period(), q.Period())
			assert.Equal(t, p.LeadPCT(), q.LeadPCT())
			assert.Equal(t, p.Status(), q.Status())
			assert.Equal(t, p.Version(), q.Version())
			assert.Equal(t, contentless(p.Versions()), q.Versions())
			assert.Equal(t, contentless([]Version{p.Current()}), []Version{q.Current()})
			assert.Equal(t, p.CurrentContentHash(), q.CurrentContentHash())
			assert.Equal(t, p.OutstandingSignOffs(), q.OutstandingSignOffs())
			assert.Equal(t, p.SubmittedAt(), q.SubmittedAt())
			assert.Equal(t, p.Withdrawn(), q.Withdrawn())
			assert.Equal(t, p.Withdrawal(), q.Withdrawal())
			for _, lead := range []string{leadPCT, trust} {
				wantReq, wantSigned := p.SignOffTally(lead)
				gotReq, gotSigned := q.SignOffTally(lead)
				assert.Equal(t, [2]int{wantReq, wantSigned}, [2]int{gotReq, gotSigned}, "tally for lead %s", lead)
			}

			for _, c := range nextCommands(w) {
				want, wantErr := p.Decide(w.reg, c.actor, w.now, hashed(c.cmd))
				got, gotErr := q.Decide(w.reg, c.actor, w.now, hashed(c.cmd))
				assert.Equal(t, wantErr, gotErr, "%s by %s", c.name, c.actor.Org)
				assert.Equal(t, want, got, "%s by %s", c.name, c.actor.Org)
				if wantErr != nil {
					continue
				}
				// Fold the accepted event into a fresh copy of each and compare what they become.
				orig := stage.setup(t)
				again, err := RestorePlan(orig.plan.Record())
				require.NoError(t, err)
				e := event(want, orig.meta(c.actor))
				require.NoError(t, orig.plan.Apply(e), c.name)
				require.NoError(t, again.Apply(e), c.name)
				assert.Equal(t, orig.plan.Record(), again.Record(), "after %s by %s", c.name, c.actor.Org)
				assert.Equal(t, orig.plan.Status(), again.Status(), "after %s by %s", c.name, c.actor.Org)
			}
		})
	}
}

type namedCommand struct {
	name  string
	actor Actor
	cmd   PlanCommand
}

// nextCommands is every kind of command, by the actors who might send it, against w's plan as it
// stands: some are accepted at each stage, the rest refused.
func nextCommands(w *world) []namedCommand {
	cur := w.plan.Current()
	signOff := SignOffPlan{Version: cur.Number, Statement: "I confirm this plan has the board's support.", ContentHash: cur.ContentHash}
	cmds := []namedCommand{
		{"submit", commissionr, submitCmd(w.tb)},
		{"revise", commissionr, RevisePlan{Content: revisedContent(w.tb), Reason: "SHA feedback"}},
		{"revise back", commissionr, RevisePlan{Content: sampleContent(w.tb), Reason: "Back to the original"}},
		{"contribute", provRJ1, RecordContribution{Section: "clinical5", Summary: "Order comms"}},
		{"contribute", provRXA, RecordContribution{Section: "infrastructure", Summary: "N3"}},
		{"sign off", ceLead, signOff},
		{"sign off", ceRJ1, signOff},
		{"sign off", ceRXA, signOff},
		{"acknowledge", cfhActor, AcknowledgeAssurance{Version: cur.Number, Note: "Noted"}},
		{"withdraw", commissionr, WithdrawPlan{Reason: "LHC boundaries redrawn"}},
	}
	for _, o := range Outcomes {
		cmds = append(cmds, namedCommand{"assure " + string(o), assurer, assureCmd(cur.Number, o)})
	}
	return cmds
}

// A record is the plan as it was when it was taken, however the plan folds on.
func TestPlanRecordStaysAsItWasTaken(t *testing.T) {
	for _, stage := range planStages {
		t.Run(stage.name, func(t *testing.T) {
			w := stage.setup(t)
			r := w.plan.Record()
			folded := 0
			for range 3 {
				for _, c := range nextCommands(w) {
					if _, err := w.do(c.actor, c.cmd); err == nil {
						folded++
					}
				}
			}
			if !w.plan.Withdrawn() {
				require.NotZero(t, folded, "the plan should fold on from here")
			}
			assert.Equal(t, stage.setup(t).plan.Record(), r)
		})
	}
}

// A plan restored from another's record shares what they held then; each then folds on its own.
func TestRestoredPlanFoldsOnApartFromTheOriginal(t *testing.T) {
	w := contributed(t)
	for _, s := range []string{"community_integration", "infrastructure"} {
		w.must(provRJ1, RecordContribution{Section: s, Summary: "More"}) // three: room for a fourth
	}
	q, err := RestorePlan(w.plan.Record())
	require.NoError(t, err)
	w.must(provRJ1, RecordContribution{Section: "data_quality", Summary: "Original's"})
	e := Event{Data: ContributionRecorded{Version: 1, ContributorODS: trust2, Section: "data_quality", Summary: "Copy's"}, Meta: w.meta(provRXA)}
	require.NoError(t, q.Apply(e))
	mine, theirs := w.plan.Current(), q.Current()
	require.Len(t, mine.Contributions, 4)
	require.Len(t, theirs.Contributions, 4)
	assert.Equal(t, "Original's", mine.Contributions[3].Summary)
	assert.Equal(t, "Copy's", theirs.Contributions[3].Summary)
	assert.Equal(t, []string{trust}, mine.Contributors)
	assert.Equal(t, []string{trust, trust2}, theirs.Contributors)
}

// RestorePlan refuses what no fold could leave behind, naming what is wrong.
func TestRestorePlanRefusesAnImpossibleRecord(t *testing.T) {
	for _, c := range []struct {
		name   string
		break_ func(r *PlanRecord)
		want   string
	}{
		{"state without a submission", func(r *PlanRecord) { r.Exists = false }, "never submitted"},
		{"no plan id", func(r *PlanRecord) { r.ID = "" }, "no plan id"},
		{"no lead PCT", func(r *PlanRecord) { r.LeadPCT = "" }, "no lead PCT"},
		{"no version", func(r *PlanRecord) { r.Versions = nil }, "no version"},
		{"versions out of order", func(r *PlanRecord) { r.Versions[0].Number = 2 }, "numbered 2"},
		{"no content hash", func(r *PlanRecord) { r.Versions[0].ContentHash = "" }, "no content hash"},
		{"content kept", func(r *PlanRecord) { r.Versions[0].Content.DataQuality = "edited" }, "holds content"},
		{"contribution to another version", func(r *PlanRecord) { r.Versions[0].Contributions[0].Version = 2 }, "contribution to version 2"},
		{"contributors not the contributions'", func(r *PlanRecord) { r.Versions[0].Contributors = []string{trust2} }, "lists contributors"},
		{"sign-off of another version", func(r *PlanRecord) { r.Versions[0].SignOffs[1].Version = 3 }, "sign-off of version 3"},
		{"sign-off of other content", func(r *PlanRecord) { r.Versions[0].SignOffs[1].ContentHash = "beef" }, "of content beef"},
		{"two sign-offs by one organisation", func(r *PlanRecord) { r.Versions[0].SignOffs[1].ODSCode = leadPCT }, "two sign-offs by " + leadPCT},
		{"assurance of another version", func(r *PlanRecord) { r.Versions[0].Assurance.Version = 2 }, "assurance of version 2"},
		{"unknown outcome", func(r *PlanRecord) { r.Versions[0].Assurance.Outcome = "maybe" }, `outcome "maybe"`},
		{"acknowledged, not assured", func(r *PlanRecord) { r.Versions[0].Assurance = nil }, "not assured"},
		{"acknowledged, not assured positively", func(r *PlanRecord) { r.Versions[0].Assurance.Outcome = OutcomeNotAssured }, "not assured"},
		{"acknowledgement of another assurance", func(r *PlanRecord) { r.Versions[0].Acknowledgement.AssuranceEventID = "other" }, `acknowledges assurance "other"`},
		{"acknowledgement of another version", func(r *PlanRecord) { r.Versions[0].Acknowledgement.Version = 2 }, "acknowledgement of version 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := acknowledged(t).plan.Record()
			_, err := RestorePlan(r)
			require.NoError(t, err, "the record before it is broken")
			c.break_(&r)
			p, err := RestorePlan(r)
			require.ErrorIs(t, err, ErrInvalidPlanRecord)
			assert.Contains(t, err.Error(), c.want)
			assert.Nil(t, p)
		})
	}
}

// A decoder may give an empty list as nil; the restored plan is still the one a fold leaves, whose
// empty lists are empty, not nil (Versions shows the difference, as JSON null against []).
func TestRestorePlanTakesNilListsAsEmpty(t *testing.T) {
	w := assured(t, OutcomeAssured)
	w.must(commissionr, RevisePlan{Content: revisedContent(t), Reason: "Refresh"})
	want := contentless(w.plan.Versions())
	r := w.plan.Record()
	require.Empty(t, r.Versions[0].Assurance.Conditions)
	require.Empty(t, r.Versions[1].SignOffs)
	r.Versions[0].Assurance.Conditions = nil
	r.Versions[1].Contributors, r.Versions[1].Contributions, r.Versions[1].SignOffs = nil, nil, nil
	q, err := RestorePlan(r)
	require.NoError(t, err)
	assert.Equal(t, want, q.Versions())
}
