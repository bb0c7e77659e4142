package domain

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
)

// PlanRecord is a Plan's state in exported form, for a holder of many folded plans that saves them
// and restores them later without refolding their streams (the projections' snapshot). It is a
// cache of a fold, not a source of truth: the plan's stream is. RestorePlan can refuse a record no
// fold could have produced; it cannot tell whether a record matches its stream.
type PlanRecord struct {
	Exists     bool // false: never submitted, and every other field is zero
	ID         string
	LHCID      string
	Round      string
	Period     Period
	LeadPCT    string
	Versions   []Version   // oldest first
	Withdrawal *Withdrawal // nil while the plan is live
	Reports    []DeliveryReport
}

// ErrInvalidPlanRecord is returned by RestorePlan for a record that is not the state of any plan.
var ErrInvalidPlanRecord = errors.New("domain: not the state of a plan")

// Record returns the plan's state without any version's content: a record keeps what a holder of
// many plans keeps (see ForgetContent), and content is read from the log. It copies each version but
// shares with the plan the lists and
// pointers a version holds (a snapshot takes records of many thousands of plans while their holder
// waits): the plan only ever appends to those lists, past the lengths the record was given (and
// clipped to, so that no append to either side reaches the other), and replaces what its pointers
// point to rather than changing it. So the record stays as it was however the plan folds on, as
// long as its holder, too, leaves what it shares unchanged.
func (p *Plan) Record() PlanRecord {
	if !p.exists {
		return PlanRecord{}
	}
	versions := make([]Version, len(p.versions))
	for i, v := range p.versions {
		v.Contributors, v.Contributions, v.SignOffs = slices.Clip(v.Contributors), slices.Clip(v.Contributions), slices.Clip(v.SignOffs)
		v.Declines, v.Excusals, v.Approvals = slices.Clip(v.Declines), slices.Clip(v.Excusals), slices.Clip(v.Approvals)
		v.Content = Content{}
		versions[i] = v
	}
	return PlanRecord{
		Exists: true, ID: p.id, LHCID: p.lhcID, Round: p.round, Period: p.period, LeadPCT: p.leadPCT,
		Versions: versions, Withdrawal: p.withdrawal, Reports: slices.Clip(p.reports),
	}
}

// RestorePlan returns the plan whose Record is r, after checking that r holds together as a fold
// leaves a plan: versions numbered from 1, every contribution, sign-off, decline, excusal,
// assurance, acknowledgement and note naming its own version, sign-offs of exactly that version's content and at most
// one per organisation, acknowledgements only of a positive assurance, and no version holding content: a record restores
// a plan as a holder of many keeps it (see ForgetContent), with each version's content hash only.
//
// The plan takes r's slices and pointers rather than copying them (a snapshot restores many
// thousands of plans), so the caller must not change r afterwards.
func RestorePlan(r PlanRecord) (*Plan, error) {
	if !r.Exists {
		if r.ID != "" || r.LHCID != "" || r.Round != "" || r.Period != (Period{}) || r.LeadPCT != "" || len(r.Versions) > 0 || r.Withdrawal != nil || len(r.Reports) > 0 {
			return nil, fmt.Errorf("%w: a plan never submitted has no state, this record has some", ErrInvalidPlanRecord)
		}
		return NewPlan(), nil
	}
	switch {
	case r.ID == "":
		return nil, fmt.Errorf("%w: no plan id", ErrInvalidPlanRecord)
	case r.LeadPCT == "":
		return nil, fmt.Errorf("%w: plan %s names no lead PCT", ErrInvalidPlanRecord, r.ID)
	case len(r.Versions) == 0:
		return nil, fmt.Errorf("%w: plan %s was submitted but has no version", ErrInvalidPlanRecord, r.ID)
	}
	for i := range r.Versions {
		v := &r.Versions[i]
		if err := v.restorable(i + 1); err != nil {
			return nil, fmt.Errorf("%w: plan %s version %d: %v", ErrInvalidPlanRecord, r.ID, i+1, err)
		}
		// A fold never leaves these lists nil (newVersion, Apply), and Versions shows the difference.
		v.Contributors, v.Contributions, v.SignOffs = nonNil(v.Contributors), nonNil(v.Contributions), nonNil(v.SignOffs)
		if a := v.Assurance; a != nil {
			// A copy: the record may share the assurance with the plan it was taken from.
			c := *a
			c.Criteria, c.Conditions = nonNil(c.Criteria), slices.Clone(nonNil(c.Conditions))
			for i := range c.Conditions {
				c.Conditions[i].Evidence = nonNil(c.Conditions[i].Evidence)
			}
			v.Assurance = &c
		}
	}
	for i, rep := range r.Reports {
		if _, ok := ItemIndex(rep.Item); !ok || !slices.Contains(ProgrammeStatuses, rep.Status) {
			return nil, fmt.Errorf("%w: plan %s report %d names item %q, status %q", ErrInvalidPlanRecord, r.ID, i, rep.Item, rep.Status)
		}
	}
	return &Plan{
		exists: true, id: r.ID, lhcID: r.LHCID, round: r.Round, period: r.Period, leadPCT: r.LeadPCT,
		versions: r.Versions, withdrawal: r.Withdrawal, reports: r.Reports,
	}, nil
}

