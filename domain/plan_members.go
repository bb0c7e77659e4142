package domain

import (
	"slices"
	"strings"
)

// Every member of the LHC but the lead PCT is accounted for on each version before the SHA assures
// it: it contributed, declined, or the SHA excused it.

// MemberState is how a member of the LHC stands towards a version.
type MemberState string

const (
	MemberStateContributed MemberState = "contributed"
	MemberStateDeclined    MemberState = "declined"
	MemberStateExcused     MemberState = "excused"
	MemberStateUnaccounted MemberState = "unaccounted"
)

// MemberAccount is one member's standing towards the current version, with the reason it gave or
// was given.
type MemberAccount struct {
	ODSCode string      `json:"ods_code"`
	State   MemberState `json:"state"`
	Reason  string      `json:"reason,omitempty"`
}

// DeclineContribution is a member's refusal to contribute to the current version, for the actor's
// organisation.
type DeclineContribution struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

// ExcuseMember is the SHA's excusing a member of the LHC from contributing to the current version.
type ExcuseMember struct {
	Version int    `json:"version"`
	ODSCode string `json:"ods_code"`
	Reason  string `json:"reason"`
}

func (DeclineContribution) planCommand() {}
func (ExcuseMember) planCommand()        {}

// MemberAccounts says how each member of lhc but its lead PCT stands towards the current version,
// in the order of lhc.Members. A plan not submitted or withdrawn has none. Accounting closes when
// the version is assured: a member that joined the LHC since is not asked about that version, so
// it is not listed.
func (p *Plan) MemberAccounts(lhc LHC) []MemberAccount {
	if !p.exists || p.withdrawal != nil {
		return nil
	}
	v := p.current()
	out := make([]MemberAccount, 0, len(lhc.Members))
	for _, m := range lhc.Members {
		if m == p.leadPCT || m == lhc.LeadPCT {
			continue
		}
		a := MemberAccount{ODSCode: m, State: v.accounted(m)}
		if a.State == MemberStateUnaccounted && v.Assurance != nil {
			continue
		}
		switch a.State {
		case MemberStateDeclined:
			a.Reason = v.Declines[slices.IndexFunc(v.Declines, func(d Decline) bool { return d.ODSCode == m })].Reason
		case MemberStateExcused:
			a.Reason = v.Excusals[slices.IndexFunc(v.Excusals, func(x Excusal) bool { return x.ODSCode == m })].Reason
		}
		out = append(out, a)
	}
	return out
}

// MembersUnaccounted lists the members of lhc (but its lead PCT) that have neither contributed to
// the current version, declined, nor been excused, in the order of lhc.Members: none once the
// version is assured, since accounting closes then.
func (p *Plan) MembersUnaccounted(lhc LHC) []string {
	if !p.exists || p.withdrawal != nil {
		return nil
	}
	return p.current().unaccounted(p.leadPCT, lhc)
}

func (v *Version) unaccounted(lead string, lhc LHC) []string {
	if v.Assurance != nil {
		return nil
	}
	var out []string
	for _, m := range lhc.Members {
		if m != lead && m != lhc.LeadPCT && v.accounted(m) == MemberStateUnaccounted {
			out = append(out, m)
		}
	}
	return out
}

func (p *Plan) decideDecline(reg *Registry, a Actor, c DeclineContribution) (EventData, error) {
	if err := requireContributorRole(a, "decline to contribute to"); err != nil {
		return nil, err
	}
	if err := p.requireLive(a, a.Role); err != nil {
		return nil, err
	}
	if _, err := p.requireContributor(reg, a, "decline to contribute to"); err != nil {
		return nil, err
	}
	var ps problems
	checkVersion(&ps, c.Version)
	requiredLong.check(&ps, ErrInvalidCommand, "reason", c.Reason)
	if err := ps.err(); err != nil {
		return nil, err
	}
	if err := p.requireCurrent(c.Version); err != nil {
		return nil, err
	}
	cur := p.current()
	if err := cur.requireOpen(); err != nil {
		return nil, err
	}
	if st := cur.accounted(a.Org); st != MemberStateUnaccounted {
		return nil, ErrMemberAccounted.with("%s %s version %d", a.Org, accountedPhrase(st), cur.Number)
	}
	return ContributionDeclined{Version: cur.Number, ODSCode: a.Org, Reason: c.Reason}, nil
}

