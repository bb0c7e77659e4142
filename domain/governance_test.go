package domain

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	leadBoard = "ib-5k5"
	lhcBoard  = "pb-north"
	tor       = "abababababababababababababababababababababababababababababababab"
	minutes   = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
)

func leadBoardCmd() RecordGovernanceBody {
	return RecordGovernanceBody{BodyID: leadBoard, Name: "Northtown PCT Informatics Board", ODSCode: leadPCT, Kind: BodyOrganisationBoard,
		ChairPersonID: personCE1, TermsOfReferenceSHA256: tor, EffectiveFrom: date("2008-10-01")}
}

func lhcBoardCmd() RecordGovernanceBody {
	return RecordGovernanceBody{BodyID: lhcBoard, Name: "Northtown LHC Programme Board", LHCID: lhcID, Kind: BodyLHCBoard,
		ChairPersonID: "pc-1", TermsOfReferenceSHA256: tor, EffectiveFrom: date("2009-02-01")}
}

// withBoards: the lead PCT's informatics board and the LHC's programme board are recorded.
func withBoards(tb testing.TB) *world {
	w := newWorld(tb)
	w.registry(leadBoardCmd())
	w.registry(lhcBoardCmd())
	return w
}

func TestDecideGovernanceBody(t *testing.T) {
	with := func(change func(*RecordGovernanceBody)) RecordGovernanceBody {
		c := leadBoardCmd()
		change(&c)
		return c
	}
	lhc := func(change func(*RecordGovernanceBody)) RecordGovernanceBody {
		c := lhcBoardCmd()
		change(&c)
		return c
	}
	runRegistryCases(t, newWorld, []registryCase{
		{name: "an organisation's board", cmd: leadBoardCmd(), check: func(t *testing.T, w *world, _ EventData) {
			b, ok := w.reg.GovernanceBody(leadBoard)
			require.True(t, ok)
			assert.Equal(t, leadPCT, b.ODSCode)
			assert.Equal(t, date("2008-10-01"), b.EffectiveFrom())
			assert.True(t, w.reg.HasBoardOn(leadPCT, date("2009-01-01")))
			assert.False(t, w.reg.HasBoardOn(leadPCT, date("2008-09-30")), "not yet in place")
			assert.Len(t, w.reg.BodiesOf(leadPCT), 1)
		}},
		{name: "a pointer command", cmd: new(leadBoardCmd())},
		{name: "an LHC's programme board", cmd: lhcBoardCmd(), check: func(t *testing.T, w *world, _ EventData) {
			assert.False(t, w.reg.HasBoardOn(leadPCT, date("2010-01-01")), "an LHC's board is not the organisation's own")
		}},
		{name: "a provider's board", cmd: with(func(c *RecordGovernanceBody) { c.BodyID, c.ODSCode = "ib-rj1", trust })},
		{name: "bad id", cmd: with(func(c *RecordGovernanceBody) { c.BodyID = "IB 5K5" }), want: ErrInvalidCommand, field: "body_id"},
		{name: "no name", cmd: with(func(c *RecordGovernanceBody) { c.Name = "" }), want: ErrInvalidCommand, field: "name"},
		{name: "no chair", cmd: with(func(c *RecordGovernanceBody) { c.ChairPersonID = "" }), want: ErrInvalidCommand, field: "chair_person_id"},
		{name: "no terms of reference", cmd: with(func(c *RecordGovernanceBody) { c.TermsOfReferenceSHA256 = "" }), want: ErrInvalidCommand, field: "terms_of_reference_sha256"},
		{name: "terms not a digest", cmd: with(func(c *RecordGovernanceBody) { c.TermsOfReferenceSHA256 = "AB" }), want: ErrInvalidCommand, field: "terms_of_reference_sha256"},
		{name: "no date", cmd: with(func(c *RecordGovernanceBody) { c.EffectiveFrom = Date{} }), want: ErrInvalidCommand, field: "effective_from"},
		{name: "a body in place since the year 1", cmd: with(func(c *RecordGovernanceBody) { c.EffectiveFrom = date("0001-01-01") }), want: ErrInvalidCommand, field: "effective_from"},
		{name: "a body from 1999", cmd: with(func(c *RecordGovernanceBody) { c.EffectiveFrom = date("1999-12-31") }), want: ErrInvalidCommand, field: "effective_from"},
		{name: "a body from 2000", cmd: with(func(c *RecordGovernanceBody) { c.EffectiveFrom = date("2000-01-01") })},
		{name: "a body from a year ahead", cmd: with(func(c *RecordGovernanceBody) { c.EffectiveFrom = date("2010-07-01") })},
		{name: "a body from 2099", cmd: with(func(c *RecordGovernanceBody) { c.EffectiveFrom = date("2099-01-01") }), want: ErrInvalidCommand, field: "effective_from"},
		{name: "a body from a year and a day ahead", cmd: with(func(c *RecordGovernanceBody) { c.EffectiveFrom = date("2010-07-02") }), want: ErrInvalidCommand, field: "effective_from"},
		{name: "no kind", cmd: with(func(c *RecordGovernanceBody) { c.Kind = "" }), want: ErrInvalidCommand, field: "kind"},
		{name: "an unknown kind", cmd: with(func(c *RecordGovernanceBody) { c.Kind = "audit_committee" }), want: ErrInvalidCommand, field: "kind"},
		{name: "an organisation's board naming an LHC", cmd: with(func(c *RecordGovernanceBody) { c.LHCID = lhcID }), want: ErrInvalidCommand, field: "lhc_id"},
		{name: "an unregistered organisation", cmd: with(func(c *RecordGovernanceBody) { c.ODSCode = "RZZ" }), want: ErrUnknownOrganisation, field: "ods_code"},
		{name: "CfH", cmd: with(func(c *RecordGovernanceBody) { c.ODSCode = cfhODS }), want: ErrWrongOrganisationKind, field: "ods_code"},
		{name: "no organisation", cmd: with(func(c *RecordGovernanceBody) { c.ODSCode = "" }), want: ErrInvalidCommand, field: "ods_code"},
		{name: "an LHC's board naming an organisation", cmd: lhc(func(c *RecordGovernanceBody) { c.ODSCode = leadPCT }), want: ErrInvalidCommand, field: "ods_code"},
		{name: "an unknown LHC", cmd: lhc(func(c *RecordGovernanceBody) { c.LHCID = "south-lhc" }), want: ErrUnknownLHC, field: "lhc_id"},
	})
	runRegistryCases(t, withBoards, []registryCase{
		{name: "a new chair from a later date", cmd: with(func(c *RecordGovernanceBody) { c.ChairPersonID, c.EffectiveFrom = personCE2, date("2010-01-01") }),
			check: func(t *testing.T, w *world, _ EventData) {
				b, _ := w.reg.GovernanceBody(leadBoard)
				require.Len(t, b.Terms, 2)
				on, ok := b.TermsOn(date("2009-06-01"))
				assert.True(t, ok)
				assert.Equal(t, personCE1, on.ChairPersonID)
				on, _ = b.TermsOn(date("2010-06-01"))
				assert.Equal(t, personCE2, on.ChairPersonID)
				_, ok = b.TermsOn(date("2008-01-01"))
				assert.False(t, ok)
				assert.Equal(t, date("2008-10-01"), b.EffectiveFrom(), "in place since its first terms")
			}},
		{name: "terms from today", cmd: with(func(c *RecordGovernanceBody) { c.ChairPersonID, c.EffectiveFrom = personCE2, date("2009-07-01") })},
		// An approval at a 2009-06-15 meeting would rest on the 2008 terms: new terms dated back
		// before the day they are recorded could give that meeting another chair.
		{name: "new terms dated back", cmd: with(func(c *RecordGovernanceBody) { c.ChairPersonID, c.EffectiveFrom = personCE2, date("2009-06-30") }),
			want: ErrBodyOutOfOrder, field: "effective_from"},
		{name: "terms from the same date", cmd: leadBoardCmd(), want: ErrBodyOutOfOrder, field: "effective_from"},
		{name: "terms from an earlier date", cmd: with(func(c *RecordGovernanceBody) { c.EffectiveFrom = date("2008-01-01") }), want: ErrBodyOutOfOrder},
		{name: "another holder under the same id", cmd: with(func(c *RecordGovernanceBody) { c.ODSCode, c.EffectiveFrom = trust, date("2010-01-01") }),
			want: ErrInvalidCommand, field: "body_id"},
	})
}

