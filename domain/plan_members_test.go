package domain

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecideDecline(t *testing.T) {
	decline := fixed(DeclineContribution{Version: 1, Reason: "Our services are unchanged; the PCT's plan covers them."})
	runPlanCases(t, []planCase{
		{name: "accepted", setup: submitted, actor: provRXA, cmd: decline,
			check: func(t *testing.T, w *world, d EventData) {
				assert.Equal(t, ContributionDeclined{Version: 1, ODSCode: trust2, Reason: "Our services are unchanged; the PCT's plan covers them."}, d)
				assert.Contains(t, w.plan.MemberAccounts(mustLHC(t, w)), MemberAccount{ODSCode: trust2, State: MemberStateDeclined, Reason: "Our services are unchanged; the PCT's plan covers them."})
				assert.Equal(t, []string{nonNHS, trust}, w.plan.MembersUnaccounted(mustLHC(t, w)))
				assert.Equal(t, StatusSubmitted, w.plan.Status(), "a decline changes no status")
			}},
		{name: "a non-lead PCT", setup: withOtherPCT(submitted), actor: otherCommissioner, cmd: decline},
		{name: "the lead PCT", setup: submitted, actor: commissionr, cmd: decline, want: ErrOrganisationNotAllowed},
		{name: "wrong role", setup: submitted, actor: ceRJ1, cmd: decline, want: ErrRoleNotAllowed},
		{name: "not a member", setup: submitted, actor: Actor{PersonID: "x", Role: RoleProvider, Org: outsider}, cmd: decline, want: ErrNotLHCMember},
		{name: "after contributing", setup: contributed, actor: provRJ1, cmd: decline, want: ErrMemberAccounted, msg: []string{"ZRJ has already contributed to version 1"}},
		{name: "twice", setup: func(tb testing.TB) *world {
			w := submitted(tb)
			w.must(provRXA, DeclineContribution{Version: 1, Reason: "r"})
			return w
		}, actor: provRXA, cmd: decline, want: ErrMemberAccounted, msg: []string{"ZRX has already declined to contribute to version 1"}},
		{name: "after being excused", setup: func(tb testing.TB) *world {
			w := submitted(tb)
			w.must(assurer, ExcuseMember{Version: 1, ODSCode: trust2, Reason: "r"})
			return w
		}, actor: provRXA, cmd: decline, want: ErrMemberAccounted, msg: []string{"ZRX has already been excused from contributing to version 1"}},
		{name: "again on the next version", setup: func(tb testing.TB) *world {
			w := submitted(tb)
			w.must(provRXA, DeclineContribution{Version: 1, Reason: "r"})
			w.must(commissionr, RevisePlan{Content: revisedContent(tb), Reason: "r"})
			return w
		}, actor: provRXA, cmd: fixed(DeclineContribution{Version: 2, Reason: "Still nothing to add."})},
		{name: "stale version", setup: func(tb testing.TB) *world {
			w := submitted(tb)
			w.must(commissionr, RevisePlan{Content: revisedContent(tb), Reason: "r"})
			return w
		}, actor: provRXA, cmd: decline, want: ErrStaleVersion},
		{name: "no reason", setup: submitted, actor: provRXA, cmd: fixed(DeclineContribution{Version: 1}), want: ErrInvalidCommand, field: "reason"},
		{name: "after assurance", setup: func(tb testing.TB) *world {
			w := contributed(tb)
			w.must(ceLead, w.signOff())
			w.must(ceRJ1, w.signOff())
			w.must(assurer, ExcuseMember{Version: 1, ODSCode: trust2, Reason: "r"})
			w.must(assurer, ExcuseMember{Version: 1, ODSCode: nonNHS, Reason: "r"})
			w.must(assurer, assureCmd(1, OutcomeAssured))
			return w
		}, actor: provRXA, cmd: decline, want: ErrContributionsClosed},
		{name: "withdrawn", setup: withdrawn, actor: provRXA, cmd: decline, want: ErrPlanWithdrawn},
	})
}

func TestDecideExcuse(t *testing.T) {
	excuse := func(ods string) func(*world) PlanCommand {
		return fixed(ExcuseMember{Version: 1, ODSCode: ods, Reason: "The hospice joined the LHC after the plan was drafted."})
	}
	runPlanCases(t, []planCase{
		{name: "accepted", setup: submitted, actor: assurer, cmd: excuse(nonNHS),
			check: func(t *testing.T, w *world, d EventData) {
				assert.Equal(t, nonNHS, d.(MemberExcused).ODSCode)
				assert.Equal(t, MemberAccount{ODSCode: nonNHS, State: MemberStateExcused, Reason: "The hospice joined the LHC after the plan was drafted."},
					w.plan.MemberAccounts(mustLHC(t, w))[0])
			}},
		{name: "another SHA", setup: submitted, actor: Actor{PersonID: "x", Role: RoleSHAAssurer, Org: otherSHA}, cmd: excuse(nonNHS), want: ErrWrongSHA},
		{name: "wrong role", setup: submitted, actor: cfhActor, cmd: excuse(nonNHS), want: ErrRoleNotAllowed},
		{name: "the lead PCT", setup: submitted, actor: assurer, cmd: excuse(leadPCT), want: ErrUnknownMember, field: "ods_code"},
		{name: "not a member", setup: submitted, actor: assurer, cmd: excuse(outsider), want: ErrUnknownMember, field: "ods_code"},
		{name: "a contributor", setup: contributed, actor: assurer, cmd: excuse(trust), want: ErrMemberAccounted},
		{name: "no reason", setup: submitted, actor: assurer, cmd: fixed(ExcuseMember{Version: 1, ODSCode: nonNHS}), want: ErrInvalidCommand, field: "reason"},
		{name: "no organisation", setup: submitted, actor: assurer, cmd: fixed(ExcuseMember{Version: 1, Reason: "r"}), want: ErrInvalidCommand, field: "ods_code"},
		{name: "after assurance", setup: func(tb testing.TB) *world { return assured(tb, OutcomeAssured) }, actor: assurer, cmd: excuse(nonNHS), want: ErrContributionsClosed},
	})
}