func (p *Plan) decideExcuse(reg *Registry, a Actor, c ExcuseMember) (EventData, error) {
	if err := p.requireLive(a, RoleSHAAssurer); err != nil {
		return nil, err
	}
	lhc, err := p.requireSHA(reg, a)
	if err != nil {
		return nil, err
	}
	var ps problems
	checkVersion(&ps, c.Version)
	requiredLong.check(&ps, ErrInvalidCommand, "reason", c.Reason)
	if checkODS(&ps, "ods_code", c.ODSCode, true) {
		switch {
		case c.ODSCode == lhc.LeadPCT:
			ps.add(ErrUnknownMember, "ods_code", "%s is the lead PCT of LHC %q, whose plan this is", c.ODSCode, lhc.ID)
		case !lhc.HasMember(c.ODSCode):
			ps.add(ErrUnknownMember, "ods_code", "%s is not a member of LHC %q; its members are %s", c.ODSCode, lhc.ID, strings.Join(lhc.Members, ", "))
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if err := p.requireCurrent(c.Version); err != nil {
		return nil, err
	}
	cur := p.current()
	if err := cur.requireOpen(); err != nil {
		return nil, err
	}
	if st := cur.accounted(c.ODSCode); st != MemberStateUnaccounted {
		return nil, ErrMemberAccounted.with("%s %s version %d", c.ODSCode, accountedPhrase(st), cur.Number)
	}
	return MemberExcused{Version: cur.Number, ODSCode: c.ODSCode, Reason: c.Reason}, nil
}

// requireContributor checks that a may speak for a member of the plan's LHC that contributes: a
// provider or non-NHS provider acting in the provider role, or a PCT other than the lead acting
// in the commissioner role. The lead PCT writes the plan; it does not contribute to it.
func (p *Plan) requireContributor(reg *Registry, a Actor, verb string) (Organisation, error) {
	org, ok := reg.orgs[a.Org]
	switch {
	case !ok:
		return Organisation{}, ErrOrganisationNotAllowed.with("%q is not a registered organisation", a.Org)
	case a.Role == RoleProvider && !org.Kind.Contributes():
		return Organisation{}, ErrOrganisationNotAllowed.with("%s (%s) is %s; the provider role acts for providers", org.ODSCode, org.Name, org.Kind.Phrase())
	case a.Role == RolePCTCommissioner && org.Kind != KindPCT:
		return Organisation{}, ErrOrganisationNotAllowed.with("%s (%s) is %s; the commissioner role acts for PCTs", org.ODSCode, org.Name, org.Kind.Phrase())
	}
	lhc, ok := reg.lhcs[p.lhcID]
	switch {
	case ok && a.Org == lhc.LeadPCT, a.Org == p.leadPCT:
		return Organisation{}, ErrOrganisationNotAllowed.with("%s is the lead PCT of LHC %q: it writes the plan rather than %s it", a.Org, p.lhcID, verbObject(verb))
	case !ok || !lhc.HasMember(a.Org):
		return Organisation{}, ErrNotLHCMember.with("%s is not a member of LHC %q", a.Org, p.lhcID)
	}
	return org.clone(), nil
}

// requireContributorRole refuses a role that acts for no member that contributes.
func requireContributorRole(a Actor, verb string) error {
	if a.Role != RoleProvider && a.Role != RolePCTCommissioner {
		return ErrRoleNotAllowed.with("role %q may not %s a plan; it needs role %q or %q", a.Role, verb, RoleProvider, RolePCTCommissioner)
	}
	return nil
}

func verbObject(verb string) string {
	if strings.HasPrefix(verb, "decline") {
		return "declining to contribute to"
	}
	return "contributing to"
}

// requireSHA checks that a acts for the SHA of the plan's LHC, and returns the LHC.
func (p *Plan) requireSHA(reg *Registry, a Actor) (*LHC, error) {
	lhc, ok := reg.lhcs[p.lhcID]
	if !ok {
		return nil, ErrUnknownLHC.with("the plan's LHC %q is not in the registry", p.lhcID)
	}
	if a.Org != lhc.SHACode {
		return nil, ErrWrongSHA.with("%q is not the SHA of LHC %q; %s is", a.Org, lhc.ID, lhc.SHACode)
	}
	return lhc, nil
}

// requireOpen refuses once the version is assured: what members do is part of what is assured.
func (v *Version) requireOpen() error {
	if v.Assurance != nil {
		return ErrContributionsClosed.with("version %d has been judged %s by %s; revise the plan first", v.Number, v.Assurance.Outcome.Phrase(), v.Assurance.SHACode)
	}
	return nil
}
