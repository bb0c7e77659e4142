package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// returnWorld: ZQ6 has two LHCs, north-lhc, whose plan is assured, and south-lhc, with no plan.
type returnWorld struct {
	*world
	ret *SHAReturn
}

func newReturnWorld(tb testing.TB, outcome Outcome) *returnWorld {
	w := assured(tb, outcome)
	w.registry(FormLHC{LHCID: "south-lhc", Name: "Southtown LHC", LeadPCT: otherPCT, SHACode: sha})
	w.now = ts("2009-12-10T10:00:00Z")
	return &returnWorld{world: w, ret: NewSHAReturn()}
}

func (w *returnWorld) plans(id string) (*Plan, bool) {
	if id == planID {
		return w.plan, true
	}
	return nil, false
}

// returnCmd accounts for north-lhc by its plan and for south-lhc by an exception.
func (w *returnWorld) returnCmd() SubmitReturn {
	a := w.plan.Current().Assurance
	return SubmitReturn{SHACode: sha, Round: round, AsOfPosition: 42,
		Plans:       []ReturnedPlan{{PlanID: planID, Version: 1, AssuranceEventID: a.EventID, Outcome: a.Outcome, ReflectedInPfITPlan: a.ReflectedInPfITPlan}},
		Exceptions:  []ReturnException{{LHCID: "south-lhc", Reason: "The LHC was formed in November; its first plan is due in the 2010-11 round."}},
		PfITPlanRef: PfITPlanRef{Title: "NME PfIT deployment plan", Version: "3.2", DocumentSHA256: strings.Repeat("ef", 32)},
	}
}

// live is the live plan of an LHC in the round: north-lhc's plan, unless withdrawn.
func (w *returnWorld) live(lhc string) (*Plan, bool) {
	if lhc == lhcID && w.plan.Exists() && !w.plan.Withdrawn() {
		return w.plan, true
	}
	return nil, false
}

func (w *returnWorld) decide(a Actor, cmd ReturnCommand) (EventData, error) {
	return w.ret.Decide(w.reg, w.plans, w.live, a, w.now, cmd)
}

func (w *returnWorld) mustReturn(a Actor, cmd ReturnCommand) EventData {
	w.tb.Helper()
	d, err := w.decide(a, cmd)
	require.NoError(w.tb, err)
	require.NoError(w.tb, w.ret.Apply(event(d, w.meta(a))))
	return d
}