// approved: version 1 is submitted and the lead PCT's board has approved it.
func approved(tb testing.TB) *world {
	w := withBoards(tb)
	w.must(commissionr, submitCmd(tb))
	w.now = later(10)
	w.must(ceLead, approval(1, leadBoard))
	return w
}

func approval(version int, body string) RecordBoardApproval {
	return RecordBoardApproval{Version: version, BodyID: body, MeetingDate: date("2009-07-08"), MinuteRef: "IB/09/07/4", DocumentSHA256: minutes}
}

// lhcApproved: a member trust recorded the LHC programme board's approval of version 1.
func lhcApproved(tb testing.TB) *world {
	w := boardsSubmitted(tb)
	w.must(ceRJ1, approval(1, lhcBoard))
	return w
}

func boardsSubmitted(tb testing.TB) *world {
	w := withBoards(tb)
	w.must(commissionr, submitCmd(tb))
	w.now = later(10)
	return w
}

func TestDecideBoardApproval(t *testing.T) {
	at := later(10)
	with := func(change func(*RecordBoardApproval)) func(*world) PlanCommand {
		return func(*world) PlanCommand {
			c := approval(1, leadBoard)
			change(&c)
			return c
		}
	}
	runPlanCases(t, []planCase{
		{name: "the lead PCT's board", setup: boardsSubmitted, actor: ceLead, cmd: fixed(approval(1, leadBoard)),
			check: func(t *testing.T, w *world, d EventData) {
				assert.Equal(t, leadPCT, d.(BoardApprovalRecorded).ODSCode)
				require.Len(t, w.plan.Current().Approvals, 1)
				a := w.plan.Current().Approvals[0]
				assert.Equal(t, w.plan.CurrentContentHash(), a.ContentHash, "the body approved the version's content")
				assert.Equal(t, 1, w.plan.Version(), "an approval starts no version")
			}},
		{name: "recorded by the PCT's commissioner", setup: boardsSubmitted, actor: commissionr, cmd: fixed(approval(1, leadBoard))},
		{name: "a trust, by the LHC's programme board", setup: boardsSubmitted, actor: ceRJ1, cmd: fixed(approval(1, lhcBoard))},
		{name: "a provider's informatics lead", setup: boardsSubmitted, actor: provRJ1, cmd: fixed(approval(1, lhcBoard))},
		{name: "the same board again", setup: approved, at: at, actor: ceLead, cmd: fixed(approval(1, leadBoard)), want: ErrAlreadyApproved, field: "body_id"},
		{name: "another board of the same organisation", setup: approved, at: at, actor: ceLead, cmd: fixed(approval(1, lhcBoard))},
		{name: "the SHA", setup: boardsSubmitted, actor: assurer, cmd: fixed(approval(1, leadBoard)), want: ErrRoleNotAllowed},
		{name: "an organisation outside the LHC", setup: boardsSubmitted, actor: Actor{PersonID: "ce-rbb", Role: RoleChiefExecutive, Org: outsider},
			cmd: fixed(approval(1, lhcBoard)), want: ErrNotSignatory},
		// A contributor's sign-off is needed whether or not it is still in the LHC, so its board
		// may approve the version too; a member that left without contributing has no say.
		{name: "a contributor that has left the LHC", setup: func(tb testing.TB) *world {
			w := boardsSubmitted(tb)
			w.must(provRJ1, RecordContribution{Section: "clinical5", Summary: "PAS timetable"})
			w.registry(ChangeLHCMembers{LHCID: lhcID, Removed: []string{trust}})
			return w
		}, actor: ceRJ1, cmd: fixed(approval(1, lhcBoard)),
			check: func(t *testing.T, w *world, _ EventData) {
				assert.Contains(t, w.plan.OutstandingSignOffs(), trust, "its sign-off is still needed")
			}},
		{name: "a member that left without contributing", setup: func(tb testing.TB) *world {
			w := boardsSubmitted(tb)
			w.registry(ChangeLHCMembers{LHCID: lhcID, Removed: []string{trust}})
			return w
		}, actor: ceRJ1, cmd: fixed(approval(1, lhcBoard)), want: ErrNotSignatory},
		{name: "another organisation's board", setup: boardsSubmitted, actor: ceRJ1, cmd: fixed(approval(1, leadBoard)), want: ErrUnknownGovernanceBody, field: "body_id"},
		{name: "an unknown board", setup: boardsSubmitted, actor: ceLead, cmd: fixed(approval(1, "ib-nowhere")), want: ErrUnknownGovernanceBody, field: "body_id"},
		{name: "a board not yet in place", setup: boardsSubmitted, actor: ceLead, cmd: with(func(c *RecordBoardApproval) { c.BodyID, c.MeetingDate = lhcBoard, date("2009-01-15") }),
			want: ErrInvalidCommand, field: "meeting_date"},
		{name: "a meeting to come", setup: boardsSubmitted, actor: ceLead, cmd: with(func(c *RecordBoardApproval) { c.MeetingDate = date("2009-07-12") }),
			want: ErrInvalidCommand, field: "meeting_date"},
		// Version 1 was submitted on 2009-07-01 (t0); the lead PCT's board was in place from 2008.
		{name: "a meeting before the version was submitted", setup: boardsSubmitted, actor: ceLead, cmd: with(func(c *RecordBoardApproval) { c.MeetingDate = date("2009-06-30") }),
			want: ErrInvalidCommand, field: "meeting_date", msg: []string{"2009-07-01"}},
		{name: "a meeting on the day it was submitted", setup: boardsSubmitted, actor: ceLead, cmd: with(func(c *RecordBoardApproval) { c.MeetingDate = date("2009-07-01") })},
		{name: "the LHC board's meeting another member cites", setup: lhcApproved, actor: ceLead, cmd: fixed(approval(1, lhcBoard))},
		{name: "the LHC board at another meeting", setup: lhcApproved, actor: ceLead, cmd: with(func(c *RecordBoardApproval) { c.BodyID, c.MeetingDate = lhcBoard, date("2009-07-09") }),
			want: ErrInvalidCommand, field: "meeting_date", msg: []string{"2009-07-08", trust}},
		{name: "the LHC board's meeting under another minute", setup: lhcApproved, actor: ceLead, cmd: with(func(c *RecordBoardApproval) { c.BodyID, c.MinuteRef = lhcBoard, "PB/09/07/9" }),
			want: ErrInvalidCommand, field: "minute_ref"},
		{name: "the LHC board's meeting with other minutes", setup: lhcApproved, actor: ceLead,
			cmd:  with(func(c *RecordBoardApproval) { c.BodyID, c.DocumentSHA256 = lhcBoard, strings.Repeat("9", 64) }),
			want: ErrInvalidCommand, field: "document_sha256", msg: []string{trust}},
		{name: "no meeting date", setup: boardsSubmitted, actor: ceLead, cmd: with(func(c *RecordBoardApproval) { c.MeetingDate = Date{} }), want: ErrInvalidCommand, field: "meeting_date"},
		{name: "no minute", setup: boardsSubmitted, actor: ceLead, cmd: with(func(c *RecordBoardApproval) { c.MinuteRef = "" }), want: ErrInvalidCommand, field: "minute_ref"},
		{name: "no minutes' hash", setup: boardsSubmitted, actor: ceLead, cmd: with(func(c *RecordBoardApproval) { c.DocumentSHA256 = "" }), want: ErrInvalidCommand, field: "document_sha256"},
		{name: "a bad minutes' hash", setup: boardsSubmitted, actor: ceLead, cmd: with(func(c *RecordBoardApproval) { c.DocumentSHA256 = "xyz" }), want: ErrInvalidCommand, field: "document_sha256"},
		{name: "no version", setup: boardsSubmitted, actor: ceLead, cmd: with(func(c *RecordBoardApproval) { c.Version = 0 }), want: ErrInvalidCommand, field: "version"},
		{name: "a version superseded", setup: func(tb testing.TB) *world {
			w := boardsSubmitted(tb)
			w.must(commissionr, RevisePlan{Content: revisedContent(tb), Reason: "r"})
			return w
		}, actor: ceLead, cmd: fixed(approval(1, leadBoard)), want: ErrStaleVersion},
		{name: "a withdrawn plan", setup: func(tb testing.TB) *world {
			w := boardsSubmitted(tb)
			w.must(commissionr, WithdrawPlan{Reason: "merged"})
			return w
		}, actor: ceLead, cmd: fixed(approval(1, leadBoard)), want: ErrPlanWithdrawn},
	})
}