// restorable says why v cannot be version number of a folded plan, or nil if it can be.
func (v *Version) restorable(number int) error {
	if v.Number != number {
		return fmt.Errorf("is numbered %d", v.Number)
	}
	if v.ContentHash == "" {
		return errors.New("has no content hash")
	}
	if !v.Content.IsZero() {
		return errors.New("holds content, which a record never keeps (see Plan.ForgetContent)")
	}
	var contributors []string
	for _, c := range v.Contributions {
		if c.Version != number || c.ContributorODS == "" {
			return fmt.Errorf("holds a contribution to version %d by %q", c.Version, c.ContributorODS)
		}
		if !slices.Contains(contributors, c.ContributorODS) {
			contributors = append(contributors, c.ContributorODS)
		}
	}
	if !slices.Equal(contributors, v.Contributors) {
		return fmt.Errorf("lists contributors %v, its contributions were by %v", v.Contributors, contributors)
	}
	for i, s := range v.SignOffs {
		switch {
		case s.Version != number:
			return fmt.Errorf("holds a sign-off of version %d", s.Version)
		case s.ContentHash != v.ContentHash:
			return fmt.Errorf("holds a sign-off by %s of content %s, not its own", s.ODSCode, s.ContentHash)
		case slices.ContainsFunc(v.SignOffs[:i], func(o SignOff) bool { return o.ODSCode == s.ODSCode }):
			return fmt.Errorf("holds two sign-offs by %s", s.ODSCode)
		}
	}
	for _, d := range v.Declines {
		if d.Version != number || d.ODSCode == "" {
			return fmt.Errorf("holds a decline of version %d by %q", d.Version, d.ODSCode)
		}
	}
	for _, x := range v.Excusals {
		if x.Version != number || x.ODSCode == "" {
			return fmt.Errorf("holds an excusal from version %d of %q", x.Version, x.ODSCode)
		}
	}
	if a := v.Assurance; a != nil && (a.Version != number || !a.Outcome.Valid()) {
		return fmt.Errorf("holds an assurance of version %d with outcome %q", a.Version, a.Outcome)
	}
	if a := v.Assurance; a != nil {
		for _, c := range a.Conditions {
			switch c.State {
			case ConditionStateOpen, ConditionStateDischarged, ConditionStateLapsed:
			default:
				return fmt.Errorf("holds condition %q in state %q", c.ID, c.State)
			}
		}
	}
	for _, x := range v.Approvals {
		if x.Version != number || x.ODSCode == "" || x.ContentHash != v.ContentHash {
			return fmt.Errorf("holds an approval of version %d (content %s) by %q", x.Version, x.ContentHash, x.ODSCode)
		}
	}
	if n := v.CfHNote; n != nil && (n.Version != number || v.Assurance == nil) {
		return fmt.Errorf("holds a CfH note of version %d without an assurance of its own", n.Version)
	}
	if k := v.Acknowledgement; k != nil {
		switch a := v.Assurance; {
		case k.Version != number:
			return fmt.Errorf("holds an acknowledgement of version %d", k.Version)
		case a == nil || !a.Outcome.Positive():
			return errors.New("is acknowledged but not assured")
		case k.AssuranceEventID != a.EventID:
			return fmt.Errorf("acknowledges assurance %q, its assurance is %q", k.AssuranceEventID, a.EventID)
		}
	}
	return nil
}

// IsZero reports whether c is the zero Content, as ForgetContent leaves it.
func (c Content) IsZero() bool { return reflect.ValueOf(c).IsZero() }
