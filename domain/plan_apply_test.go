package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanLifecycle(t *testing.T) {
	w := newWorld(t)
	p := w.plan
	assert.False(t, p.Exists())
	assert.Equal(t, Status(""), p.Status())
	assert.Equal(t, 0, p.Version())
	assert.Equal(t, Version{}, p.Current())
	assert.Nil(t, p.OutstandingSignOffs())
	assert.True(t, p.SubmittedAt().IsZero())

	step := func(a Actor, cmd PlanCommand, want Status) {
		t.Helper()
		w.now = w.now.Add(24 * time.Hour)
		w.must(a, cmd)
		assert.Equal(t, want, p.Status())
	}
	step(commissionr, submitCmd(t), StatusSubmitted)
	assert.True(t, p.Exists())
	assert.Equal(t, planID, p.ID())
	assert.Equal(t, lhcID, p.LHCID())
	assert.Equal(t, round, p.Round())
	assert.Equal(t, period2009, p.Period())
	assert.Equal(t, t0.Add(24*time.Hour), p.SubmittedAt())
	assert.Equal(t, []string{leadPCT}, p.OutstandingSignOffs())

	step(provRJ1, RecordContribution{Section: "clinical5", Summary: "PAS timetable"}, StatusSubmitted)
	step(ceLead, w.signOff(), StatusSubmitted)
	step(ceRJ1, w.signOff(), StatusSignedOff)
	assert.Empty(t, p.OutstandingSignOffs())
	w.accountForOthers()
	step(assurer, assureCmd(1, OutcomeAssuredWithConditions), StatusAssuredWithConditions)
	step(cfhActor, AcknowledgeAssurance{Version: 1, Note: "Noted"}, StatusAcknowledged)

	// A revision starts version 2 from scratch; version 1 and everything recorded against it stay.
	step(commissionr, RevisePlan{Content: revisedContent(t), Reason: "Meet the conditions"}, StatusSubmitted)
	assert.Equal(t, 2, p.Version())
	v1 := p.Versions()[0]
	assert.Len(t, v1.SignOffs, 2)
	assert.Equal(t, []string{trust}, v1.Contributors)
	require.NotNil(t, v1.Assurance)
	assert.Equal(t, OutcomeAssuredWithConditions, v1.Assurance.Outcome)
	require.NotNil(t, v1.Acknowledgement)
	assert.Equal(t, v1.Assurance.EventID, v1.Acknowledgement.AssuranceEventID)
	v2 := p.Current()
	assert.Equal(t, 2, v2.Number)
	assert.Equal(t, "Meet the conditions", v2.Reason)
	assert.NotEqual(t, v1.ContentHash, v2.ContentHash)
	assert.Nil(t, v2.Assurance)

	// The successor chief executive signs version 2.
	w.now = ce2From
	step(ceLead2, w.signOff(), StatusSignedOff)
	step(provRXA, RecordContribution{Section: "infrastructure", Summary: "Community N3"}, StatusSubmitted)
	step(ceRXA, w.signOff(), StatusSignedOff)
	assert.Equal(t, []string{trust2}, p.Current().Contributors)
	w.excuseAll()
	step(assurer, assureCmd(2, OutcomeNotAssured), StatusNotAssured)
	step(commissionr, RevisePlan{Content: sampleContent(t), Reason: "Back to the original"}, StatusSubmitted)
	assert.Equal(t, 3, p.Version())
	step(ceLead2, w.signOff(), StatusSignedOff)
	w.excuseAll()
	step(assurer, assureCmd(3, OutcomeAssured), StatusAssured)
	step(cfhActor, AcknowledgeAssurance{Version: 3}, StatusAcknowledged)
	step(commissionr, WithdrawPlan{Reason: "Superseded by the 2010-11 round"}, StatusWithdrawn)
	assert.True(t, p.Withdrawn())
	assert.Equal(t, v1.ContentHash, p.Current().ContentHash, "same content, same hash")
	assert.Len(t, p.Versions(), 3)

	t.Run("replay gives the same state", func(t *testing.T) {
		replayed := NewPlan()
		for _, e := range w.events {
			if !isPlanEvent(e.Data) {
				continue
			}
			require.NoError(t, replayed.Apply(event(throughJSON(t, e.Data), e.Meta)))
		}
		assert.Equal(t, p.Versions(), replayed.Versions())
		assert.Equal(t, p.Status(), replayed.Status())
		assert.Equal(t, p.Withdrawal(), replayed.Withdrawal())
	})
}