func TestDecideSubmitReturn(t *testing.T) {
	for _, c := range []struct {
		name    string
		outcome Outcome
		actor   Actor
		change  func(w *returnWorld, c *SubmitReturn)
		want    *Error
		field   string
		msg     string
	}{
		{name: "accepted", outcome: OutcomeAssured},
		{name: "assured with conditions", outcome: OutcomeAssuredWithConditions},
		{name: "not assured, as an exception", outcome: OutcomeNotAssured, change: func(w *returnWorld, c *SubmitReturn) {
			c.Plans = nil
			c.Exceptions = append(c.Exceptions, ReturnException{LHCID: lhcID, Reason: "Not assured: to be revised by February."})
		}},
		{name: "not assured, as a plan", outcome: OutcomeNotAssured, want: ErrReturnMismatch, field: "plans[0]", msg: "account for LHC"},
		{name: "an LHC missing", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.Exceptions = nil },
			want: ErrReturnIncomplete, field: "exceptions", msg: "south-lhc"},
		{name: "nothing at all", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.Plans, c.Exceptions = nil, nil },
			want: ErrReturnIncomplete, msg: "north-lhc, south-lhc"},
		{name: "an LHC twice", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) {
			c.Exceptions = append(c.Exceptions, c.Exceptions[0])
		}, want: ErrInvalidCommand, field: "exceptions[1].lhc_id"},
		{name: "a plan twice", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.Plans = append(c.Plans, c.Plans[0]) },
			want: ErrInvalidCommand, field: "plans[1].plan_id"},
		{name: "another SHA's LHC", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) {
			c.Exceptions = append(c.Exceptions, ReturnException{LHCID: "far-lhc", Reason: "r"})
		}, want: ErrReturnMismatch, field: "exceptions[1].lhc_id"},
		{name: "an unknown plan", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.Plans[0].PlanID = "0190f0c4-9999-7000-8000-000000000001" },
			want: ErrReturnMismatch, field: "plans[0].plan_id"},
		{name: "another version", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.Plans[0].Version = 2 },
			want: ErrReturnMismatch, field: "plans[0]", msg: "at version 1"},
		{name: "another assurance", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) {
			c.Plans[0].AssuranceEventID = "0190f0c4-0000-7000-8000-000000000001"
		},
			want: ErrReturnMismatch, field: "plans[0]"},
		{name: "another outcome", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.Plans[0].Outcome = OutcomeAssuredWithConditions },
			want: ErrReturnMismatch, field: "plans[0]"},
		{name: "reflected said otherwise", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.Plans[0].ReflectedInPfITPlan = false },
			want: ErrReturnMismatch, field: "plans[0]"},
		{name: "a plan of another round", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) {
			w.registry(publishRound("2010-11"))
			c.Round = "2010-11"
		}, want: ErrReturnMismatch, field: "plans[0]", msg: "round 2009-10"},
		{name: "a withdrawn plan", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) {
			w.must(commissionr, WithdrawPlan{Reason: "r"})
		}, want: ErrReturnMismatch, field: "plans[0]", msg: "withdrawn"},
		{name: "an unpublished round", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.Round = "2011-12" }, want: ErrRoundNotPublished, field: "round"},
		{name: "another SHA's return", outcome: OutcomeAssured, actor: Actor{PersonID: "x", Role: RoleSHAAssurer, Org: otherSHA}, want: ErrWrongSHA},
		{name: "wrong role", outcome: OutcomeAssured, actor: cfhActor, want: ErrRoleNotAllowed},
		{name: "no PfIT", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { delete(w.reg.shaPfIT, sha) }, want: ErrWrongPfIT},
		{name: "no PfIT plan reference", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.PfITPlanRef = PfITPlanRef{} },
			want: ErrInvalidCommand, field: "pfit_plan_ref.document_sha256"},
		{name: "an exception without reason", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.Exceptions[0].Reason = "" },
			want: ErrInvalidCommand, field: "exceptions[0].reason"},
		{name: "an exception for an LHC with an assured plan", outcome: OutcomeAssuredWithConditions, change: func(w *returnWorld, c *SubmitReturn) {
			c.Plans = nil
			c.Exceptions = append(c.Exceptions, ReturnException{LHCID: lhcID, Reason: "Placeholder until the plan is returned."})
		}, want: ErrReturnMismatch, field: "exceptions[1].lhc_id", msg: "has plan " + planID},
		{name: "an exception for an LHC whose plan was withdrawn", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) {
			w.must(commissionr, WithdrawPlan{Reason: "r"})
			c.Plans = nil
			c.Exceptions = append(c.Exceptions, ReturnException{LHCID: lhcID, Reason: "Its plan was withdrawn."})
		}},
		{name: "a reason for a reflected plan", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.Plans[0].Reason = "No reason needed" },
			want: ErrInvalidCommand, field: "plans[0].reason"},
		{name: "no position", outcome: OutcomeAssured, change: func(w *returnWorld, c *SubmitReturn) { c.AsOfPosition = 0 }, want: ErrInvalidCommand},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newReturnWorld(t, c.outcome)
			cmd := w.returnCmd()
			if c.change != nil {
				c.change(w, &cmd)
			}
			actor := c.actor
			if actor == (Actor{}) {
				actor = assurer
			}
			d, err := w.decide(actor, cmd)
			if c.want != nil {
				e := assertRefused(t, err, c.want)
				if c.field != "" {
					assert.True(t, hasField(e, c.field), "%v should name %s: %v", err, c.field, e.Fields)
				}
				assert.Contains(t, e.Message, c.msg)
				return
			}
			require.NoError(t, err)
			e := d.(SHAReturnSubmitted)
			assert.Equal(t, uint64(42), e.AsOfPosition)
			require.NoError(t, w.ret.Apply(event(d, w.meta(actor))))
			latest, ok := w.ret.Latest()
			require.True(t, ok)
			assert.Equal(t, cmd.Exceptions, latest.Exceptions)
			assert.Equal(t, assurer, latest.SubmittedBy)
		})
	}
}

