package domain

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Registry is the reference data plans are decided against: organisations, their chief executives
// over time, and local health communities. It is the fold of the registry stream.
type Registry struct {
	orgs map[string]*Organisation
	lhcs map[string]*LHC
	cfh  string // ODS code of NHS Connecting for Health, once registered

	rounds  map[string]*Round          // published planning rounds, by name
	pfits   map[string]*PfIT           // programmes for IT, by id
	shaPfIT map[string]string          // SHA code -> the programme for IT it is assigned to
	bodies  map[string]*GovernanceBody // governance bodies, by id
	// names maps each organisation name's NameKey to the first organisation registered under it, so
	// that no other is registered under a name a reader could not tell from it.
	names map[string]string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{orgs: map[string]*Organisation{}, lhcs: map[string]*LHC{}, names: map[string]string{},
		rounds: map[string]*Round{}, pfits: map[string]*PfIT{}, shaPfIT: map[string]string{}, bodies: map[string]*GovernanceBody{}}
}

// Apply folds one registry event. An event that does not fit the state (a second registration of
// a code, an appointment that would rewrite history, a change to an unknown LHC) is an error and
// leaves the state as it was: the log, not this code, is then wrong, and nobody should decide on it.
func (r *Registry) Apply(e Event) error {
	if ok, err := r.applyRound(e); ok {
		return err
	}
	switch d := e.Data.(type) {
	case OrganisationRegistered:
		return r.applyOrganisation(d)
	case ChiefExecutiveAppointed:
		o, ok := r.orgs[d.ODSCode]
		if !ok {
			return fmt.Errorf("apply %s: organisation %q is not registered", d.EventType(), d.ODSCode)
		}
		if n := len(o.ChiefExecutives); n > 0 && !d.EffectiveFrom.After(o.ChiefExecutives[n-1].EffectiveFrom) {
			return fmt.Errorf("apply %s: appointment for %s effective %s is not after the latest, effective %s",
				d.EventType(), d.ODSCode, d.EffectiveFrom.Format(time.RFC3339), o.ChiefExecutives[n-1].EffectiveFrom.Format(time.RFC3339))
		}
		o.ChiefExecutives = append(o.ChiefExecutives, Appointment{PersonID: d.PersonID, Name: d.Name, EffectiveFrom: d.EffectiveFrom})
		return nil
	case LocalHealthCommunityFormed:
		return r.applyLHCFormed(d)
	case LocalHealthCommunityMembersChanged:
		return r.applyMembersChanged(d)
	case GovernanceBodyRecorded:
		return r.applyGovernanceBody(e, d)
	case nil:
		return fmt.Errorf("apply: registry event has no data")
	default:
		return fmt.Errorf("apply: %T is not a registry event", d)
	}
}

func (r *Registry) applyOrganisation(d OrganisationRegistered) error {
	switch {
	case d.ODSCode == "":
		return fmt.Errorf("apply %s: no ods_code", d.EventType())
	case r.orgs[d.ODSCode] != nil:
		return fmt.Errorf("apply %s: organisation %q is already registered", d.EventType(), d.ODSCode)
	case !d.Kind.Valid():
		return fmt.Errorf("apply %s: %s has unknown kind %q", d.EventType(), d.ODSCode, d.Kind)
	case d.Kind == KindCfH && r.cfh != "":
		return fmt.Errorf("apply %s: CfH is already registered as %s", d.EventType(), r.cfh)
	case d.Kind.HasParentSHA() && !r.isKind(d.SHACode, KindSHA):
		return fmt.Errorf("apply %s: parent %q of %s is not a registered SHA", d.EventType(), d.SHACode, d.ODSCode)
	}
	r.orgs[d.ODSCode] = &Organisation{ODSCode: d.ODSCode, Name: d.Name, Kind: d.Kind, SHACode: d.SHACode}
	// A log recorded before names were compared may hold two alike: the first keeps the name.
	if key := NameKey(d.Name); r.names[key] == "" {
		r.names[key] = d.ODSCode
	}
	if d.Kind == KindCfH {
		r.cfh = d.ODSCode
	}
	return nil
}