func isPlanEvent(d EventData) bool {
	s, ok := Spec(d.EventType())
	return ok && s.Aggregate == AggregatePlan
}

func TestPlanCopies(t *testing.T) {
	w := acknowledged(t)
	vs := w.plan.Versions()
	vs[0].Content.Clinical5[0].Capability = "changed"
	vs[0].SignOffs[0].ODSCode = "changed"
	vs[0].Contributors[0] = "changed"
	vs[0].Assurance.Criteria[0].ID = "changed"
	vs[0].Acknowledgement.Note = "changed"
	cur := w.plan.Current()
	cur.Assurance.Outcome = OutcomeNotAssured
	again := w.plan.Versions()[0]
	assert.Equal(t, CapabilityPASReporting, again.Content.Clinical5[0].Capability)
	assert.Equal(t, leadPCT, again.SignOffs[0].ODSCode)
	assert.Equal(t, trust, again.Contributors[0])
	assert.Equal(t, "c5-coverage", again.Assurance.Criteria[0].ID)
	assert.Equal(t, "Noted", again.Acknowledgement.Note)
	assert.Equal(t, StatusAcknowledged, w.plan.Status())
	assert.Nil(t, NewPlan().Withdrawal())
	wd := withdrawn(t)
	wd.plan.Withdrawal().Reason = "changed"
	assert.Equal(t, "LHC boundaries redrawn", wd.plan.Withdrawal().Reason)
}

// TestPlanApplyRejects feeds events that do not fit the plan's history; each must be refused and
// leave the plan as it was.
func TestPlanApplyRejects(t *testing.T) {
	hash := func(w *world) string { return w.plan.Current().ContentHash }
	for _, c := range []struct {
		name  string
		setup func(testing.TB) *world
		data  func(w *world) EventData
		meta  func(m *Metadata)
	}{
		{"no data", submitted, func(*world) EventData { return nil }, nil},
		{"registry event", submitted, func(*world) EventData { return OrganisationRegistered{ODSCode: "AAA"} }, nil},
		{"revision before submission", newWorld, func(w *world) EventData { return PlanRevised{Version: 2, Content: sampleContent(w.tb), Reason: "r"} }, nil},
		{"contribution before submission", newWorld, func(*world) EventData { return ContributionRecorded{Version: 1, ContributorODS: trust} }, nil},
		{"submitted twice", submitted, func(w *world) EventData { return PlanSubmitted{PlanID: planID, Version: 1} }, nil},
		{"submitted as version 2", newWorld, func(w *world) EventData { return PlanSubmitted{PlanID: planID, Version: 2} }, nil},
		{"submitted without id", newWorld, func(w *world) EventData { return PlanSubmitted{Version: 1} }, nil},
		{"submitted without actor", newWorld, func(w *world) EventData { return PlanSubmitted{PlanID: planID, Version: 1} }, func(m *Metadata) { m.Actor = Actor{} }},
		{"revision skipping a version", submitted, func(w *world) EventData { return PlanRevised{Version: 3, Reason: "r"} }, nil},
		{"revision repeating a version", submitted, func(w *world) EventData { return PlanRevised{Version: 1, Reason: "r"} }, nil},
		{"contribution to another version", submitted, func(*world) EventData { return ContributionRecorded{Version: 2, ContributorODS: trust} }, nil},
		{"contribution by nobody", submitted, func(*world) EventData { return ContributionRecorded{Version: 1} }, nil},
		{"contribution after assurance", func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, func(*world) EventData { return ContributionRecorded{Version: 1, ContributorODS: trust} }, nil},
		{"sign-off of another version", submitted, func(w *world) EventData { return SROSignedOff{Version: 2, ODSCode: leadPCT, ContentHash: hash(w)} }, nil},
		{"sign-off twice", signedOff, func(w *world) EventData { return SROSignedOff{Version: 1, ODSCode: leadPCT, ContentHash: hash(w)} }, nil},
		{"sign-off of other content", submitted, func(w *world) EventData {
			return SROSignedOff{Version: 1, ODSCode: leadPCT, ContentHash: strings.Repeat("0", 64)}
		}, nil},
		{"assurance of another version", signedOff, func(*world) EventData { return AssuranceRecorded{Version: 2, Outcome: OutcomeAssured} }, nil},
		{"assurance twice", func(tb testing.TB) *world { return assured(tb, OutcomeNotAssured) }, func(*world) EventData { return AssuranceRecorded{Version: 1, Outcome: OutcomeAssured} }, nil},
		{"assurance with unknown outcome", signedOff, func(*world) EventData { return AssuranceRecorded{Version: 1, Outcome: "meh"} }, nil},
		{"acknowledgement of another version", func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, func(w *world) EventData {
			return CfHAcknowledged{Version: 2, AssuranceEventID: w.plan.Current().Assurance.EventID}
		}, nil},
		{"acknowledgement without assurance", signedOff, func(*world) EventData { return CfHAcknowledged{Version: 1} }, nil},
		{"acknowledgement of not assured", func(tb testing.TB) *world { return assured(tb, OutcomeNotAssured) }, func(w *world) EventData {
			return CfHAcknowledged{Version: 1, AssuranceEventID: w.plan.Current().Assurance.EventID}
		}, nil},
		{"acknowledgement twice", acknowledged, func(w *world) EventData {
			return CfHAcknowledged{Version: 1, AssuranceEventID: w.plan.Current().Assurance.EventID}
		}, nil},
		{"acknowledgement of another assurance", func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, func(*world) EventData {
			return CfHAcknowledged{Version: 1, AssuranceEventID: "someone-else"}
		}, nil},
		{"anything after withdrawal", withdrawn, func(*world) EventData { return PlanWithdrawn{Reason: "again"} }, nil},
		{"withdrawal before submission", newWorld, func(*world) EventData { return PlanWithdrawn{Reason: "r"} }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := c.setup(t)
			before, status := w.plan.Versions(), w.plan.Status()
			m := w.meta(commissionr)
			if c.meta != nil {
				c.meta(&m)
			}
			assert.Error(t, w.plan.Apply(Event{Data: c.data(w), Meta: m}))
			assert.Equal(t, before, w.plan.Versions())
			assert.Equal(t, status, w.plan.Status())
		})
	}
}