// Every member is accounted for before the assurance: contributed (and signed), declined or
// excused. A non-lead PCT contributes and signs like any member.
func TestEveryMemberAccountedForThenAssured(t *testing.T) {
	w := withOtherPCT(submitted)(t)
	l := mustLHC(t, w)
	assert.Equal(t, []string{otherPCT, nonNHS, trust, trust2}, w.plan.MembersUnaccounted(l))
	w.must(otherCommissioner, RecordContribution{Section: "community_integration", Summary: "Shared community record across both PCTs"})
	w.must(provRJ1, RecordContribution{Section: "clinical5", Summary: "PAS timetable"})
	w.must(provRXA, DeclineContribution{Version: 1, Reason: "Nothing to add."})
	w.must(ceLead, w.signOff())
	w.must(ceRJ1, w.signOff())
	_, err := w.do(assurer, assureCmd(1, OutcomeAssured))
	e := assertRefused(t, err, ErrMembersUnaccounted)
	assert.Equal(t, []FieldError{{Field: "members_unaccounted", Message: nonNHS}}, e.Fields)
	w.must(assurer, ExcuseMember{Version: 1, ODSCode: nonNHS, Reason: "Joined late."})
	_, err = w.do(assurer, assureCmd(1, OutcomeAssured))
	assertRefused(t, err, ErrSignOffsOutstanding)
	w.must(ceOther, w.signOff())
	w.must(assurer, assureCmd(1, OutcomeAssured))
	assert.Equal(t, StatusAssured, w.plan.Status())
	assert.Equal(t, []MemberAccount{
		{ODSCode: otherPCT, State: MemberStateContributed},
		{ODSCode: nonNHS, State: MemberStateExcused, Reason: "Joined late."},
		{ODSCode: trust, State: MemberStateContributed},
		{ODSCode: trust2, State: MemberStateDeclined, Reason: "Nothing to add."},
	}, w.plan.MemberAccounts(l))
	assert.Empty(t, w.plan.MembersUnaccounted(l))
}

// SignedOffAt is the moment the version first had every sign-off it needed.
func TestSignedOffAt(t *testing.T) {
	w := contributed(t)
	w.must(ceLead, w.signOff())
	assert.True(t, w.plan.Current().SignedOffAt.IsZero(), "ZRJ has still to sign")
	w.now = w.now.Add(3 * 24 * 60 * 60 * 1e9)
	at := w.now
	w.must(ceRJ1, w.signOff())
	assert.Equal(t, at, w.plan.Current().SignedOffAt)
	// A later contributor reopens the sign-offs: the version is signed off again only once it signs.
	w.now = w.now.Add(24 * 60 * 60 * 1e9)
	w.must(provRXA, RecordContribution{Section: "infrastructure", Summary: "N3"})
	assert.Equal(t, StatusSubmitted, w.plan.Status())
	assert.True(t, w.plan.Current().SignedOffAt.IsZero(), "RXA, now a contributor, has still to sign")
	w.now = ts("2009-09-02T10:00:00Z") // once RXA's chief executive is in office
	at = w.now
	w.must(ceRXA, w.signOff())
	assert.Equal(t, at, w.plan.Current().SignedOffAt)
	w.must(commissionr, RevisePlan{Content: revisedContent(t), Reason: "r"})
	assert.True(t, w.plan.Current().SignedOffAt.IsZero(), "a new version starts unsigned")
	assert.Equal(t, at, w.plan.Versions()[0].SignedOffAt)
}

// The members of an LHC that leave it are no longer asked for; those that join are.
func TestMembersAreTheLHCsAsItStands(t *testing.T) {
	w := contributed(t)
	w.registry(ChangeLHCMembers{LHCID: lhcID, Removed: []string{trust2, nonNHS}})
	l := mustLHC(t, w)
	assert.Empty(t, w.plan.MembersUnaccounted(l))
	require.Len(t, w.plan.MemberAccounts(l), 1)
	assert.Nil(t, NewPlan().MembersUnaccounted(l))
}

// Accounting closes at assurance: a member that joins the LHC afterwards is not unaccounted for the
// assured version (nobody could clear it: contributions are closed), and is asked on the next one.
func TestMembersJoiningAfterAssuranceAreNotUnaccounted(t *testing.T) {
	w := assured(t, OutcomeAssured)
	w.registry(RegisterOrganisation{ODSCode: "RZ2", Name: "Zedtown Hospitals NHS Trust", Kind: KindProvider, SHACode: sha})
	w.registry(ChangeLHCMembers{LHCID: lhcID, Added: []string{"RZ2"}})
	l := mustLHC(t, w)
	assert.Empty(t, w.plan.MembersUnaccounted(l))
	assert.NotContains(t, w.plan.MemberAccounts(l), MemberAccount{ODSCode: "RZ2", State: MemberStateUnaccounted})
	assert.Len(t, w.plan.MemberAccounts(l), len(l.Members)-2, "the others are listed as they were accounted for")
	// The next version gives RZ2's indicators too, as every version gives every NHS member's.
	w.must(commissionr, RevisePlan{Content: withV3(revisedContent(t), mustLHC(t, w).Members...), Reason: "New PAS dates", ContentHash: strings.Repeat("ab", 32)})
	assert.Contains(t, w.plan.MembersUnaccounted(mustLHC(t, w)), "RZ2", "the next version asks it")
}