func (r *Registry) applyLHCFormed(d LocalHealthCommunityFormed) error {
	members := slices.Clone(d.Members)
	slices.Sort(members)
	switch {
	case d.LHCID == "":
		return fmt.Errorf("apply %s: no lhc_id", d.EventType())
	case r.lhcs[d.LHCID] != nil:
		return fmt.Errorf("apply %s: LHC %q already exists", d.EventType(), d.LHCID)
	case len(slices.Compact(slices.Clone(members))) != len(members):
		return fmt.Errorf("apply %s: LHC %q lists a member twice", d.EventType(), d.LHCID)
	case !slices.Contains(members, d.LeadPCT):
		return fmt.Errorf("apply %s: LHC %q does not include its lead PCT %q", d.EventType(), d.LHCID, d.LeadPCT)
	}
	r.lhcs[d.LHCID] = &LHC{ID: d.LHCID, Name: d.Name, LeadPCT: d.LeadPCT, SHACode: d.SHACode, Members: members}
	return nil
}

func (r *Registry) applyMembersChanged(d LocalHealthCommunityMembersChanged) error {
	l, ok := r.lhcs[d.LHCID]
	if !ok {
		return fmt.Errorf("apply %s: LHC %q does not exist", d.EventType(), d.LHCID)
	}
	set := map[string]bool{}
	for _, m := range l.Members {
		set[m] = true
	}
	for _, m := range d.Removed {
		if !set[m] || m == l.LeadPCT {
			return fmt.Errorf("apply %s: cannot remove %q from LHC %q", d.EventType(), m, d.LHCID)
		}
		delete(set, m)
	}
	for _, m := range d.Added {
		if set[m] {
			return fmt.Errorf("apply %s: %q is already a member of LHC %q", d.EventType(), m, d.LHCID)
		}
		set[m] = true
	}
	l.Members = slices.Sorted(maps.Keys(set))
	return nil
}

func (r *Registry) isKind(ods string, k OrgKind) bool {
	o, ok := r.orgs[ods]
	return ok && o.Kind == k
}

// Organisation returns the organisation registered under ods.
func (r *Registry) Organisation(ods string) (Organisation, bool) {
	o, ok := r.orgs[ods]
	if !ok {
		return Organisation{}, false
	}
	return o.clone(), true
}

// Organisations returns every organisation, sorted by ODS code.
func (r *Registry) Organisations() []Organisation {
	out := make([]Organisation, 0, len(r.orgs))
	for _, code := range slices.Sorted(maps.Keys(r.orgs)) {
		out = append(out, r.orgs[code].clone())
	}
	return out
}

// CfH returns NHS Connecting for Health, if registered.
func (r *Registry) CfH() (Organisation, bool) { return r.Organisation(r.cfh) }

// LHC returns the local health community with the given id.
func (r *Registry) LHC(id string) (LHC, bool) {
	l, ok := r.lhcs[id]
	if !ok {
		return LHC{}, false
	}
	return l.clone(), true
}

// LHCs returns every local health community, sorted by id.
func (r *Registry) LHCs() []LHC {
	out := make([]LHC, 0, len(r.lhcs))
	for _, id := range slices.Sorted(maps.Keys(r.lhcs)) {
		out = append(out, r.lhcs[id].clone())
	}
	return out
}

// ChiefExecutiveAt returns the chief executive of ods at instant at: the latest appointment that
// had taken effect by then.
func (r *Registry) ChiefExecutiveAt(ods string, at time.Time) (Appointment, bool) {
	o, ok := r.orgs[ods]
	if !ok {
		return Appointment{}, false
	}
	return o.chiefExecutiveAt(at)
}