func TestReturnsSupersedeAndAreAcknowledged(t *testing.T) {
	w := newReturnWorld(t, OutcomeAssured)
	first := w.mustReturn(assurer, w.returnCmd())
	firstID := w.ret.Returns()[0].EventID
	ack := AcknowledgeReturn{ReturnEventID: firstID, Note: "Received.", Queries: []string{"When will south-lhc submit?"}}
	w.mustReturn(cfhActor, ack)
	got, _ := w.ret.Latest()
	require.NotNil(t, got.Acknowledgement)
	assert.Equal(t, []string{"When will south-lhc submit?"}, got.Acknowledgement.Queries)
	assert.Equal(t, cfhODS, got.Acknowledgement.ODSCode)

	_, err := w.decide(cfhActor, ack)
	assertRefused(t, err, ErrAlreadyAcknowledged)

	// The SHA answers the query with a second return, which supersedes the first.
	w.now = w.now.Add(48 * time.Hour)
	cmd := w.returnCmd()
	cmd.Exceptions[0].Reason = "South LHC's board approved its plan on 2 March; it will be submitted to the 2010-11 round."
	w.mustReturn(assurer, cmd)
	assert.Len(t, w.ret.Returns(), 2)
	assert.Equal(t, first.(SHAReturnSubmitted).Plans, w.ret.Returns()[1].Plans)
	secondID := w.ret.Returns()[1].EventID

	_, err = w.decide(cfhActor, AcknowledgeReturn{ReturnEventID: firstID})
	e := assertRefused(t, err, ErrReturnSuperseded)
	assert.Contains(t, e.Message, secondID)
	_, err = w.decide(cfhActor, AcknowledgeReturn{ReturnEventID: "0190f0c4-dead-7000-8000-000000000000"})
	assertRefused(t, err, ErrReturnNotFound)
	_, err = w.decide(assurer, AcknowledgeReturn{ReturnEventID: secondID})
	assertRefused(t, err, ErrRoleNotAllowed)
	_, err = w.decide(Actor{PersonID: "x", Role: RoleCfH, Org: sha}, AcknowledgeReturn{ReturnEventID: secondID})
	assertRefused(t, err, ErrOrganisationNotAllowed)
	_, err = w.decide(cfhActor, AcknowledgeReturn{ReturnEventID: secondID, Queries: []string{""}})
	assertRefused(t, err, ErrInvalidCommand)
	w.mustReturn(cfhActor, AcknowledgeReturn{ReturnEventID: secondID})
	assert.NotNil(t, w.ret.Returns()[0].Acknowledgement, "the first return keeps its acknowledgement")
	assert.Equal(t, sha, w.ret.SHA())
	assert.Equal(t, round, w.ret.Round())

	// Returns read from the aggregate are copies.
	rs := w.ret.Returns()
	rs[0].Acknowledgement.Queries[0] = "changed"
	assert.Equal(t, "When will south-lhc submit?", w.ret.Returns()[0].Acknowledgement.Queries[0])
}

// A plan the PfIT plan does not reflect is returned only with a reason, which CfH checks again.
func TestReturnedPlanNotReflectedNeedsAReason(t *testing.T) {
	w := signedOff(t)
	a := assureCmd(1, OutcomeAssuredWithConditions)
	a.ReflectedInPfITPlan = false
	w.must(assurer, a)
	w.registry(FormLHC{LHCID: "south-lhc", Name: "Southtown LHC", LeadPCT: otherPCT, SHACode: sha})
	w.now = ts("2009-12-10T10:00:00Z")
	rw := &returnWorld{world: w, ret: NewSHAReturn()}
	cmd := rw.returnCmd()
	_, err := rw.decide(assurer, cmd)
	e := assertRefused(t, err, ErrInvalidCommand)
	assert.True(t, hasField(e, "plans[0].reason"), "%v", e.Fields)

	cmd.Plans[0].Reason = "The PfIT plan's next version (due March) adds the LHC's PAS replacement."
	rw.mustReturn(assurer, cmd)
	got, _ := rw.ret.Latest()
	assert.Equal(t, cmd.Plans[0].Reason, got.Plans[0].Reason)
	assert.Empty(t, Stale(w.reg, rw.plans, sha, round, got))

	// A return recorded before reasons were asked for is stale until resubmitted with one.
	got.Plans[0].Reason = ""
	stale := Stale(w.reg, rw.plans, sha, round, got)
	require.Len(t, stale, 1)
	assert.Equal(t, "plans[0].reason", stale[0].Field)
}