// In a round that asks for it, each chief executive signs a version off only after a board of
// their organisation approved that very version.
func TestSignOffNeedsBoardApprovalWhenTheRoundAsks(t *testing.T) {
	asking := func(tb testing.TB) *world {
		w := newWorld(tb)
		w.registry(leadBoardCmd())
		w.registry(lhcBoardCmd())
		r := publishRound("2010-11")
		r.BoardApprovalRequired = true
		w.registry(r)
		c := submitCmd(tb)
		c.Round, c.Period, c.Content = "2010-11", Period{FirstYear: 2010, LastYear: 2012}, shiftContent(sampleContent(tb), 1)
		w.now = ts("2010-05-01T10:00:00Z")
		w.must(commissionr, c)
		return w
	}
	approvedIn := func(tb testing.TB) *world {
		w := asking(tb)
		w.must(ceLead2, RecordBoardApproval{Version: 1, BodyID: leadBoard, MeetingDate: date("2010-05-01"), MinuteRef: "m", DocumentSHA256: minutes})
		return w
	}
	signOff := func(w *world) PlanCommand { return w.signOff() }
	runPlanCases(t, []planCase{
		{name: "without an approval", setup: asking, actor: ceLead2, cmd: signOff, want: ErrBoardApprovalMissing, field: "version", msg: []string{"2010-11", leadPCT}},
		{name: "after its board's approval", setup: approvedIn, actor: ceLead2, cmd: signOff},
		{name: "a trust whose own board has not approved", setup: approvedIn, actor: ceRJ1, cmd: signOff, want: ErrBoardApprovalMissing, msg: []string{trust}},
		{name: "an approval of the version before", setup: func(tb testing.TB) *world {
			w := approvedIn(tb)
			c := shiftContent(revisedContent(tb), 1)
			w.must(commissionr, RevisePlan{Content: c, Reason: "r"})
			return w
		}, actor: ceLead2, cmd: signOff, want: ErrBoardApprovalMissing},
		{name: "a round that does not ask", setup: contributed, actor: ceLead, cmd: signOff},
	})
}