func TestPlanApplyUnhashableContent(t *testing.T) {
	c := sampleContent(t)
	c.NHSNumberAdoption.CurrentPct = nan()
	p := NewPlan()
	assert.Error(t, p.Apply(Event{Data: PlanSubmitted{PlanID: planID, Version: 1, Content: c}, Meta: Metadata{Actor: commissionr}}))
	assert.False(t, p.Exists())

	w := submitted(t)
	assert.Error(t, w.plan.Apply(Event{Data: PlanRevised{Version: 2, Content: c}, Meta: w.meta(commissionr)}))
	assert.Equal(t, 1, w.plan.Version())
	_, err := w.plan.Decide(w.reg, commissionr, t0, hashed(RevisePlan{Content: c, Reason: "r"}))
	assertRefused(t, err, ErrInvalidContent)
}

func TestStatusesAndOutcomes(t *testing.T) {
	assert.Equal(t, []Status{"submitted", "signed_off", "assured", "assured_with_conditions", "not_assured", "acknowledged", "withdrawn"}, Statuses)
	for _, s := range Statuses {
		assert.True(t, s.Valid())
	}
	assert.False(t, Status("draft").Valid())
	for _, o := range Outcomes {
		assert.True(t, o.Valid())
		assert.True(t, Status(o).Valid(), "each outcome is also a status")
	}
	assert.False(t, Outcome("").Valid())
	assert.True(t, OutcomeAssuredWithConditions.Positive())
	assert.False(t, OutcomeNotAssured.Positive())
}

