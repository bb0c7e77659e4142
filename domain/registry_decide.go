package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// RegistryCommand is a command on the registry. The set is closed: only this package defines them.
type RegistryCommand interface {
	registryCommand()
}

// RegisterOrganisation registers an organisation under its ODS code.
type RegisterOrganisation struct {
	ODSCode string  `json:"ods_code"`
	Name    string  `json:"name"`
	Kind    OrgKind `json:"kind"`
	SHACode string  `json:"sha_code"`
}

// AppointChiefExecutive records who is chief executive of an organisation from a given instant.
type AppointChiefExecutive struct {
	ODSCode       string    `json:"ods_code"`
	PersonID      string    `json:"person_id"`
	Name          string    `json:"name"`
	EffectiveFrom time.Time `json:"effective_from"`
}

// FormLHC forms a local health community.
type FormLHC struct {
	LHCID   string   `json:"lhc_id"`
	Name    string   `json:"name"`
	LeadPCT string   `json:"lead_pct"`
	SHACode string   `json:"sha_code"`
	Members []string `json:"members"`
}

// ChangeLHCMembers adds organisations to and removes them from a local health community.
type ChangeLHCMembers struct {
	LHCID   string   `json:"lhc_id"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

func (RegisterOrganisation) registryCommand()  {}
func (AppointChiefExecutive) registryCommand() {}
func (FormLHC) registryCommand()               {}
func (ChangeLHCMembers) registryCommand()      {}

// SignedAct is an SRO sign-off recorded for an organisation: by whom and when. Who was chief
// executive at that moment is what the sign-off rests on, so no later appointment may change it.
type SignedAct struct {
	ODSCode    string
	PersonID   string
	RecordedAt time.Time
	PlanID     string
	Version    int
	EventID    string
}

// Acts are the sign-offs recorded for each organisation, which the plans' streams hold and the
// registry does not: the caller, which reads the log, supplies them.
type Acts interface {
	// SignedActs lists the sign-offs recorded for ods, in any order.
	SignedActs(ods string) []SignedAct
}

// Decide decides a registry command for actor a at instant at. It returns the event to record, or
// a *Error saying why not. It does not change r: the caller applies the event once it is stored.
//
// A chief executive appointment is decided knowing no act of the organisation: use DecideKnowing
// with the acts recorded, or it may take effect before another person's sign-off.
func (r *Registry) Decide(a Actor, at time.Time, cmd RegistryCommand) (EventData, error) {
	return r.DecideKnowing(a, at, cmd, nil)
}

// DecideKnowing is Decide knowing the acts already recorded for each organisation (nil: none),
// which an appointment may not take effect before when another person did them.
func (r *Registry) DecideKnowing(a Actor, at time.Time, cmd RegistryCommand, acts Acts) (EventData, error) {
	if a.Role != RoleAdmin {
		return nil, ErrRoleNotAllowed.with("role %q may not change the registry; only %q may", a.Role, RoleAdmin)
	}
	if d, ok, err := r.decideRound(cmd, at); ok {
		return d, err
	}
	switch c := cmd.(type) {
	case RegisterOrganisation:
		return r.decideRegister(c)
	case *RegisterOrganisation:
		if c != nil {
			return r.decideRegister(*c)
		}
	case AppointChiefExecutive:
		return r.decideAppoint(c, acts)
	case *AppointChiefExecutive:
		if c != nil {
			return r.decideAppoint(*c, acts)
		}
	case FormLHC:
		return r.decideFormLHC(c)
	case *FormLHC:
		if c != nil {
			return r.decideFormLHC(*c)
		}
	case ChangeLHCMembers:
		return r.decideChangeMembers(c)
	case *ChangeLHCMembers:
		if c != nil {
			return r.decideChangeMembers(*c)
		}
	case RecordGovernanceBody:
		return r.decideGovernanceBody(c, at)
	case *RecordGovernanceBody:
		if c != nil {
			return r.decideGovernanceBody(*c, at)
		}
	}
	return nil, ErrInvalidCommand.with("unknown registry command %T", cmd)
}

func (r *Registry) decideRegister(c RegisterOrganisation) (EventData, error) {
	var ps problems
	if checkODS(&ps, "ods_code", c.ODSCode, true) && r.orgs[c.ODSCode] != nil {
		return nil, ErrOrganisationExists.at("ods_code", "%s is already registered as %q", c.ODSCode, r.orgs[c.ODSCode].Name)
	}
	if c.Kind == KindCfH && r.cfh != "" {
		return nil, ErrCfHExists.at("kind", "NHS Connecting for Health is already registered as %s; there is only one", r.cfh)
	}
	requiredShort.check(&ps, ErrInvalidCommand, "name", c.Name)
	if len(ps) == 0 {
		if other, taken := r.names[NameKey(c.Name)]; taken {
			o := r.orgs[other]
			return nil, ErrOrganisationNameTaken.at("name", "%q cannot be told from %q, the name of %s (%s): names are compared after Unicode compatibility normalisation, case folding and mapping look-alike characters to one", c.Name, o.Name, o.ODSCode, o.Kind)
		}
	}
	switch {
	case c.Kind == "":
		ps.add(ErrInvalidCommand, "kind", "is required")
	case !c.Kind.Valid():
		ps.add(ErrInvalidCommand, "kind", "unknown kind %q; want one of %s", c.Kind, joinKinds(OrgKinds))
	case c.Kind.HasParentSHA():
		if checkODS(&ps, "sha_code", c.SHACode, true) {
			r.checkKind(&ps, ErrUnknownSHA, "sha_code", c.SHACode, KindSHA)
		}
	case c.SHACode != "":
		ps.add(ErrInvalidCommand, "sha_code", "must be empty for kind %q, which has no parent SHA", c.Kind)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return OrganisationRegistered(c), nil
}

func (r *Registry) decideAppoint(c AppointChiefExecutive, acts Acts) (EventData, error) {
	var ps problems
	if !checkODS(&ps, "ods_code", c.ODSCode, true) {
		return nil, ps.err()
	}
	o, ok := r.orgs[c.ODSCode]
	if !ok {
		return nil, ErrOrganisationNotFound.at("ods_code", "%s is not registered", c.ODSCode)
	}
	requiredShort.check(&ps, ErrInvalidCommand, "person_id", c.PersonID)
	requiredShort.check(&ps, ErrInvalidCommand, "name", c.Name)
	if c.EffectiveFrom.IsZero() {
		ps.add(ErrInvalidCommand, "effective_from", "is required")
	} else if n := len(o.ChiefExecutives); n > 0 && !c.EffectiveFrom.After(o.ChiefExecutives[n-1].EffectiveFrom) {
		last := o.ChiefExecutives[n-1]
		ps.add(ErrAppointmentOutOfOrder, "effective_from", "%s is not after %s, when %s (%s) took office at %s; appointments are recorded in order and history is not rewritten",
			stamp(c.EffectiveFrom), stamp(last.EffectiveFrom), last.Name, last.PersonID, c.ODSCode)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if err := appointmentRewritesActs(c, acts); err != nil {
		return nil, err
	}
	// UTC names the same instant; it keeps recorded times in one form.
	c.EffectiveFrom = c.EffectiveFrom.UTC()
	return ChiefExecutiveAppointed(c), nil
}

func (r *Registry) decideFormLHC(c FormLHC) (EventData, error) {
	var ps problems
	if checkLHCID(&ps, "lhc_id", c.LHCID) && r.lhcs[c.LHCID] != nil {
		return nil, ErrLHCExists.at("lhc_id", "LHC %q already exists", c.LHCID)
	}
	requiredShort.check(&ps, ErrInvalidCommand, "name", c.Name)
	shaOK := checkODS(&ps, "sha_code", c.SHACode, true) && r.checkKind(&ps, ErrUnknownSHA, "sha_code", c.SHACode, KindSHA)
	if checkODS(&ps, "lead_pct", c.LeadPCT, true) && r.checkKind(&ps, ErrUnknownOrganisation, "lead_pct", c.LeadPCT, KindPCT) && shaOK {
		if parent := r.orgs[c.LeadPCT].SHACode; parent != c.SHACode {
			ps.add(ErrLeadPCTNotInSHA, "lead_pct", "%s belongs to SHA %s, not %s", c.LeadPCT, parent, c.SHACode)
		}
	}
	seen := map[string]int{}
	for i, m := range c.Members {
		field := fmt.Sprintf("members[%d]", i)
		if j, dup := seen[m]; dup {
			ps.add(ErrInvalidCommand, field, "%s is listed twice, also at members[%d]", m, j)
			continue
		}
		seen[m] = i
		if checkODS(&ps, field, m, true) {
			r.checkMember(&ps, field, m)
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	members := slices.Clone(nonNil(c.Members))
	if !slices.Contains(members, c.LeadPCT) {
		members = append(members, c.LeadPCT) // the lead PCT is a member by definition
	}
	c.Members = members
	return LocalHealthCommunityFormed(c), nil
}

func (r *Registry) decideChangeMembers(c ChangeLHCMembers) (EventData, error) {
	var ps problems
	if !checkLHCID(&ps, "lhc_id", c.LHCID) {
		return nil, ps.err()
	}
	l, ok := r.lhcs[c.LHCID]
	if !ok {
		return nil, ErrLHCNotFound.at("lhc_id", "LHC %q does not exist", c.LHCID)
	}
	if len(c.Added) == 0 && len(c.Removed) == 0 {
		ps.add(ErrInvalidCommand, "added", "added or removed must name at least one organisation")
	}
	added := map[string]int{}
	for i, m := range c.Added {
		field := fmt.Sprintf("added[%d]", i)
		if j, dup := added[m]; dup {
			ps.add(ErrInvalidCommand, field, "%s is listed twice, also at added[%d]", m, j)
			continue
		}
		added[m] = i
		switch {
		case !checkODS(&ps, field, m, true):
		case l.HasMember(m):
			ps.add(ErrAlreadyMember, field, "%s is already a member of LHC %q", m, l.ID)
		default:
			r.checkMember(&ps, field, m)
		}
	}
	removed := map[string]int{}
	for i, m := range c.Removed {
		field := fmt.Sprintf("removed[%d]", i)
		if j, dup := removed[m]; dup {
			ps.add(ErrInvalidCommand, field, "%s is listed twice, also at removed[%d]", m, j)
			continue
		}
		removed[m] = i
		switch j, both := added[m]; {
		case !checkODS(&ps, field, m, true):
		case both:
			ps.add(ErrInvalidCommand, field, "%s is also added, at added[%d]", m, j)
		case m == l.LeadPCT:
			ps.add(ErrCannotRemoveLeadPCT, field, "%s is the lead PCT of LHC %q", m, l.ID)
		case !l.HasMember(m):
			ps.add(ErrUnknownMember, field, "%s is not a member of LHC %q", m, l.ID)
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return LocalHealthCommunityMembersChanged{LHCID: c.LHCID, Added: slices.Clone(nonNil(c.Added)), Removed: slices.Clone(nonNil(c.Removed))}, nil
}

// appointmentRewritesActs refuses an appointment that would take effect at or before a sign-off
// another person already made for the organisation: from its effective date on it would make the
// appointee the chief executive at that sign-off, and the sign-off one by somebody not in office.
// The earliest such sign-off is named, since an appointment after it is what is acceptable.
func appointmentRewritesActs(c AppointChiefExecutive, acts Acts) error {
	if acts == nil {
		return nil
	}
	var first *SignedAct
	for _, act := range acts.SignedActs(c.ODSCode) {
		if act.PersonID == c.PersonID || act.RecordedAt.Before(c.EffectiveFrom) {
			continue
		}
		if first == nil || act.RecordedAt.Before(first.RecordedAt) {
			first = &act
		}
	}
	if first == nil {
		return nil
	}
	event := "being recorded"
	if first.EventID != "" {
		event = "event " + first.EventID
	}
	return ErrAppointmentBeforeActs.at("effective_from", "%s is not after %s, when %s signed off version %d of plan %s as SRO of %s (%s): "+
		"an appointment taking effect then would say another person was chief executive when that sign-off was made; appoint from a later time",
		c.EffectiveFrom.UTC().Format(time.RFC3339Nano), first.RecordedAt.UTC().Format(time.RFC3339Nano), first.PersonID, first.Version, first.PlanID, c.ODSCode, event)
}

// checkKind records a problem unless ods is a registered organisation of kind k; unknown is the
// rule broken when it is not registered at all.
func (r *Registry) checkKind(ps *problems, unknown *Error, field, ods string, k OrgKind) bool {
	o, ok := r.orgs[ods]
	switch {
	case !ok:
		ps.add(unknown, field, "%s is not registered", ods)
	case o.Kind != k:
		ps.add(ErrWrongOrganisationKind, field, "%s (%s) is a %s, not a %s", ods, o.Name, o.Kind, k)
	default:
		return true
	}
	return false
}

// checkMember records a problem unless ods may be a member of an LHC.
func (r *Registry) checkMember(ps *problems, field, ods string) {
	o, ok := r.orgs[ods]
	switch {
	case !ok:
		ps.add(ErrUnknownOrganisation, field, "%s is not registered", ods)
	case !o.Kind.CanJoinLHC():
		ps.add(ErrWrongOrganisationKind, field, "%s (%s) is a %s; members are PCTs and providers", ods, o.Name, o.Kind)
	}
}

func joinKinds(ks []OrgKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
