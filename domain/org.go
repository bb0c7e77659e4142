package domain

import (
	"slices"
	"time"
)

// OrgKind is what sort of body an organisation is (docs/design.md §1).
type OrgKind string

const (
	KindSHA            OrgKind = "sha"
	KindPCT            OrgKind = "pct"
	KindProvider       OrgKind = "provider"
	KindNonNHSProvider OrgKind = "non_nhs_provider"
	KindCfH            OrgKind = "cfh"
)

// OrgKinds lists every kind.
var OrgKinds = []OrgKind{KindSHA, KindPCT, KindProvider, KindNonNHSProvider, KindCfH}

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool { return slices.Contains(OrgKinds, k) }

// HasParentSHA reports whether organisations of kind k sit under an SHA. SHAs and CfH are national or
// regional bodies of their own.
func (k OrgKind) HasParentSHA() bool {
	return k == KindPCT || k == KindProvider || k == KindNonNHSProvider
}

// CanJoinLHC reports whether organisations of kind k may be members of a local health community.
func (k OrgKind) CanJoinLHC() bool { return k.HasParentSHA() }

// IsNHS reports whether organisations of kind k are NHS bodies that belong to an LHC: PCTs and
// NHS providers, whose national indicators a plan gives.
func (k OrgKind) IsNHS() bool { return k == KindPCT || k == KindProvider }

// Contributes reports whether organisations of kind k contribute to plans as providers.
func (k OrgKind) Contributes() bool { return k == KindProvider || k == KindNonNHSProvider }

// Organisation is a registered organisation with its chief executives, oldest appointment first.
type Organisation struct {
	ODSCode         string        `json:"ods_code"`
	Name            string        `json:"name"`
	Kind            OrgKind       `json:"kind"`
	SHACode         string        `json:"sha_code"`
	ChiefExecutives []Appointment `json:"chief_executives"`
}

// Appointment is a chief executive's appointment; it lasts until the next one takes effect.
type Appointment struct {
	PersonID      string    `json:"person_id"`
	Name          string    `json:"name"`
	EffectiveFrom time.Time `json:"effective_from"`
}

// LHC is a local health community: a lead PCT and the organisations that plan with it.
type LHC struct {
	ID      string   `json:"lhc_id"`
	Name    string   `json:"name"`
	LeadPCT string   `json:"lead_pct"`
	SHACode string   `json:"sha_code"`
	Members []string `json:"members"` // sorted ODS codes, the lead PCT included
}

// HasMember reports whether ods is a member of l.
func (l LHC) HasMember(ods string) bool {
	_, ok := slices.BinarySearch(l.Members, ods)
	return ok
}

func (o Organisation) clone() Organisation {
	o.ChiefExecutives = slices.Clone(o.ChiefExecutives)
	return o
}

func (l LHC) clone() LHC {
	l.Members = slices.Clone(l.Members)
	return l
}

// ChiefExecutiveAt is the appointment in force at instant at: the latest to have taken effect.
func (o Organisation) ChiefExecutiveAt(at time.Time) (Appointment, bool) {
	return o.chiefExecutiveAt(at)
}

func (o Organisation) chiefExecutiveAt(at time.Time) (Appointment, bool) {
	for i := len(o.ChiefExecutives) - 1; i >= 0; i-- {
		if a := o.ChiefExecutives[i]; !a.EffectiveFrom.After(at) {
			return a, true
		}
	}
	return Appointment{}, false
}