func TestSignOffTallyAndCurrentContentHash(t *testing.T) {
	leadSigned := func(tb testing.TB) *world {
		w := contributed(tb)
		w.must(ceLead, w.signOff())
		return w
	}
	revised := func(tb testing.TB) *world {
		w := signedOff(tb)
		w.must(assurer, assureCmd(1, OutcomeNotAssured))
		w.must(commissionr, RevisePlan{Content: revisedContent(tb), Reason: "Address the gaps"})
		return w
	}
	tests := []struct {
		name             string
		world            func(testing.TB) *world
		lead             string
		required, signed int
	}{
		{"not submitted", newWorld, leadPCT, 0, 0},
		{"submitted: only the lead", submitted, leadPCT, 1, 0},
		{"a provider contributed", contributed, leadPCT, 2, 0},
		{"the lead signed", leadSigned, leadPCT, 2, 1},
		{"both signed", signedOff, leadPCT, 2, 2},
		{"a lead that also contributed is counted once", contributed, trust, 1, 0},
		{"another lead named: it and the contributor", contributed, "Q99", 2, 0},
		{"a revision needs every sign-off again", revised, leadPCT, 1, 0},
		{"withdrawn needs none", withdrawn, leadPCT, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.world(t).plan
			required, signed := p.SignOffTally(tt.lead)
			assert.Equal(t, tt.required, required, "required")
			assert.Equal(t, tt.signed, signed, "signed")
			if tt.lead == leadPCT && !p.Withdrawn() {
				assert.Equal(t, len(p.OutstandingSignOffs()), required-signed, "agrees with OutstandingSignOffs")
			}
			assert.Equal(t, p.Current().ContentHash, p.CurrentContentHash())
		})
	}
}

func TestForgetContentKeepsEverythingButTheContent(t *testing.T) {
	w := signedOff(t)
	p := w.plan
	before := p.Current()
	require.NotEmpty(t, before.Content.Clinical5)
	status, outstanding := p.Status(), p.OutstandingSignOffs()

	p.ForgetContent()
	after := p.Current()
	assert.Equal(t, Content{}, after.Content)
	before.Content = Content{}
	assert.Equal(t, before, after, "hash, sign-offs and the rest are kept")
	assert.Equal(t, status, p.Status())
	assert.Equal(t, outstanding, p.OutstandingSignOffs())

	// Folding goes on: a sign-off still has to name the kept hash.
	w.must(assurer, assureCmd(1, OutcomeAssured))
	assert.Equal(t, StatusAssured, p.Status())
	NewPlan().ForgetContent() // nothing to forget, no panic
}

// A version is signed off once the lead PCT and every contributor have signed, in any order, and
// not before: Status says so exactly when OutstandingSignOffs is empty.
func TestStatusIsSignedOffOnceEverySignatoryHasSigned(t *testing.T) {
	contribute := map[string]Actor{trust: provRJ1, trust2: provRXA}
	chief := map[string]Actor{leadPCT: ceLead, trust: ceRJ1, trust2: ceRXA}
	tests := []struct {
		name         string
		contributors []string
		signers      []string // in order; the version is signed off after the last
	}{
		{"lead alone", nil, []string{leadPCT}},
		{"lead first", []string{trust}, []string{leadPCT, trust}},
		{"contributor first", []string{trust}, []string{trust, leadPCT}},
		{"two contributors, lead last", []string{trust, trust2}, []string{trust2, trust, leadPCT}},
		{"two contributors, lead between", []string{trust, trust2}, []string{trust, leadPCT, trust2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			p := w.plan
			w.must(commissionr, submitCmd(t))
			for _, c := range tt.contributors {
				w.must(contribute[c], RecordContribution{Section: "clinical5", Summary: "timetable"})
			}
			w.now = rxaFrom // every chief executive in office, Z1A's first still
			for i, org := range tt.signers {
				require.Equal(t, StatusSubmitted, p.Status(), "before %s signs", org)
				require.NotEmpty(t, p.OutstandingSignOffs())
				w.must(chief[org], w.signOff())
				if i < len(tt.signers)-1 {
					assert.Contains(t, p.OutstandingSignOffs(), tt.signers[len(tt.signers)-1])
				}
			}
			assert.Equal(t, StatusSignedOff, p.Status())
			assert.Empty(t, p.OutstandingSignOffs())
			required, signed := p.SignOffTally(leadPCT)
			assert.Equal(t, len(tt.signers), required)
			assert.Equal(t, required, signed)
		})
	}
}