// CfH acknowledges a return only while it holds: each plan it names is still its LHC's live plan at
// the version named, positively assured, and every LHC of the SHA is accounted for.
func TestAcknowledgeRefusesAStaleReturn(t *testing.T) {
	for _, c := range []struct {
		name    string
		move    func(w *returnWorld)
		field   string
		message string
	}{
		{name: "plan withdrawn", move: func(w *returnWorld) { w.must(commissionr, WithdrawPlan{Reason: "LHC boundaries redrawn"}) },
			field: "plans[0]", message: "withdrawn"},
		{name: "plan revised", move: func(w *returnWorld) {
			w.must(commissionr, RevisePlan{Content: revisedContent(t), Reason: "New PAS dates", ContentHash: strings.Repeat("ab", 32)})
		}, field: "plans[0]", message: "at version 2, not 1"},
		{name: "an LHC formed since", move: func(w *returnWorld) {
			w.registry(RegisterOrganisation{ODSCode: "5NZ", Name: "Westtown PCT", Kind: KindPCT, SHACode: sha})
			w.registry(FormLHC{LHCID: "west-lhc", Name: "Westtown LHC", LeadPCT: "5NZ", SHACode: sha})
		}, field: "exceptions", message: `LHC "west-lhc"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newReturnWorld(t, OutcomeAssured)
			w.mustReturn(assurer, w.returnCmd())
			id := w.ret.Returns()[0].EventID
			c.move(w)
			_, err := w.decide(cfhActor, AcknowledgeReturn{ReturnEventID: id})
			e := assertRefused(t, err, ErrReturnStale)
			assert.True(t, hasField(e, c.field), "%v should name %s", e.Fields, c.field)
			assert.Contains(t, e.Message, c.message)
			assert.Contains(t, e.Message, lhcIDOr(c.field))
		})
	}
	w := newReturnWorld(t, OutcomeAssured)
	w.mustReturn(assurer, w.returnCmd())
	w.mustReturn(cfhActor, AcknowledgeReturn{ReturnEventID: w.ret.Returns()[0].EventID})
}

// lhcIDOr is the LHC a stale plan entry is named by, or "" for a field that is not a plan's.
func lhcIDOr(field string) string {
	if strings.HasPrefix(field, "plans") {
		return lhcID
	}
	return ""
}

func TestSHAReturnApplyRefusesWhatDoesNotFit(t *testing.T) {
	r := NewSHAReturn()
	m := Metadata{EventID: "e1", RecordedAt: t0}
	assert.Error(t, r.Apply(Event{Data: CfHReturnAcknowledged{ReturnEventID: "e1"}, Meta: m}), "nothing to acknowledge")
	require.NoError(t, r.Apply(Event{Data: SHAReturnSubmitted{SHACode: sha, Round: round}, Meta: m}))
	assert.Error(t, r.Apply(Event{Data: SHAReturnSubmitted{SHACode: otherSHA, Round: round}, Meta: m}), "another SHA's return in this stream")
	assert.Error(t, r.Apply(Event{Data: SHAReturnSubmitted{}, Meta: m}))
	assert.Error(t, r.Apply(Event{Data: CfHReturnAcknowledged{ReturnEventID: "e0"}, Meta: m}), "not the return in force")
	require.NoError(t, r.Apply(Event{Data: CfHReturnAcknowledged{ReturnEventID: "e1"}, Meta: m}))
	assert.Error(t, r.Apply(Event{Data: CfHReturnAcknowledged{ReturnEventID: "e1"}, Meta: m}), "twice")
	assert.Error(t, r.Apply(Event{Data: PlanWithdrawn{}, Meta: m}))
	assert.Error(t, r.Apply(Event{Meta: m}))
	_, err := r.Decide(nil, nil, nil, assurer, t0, nil)
	assertRefused(t, err, ErrInvalidCommand)
}

func TestReturnsPerRoundAreBounded(t *testing.T) {
	w := newReturnWorld(t, OutcomeAssured)
	for range MaxReturnsPerRound {
		w.mustReturn(assurer, w.returnCmd())
	}
	_, err := w.decide(assurer, w.returnCmd())
	assertRefused(t, err, ErrInvalidCommand)
}
