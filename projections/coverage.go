package projections

import (
	"context"
	"maps"
	"slices"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// SRO coverage: for every organisation whose sign-off a plan's current version needs (its lead PCT
// and every contributor to the version) or that has signed a version of it, who its chief executive
// was, and whether they have signed the current version, only an earlier one, or none.

// Whether an organisation has signed a plan.
const (
	CoverageSigned     = "signed"     // the current version
	CoverageSuperseded = "superseded" // an earlier version only
	CoverageUnsigned   = "unsigned"   // no version
)

// CoverageFilter selects what the SRO coverage report covers; empty fields match everything, a zero
// AsOf is now, and At (zero: now without AsOf, else when the last event by AsOf was recorded) is
// when the chief executive named is in office.
type CoverageFilter struct {
	SHA, Round string
	AsOf       eventstore.Position
	At         time.Time
}

// SROCoverage is the SRO coverage report.
type SROCoverage struct {
	Round string `json:"round"` // "all" when not filtered
	Cut
	At            time.Time     `json:"chief_executives_at"` // when the chief executives named were in office
	Organisations []OrgCoverage `json:"organisations"`
}

// OrgCoverage is one organisation's chief executive and its standing on each plan it signs or may.
type OrgCoverage struct {
	ODSCode        string              `json:"ods_code"`
	Name           string              `json:"name"`
	Kind           domain.OrgKind      `json:"kind"`
	ChiefExecutive *domain.Appointment `json:"chief_executive"` // null when none was in office
	Plans          []PlanCoverage      `json:"plans"`
}

// PlanCoverage is an organisation's standing on one plan.
type PlanCoverage struct {
	PlanID  string `json:"plan_id"`
	LHCID   string `json:"lhc_id"`
	Round   string `json:"round"`
	Version int    `json:"version"` // the plan's current version
	// Required says the version needs this organisation's sign-off: it leads the LHC or
	// contributed to the version. An organisation listed otherwise signed an earlier version.
	Required bool   `json:"required"`
	State    string `json:"state"` // signed, superseded or unsigned
	// SignedVersion, PersonID and SignedAt are of the organisation's latest sign-off of the plan.
	SignedVersion int        `json:"signed_version,omitempty"`
	PersonID      string     `json:"person_id,omitempty"`
	SignedAt      *time.Time `json:"signed_at"`
}

// SROCoverage is the SRO coverage report over the plans not withdrawn.
func (p *Projector) SROCoverage(ctx context.Context, f CoverageFilter) (SROCoverage, error) {
	p.mu.RLock()
	pos := f.AsOf
	current := pos == 0 || pos >= p.appliedPos
	if current {
		pos = p.appliedPos
	}
	cut := p.cutLocked(pos)
	views := p.viewsOfLocked(f.SHA, f.Round)
	p.mu.RUnlock()
	at := f.At
	if at.IsZero() {
		// Now only when no as_of was asked: an answer as of a position is the same whatever the day.
		at = cut.AsOf
		if f.AsOf == 0 {
			at = p.now()
		}
	}
	var err error
	if !current {
		if views, err = p.viewsAt(ctx, views, pos); err != nil {
			return SROCoverage{}, err
		}
	}
	reg, err := p.registryAt(pos)
	if err != nil {
		return SROCoverage{}, err
	}
	rep := SROCoverage{Round: f.Round, Cut: cut, At: at.UTC(), Organisations: []OrgCoverage{}}
	if rep.Round == "" {
		rep.Round = "all"
	}
	byOrg := map[string]*OrgCoverage{}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if views, err = p.settle(ctx, views, pos); err != nil {
		return SROCoverage{}, err
	}
	for _, v := range views {
		pl := v.plan
		if !pl.Exists() || pl.Withdrawn() {
			continue
		}
		cur := pl.Current()
		// The version's required signatories, as the plan records them (whoever has joined or left
		// the LHC since), then any other organisation that signed a version of the plan.
		signers := []string{pl.LeadPCT()}
		for _, c := range cur.Contributors {
			if !slices.Contains(signers, c) {
				signers = append(signers, c)
			}
		}
		pl.VisitVersions(func(ver domain.Version) {
			for _, s := range ver.SignOffs {
				if !slices.Contains(signers, s.ODSCode) {
					signers = append(signers, s.ODSCode)
				}
			}
		})
		for _, ods := range signers {
			oc := byOrg[ods]
			if oc == nil {
				o, _ := reg.Organisation(ods)
				oc = &OrgCoverage{ODSCode: ods, Name: o.Name, Kind: o.Kind, Plans: []PlanCoverage{}}
				if a, ok := reg.ChiefExecutiveAt(ods, at); ok {
					oc.ChiefExecutive = &a
				}
				byOrg[ods] = oc
			}
			pc := PlanCoverage{PlanID: v.id, LHCID: pl.LHCID(), Round: pl.Round(), Version: cur.Number, State: CoverageUnsigned,
				Required: ods == pl.LeadPCT() || slices.Contains(cur.Contributors, ods)}
			pl.VisitVersions(func(ver domain.Version) {
				for _, s := range ver.SignOffs {
					if s.ODSCode == ods {
						t := s.RecordedAt
						pc.SignedVersion, pc.PersonID, pc.SignedAt = ver.Number, s.PersonID, &t
					}
				}
			})
			switch {
			case pc.SignedVersion == cur.Number:
				pc.State = CoverageSigned
			case pc.SignedVersion > 0:
				pc.State = CoverageSuperseded
			}
			oc.Plans = append(oc.Plans, pc)
		}
	}
	for _, ods := range slices.Sorted(maps.Keys(byOrg)) {
		rep.Organisations = append(rep.Organisations, *byOrg[ods])
	}
	return rep, nil
}
