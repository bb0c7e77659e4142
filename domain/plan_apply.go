package domain

import (
	"fmt"
	"slices"
	"time"
)

// Apply folds one event of the plan's stream. It takes the event's id, time and actor from its
// metadata where the state records them.
//
// Apply checks that the event fits: the right order, the current version, nothing recorded twice.
// It does not re-decide the rules (it cannot: it has no registry), so an event that Decide would now
// refuse but that fits the history still folds, as old logs must. An event that does not fit is an
// error and leaves the plan unchanged.
func (p *Plan) Apply(e Event) error {
	d := e.Data
	if err := p.fits(d, e); err != nil {
		if d == nil {
			return fmt.Errorf("apply: %w", err)
		}
		return fmt.Errorf("apply %T: %w", d, err)
	}
	switch d := d.(type) {
	case PlanSubmitted:
		*p = Plan{exists: true, id: d.PlanID, lhcID: d.LHCID, round: d.Round, period: d.Period, leadPCT: e.Meta.Actor.Org}
		p.versions = []Version{newVersion(1, d.Content, e, "")}
	case PlanRevised:
		// The read models keep the current version's digest only: the superseded one is released.
		p.current().Digest = nil
		p.versions = append(p.versions, newVersion(d.Version, d.Content, e, d.Reason))
	case ContributionRecorded:
		v := p.current()
		if !slices.Contains(v.Contributors, d.ContributorODS) {
			v.Contributors = append(v.Contributors, d.ContributorODS)
		}
		v.Contributions = append(roomFor(v.Contributions), Contribution{
			Version: d.Version, ContributorODS: d.ContributorODS, Section: d.Section, Summary: d.Summary,
			DocumentSHA256: d.DocumentSHA256, RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID,
		})
		p.settleSignedOff(e.Meta.RecordedAt)
	case SROSignedOff:
		v := p.current()
		// fits has checked that the sign-off names the version's hash: keeping the version's own
		// string rather than the event's makes a plan's sign-offs share one.
		v.SignOffs = append(roomFor(v.SignOffs), SignOff{
			Version: d.Version, ODSCode: d.ODSCode, PersonID: d.PersonID, Statement: d.Statement,
			ContentHash: v.ContentHash, RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID,
		})
		p.settleSignedOff(e.Meta.RecordedAt)
	case AssuranceRecorded:
		conditions := make([]ConditionRecord, len(d.Conditions))
		for i, c := range d.Conditions {
			conditions[i] = ConditionRecord{ID: c.ID, Text: c.Text, Criterion: c.Criterion, Due: c.Due, State: ConditionStateOpen, Evidence: []ConditionEvidence{}}
		}
		p.current().Assurance = &Assurance{
			Version: d.Version, SHACode: d.SHACode, Outcome: d.Outcome, Criteria: slices.Clone(nonNil(d.Criteria)),
			Conditions: conditions, ReflectedInPfITPlan: d.ReflectedInPfITPlan, PfIT: d.PfIT,
			RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID,
		}
	case CfHAcknowledged:
		v := p.current()
		v.Acknowledgement = &Acknowledgement{ // fits has checked the assurance it names, as for ContentHash above
			Version: d.Version, AssuranceEventID: v.Assurance.EventID, Note: d.Note, ODSCode: e.Meta.Actor.Org,
			RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID,
		}
	case PlanWithdrawn:
		p.withdrawal = &Withdrawal{Reason: d.Reason, RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID}
	case ContributionDeclined:
		v := p.current()
		v.Declines = append(v.Declines, Decline{Version: d.Version, ODSCode: d.ODSCode, Reason: d.Reason, RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID})
	case MemberExcused:
		v := p.current()
		v.Excusals = append(v.Excusals, Excusal{Version: d.Version, ODSCode: d.ODSCode, Reason: d.Reason, RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID})
	case ConditionEvidenceSubmitted:
		p.changeCondition(d.ConditionID, func(c *ConditionRecord) {
			c.Evidence = append(c.Evidence, ConditionEvidence{Summary: d.Summary, DocumentSHA256: d.DocumentSHA256, RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID})
		})
	case ConditionDischarged:
		p.changeCondition(d.ConditionID, func(c *ConditionRecord) {
			c.State, c.Note, c.ClosedAt, c.ClosedEventID = ConditionStateDischarged, d.Note, e.Meta.RecordedAt, e.Meta.EventID
		})
	case ConditionLapsed:
		p.changeCondition(d.ConditionID, func(c *ConditionRecord) {
			c.State, c.Note, c.ClosedAt, c.ClosedEventID = ConditionStateLapsed, d.Note, e.Meta.RecordedAt, e.Meta.EventID
		})
	case CfHNoted:
		p.current().CfHNote = &CfHNote{Version: d.Version, Note: d.Note, ODSCode: e.Meta.Actor.Org, RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID}
	case MilestoneReported:
		p.reports = append(p.reports, DeliveryReport{Item: d.Item, Status: d.Status, ActualDate: d.ActualDate, Note: d.Note,
			ODSCode: e.Meta.Actor.Org, RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID})
	case BoardApprovalRecorded:
		v := p.current()
		v.Approvals = append(v.Approvals, BoardApproval{Version: d.Version, ODSCode: d.ODSCode, BodyID: d.BodyID, MeetingDate: d.MeetingDate,
			MinuteRef: d.MinuteRef, DocumentSHA256: d.DocumentSHA256, ContentHash: v.ContentHash, RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID})
	}
	return nil
}

// settleSignedOff keeps the current version's SignedOffAt true after a sign-off or contribution at
// instant at: set when every required signatory has now signed, cleared when a new contributor
// has not, since the version then needs its sign-off too.
func (p *Plan) settleSignedOff(at time.Time) {
	v := p.current()
	required, signed := p.SignOffTally(p.leadPCT)
	switch {
	case signed < required:
		v.SignedOffAt = time.Time{}
	case v.SignedOffAt.IsZero():
		v.SignedOffAt = at
	}
}

// changeCondition changes one condition of the current version's assurance on a copy of the
// assurance, which then replaces it: a plan's record shares the assurance (Plan.Record).
func (p *Plan) changeCondition(id string, change func(*ConditionRecord)) {
	v := p.current()
	a := *v.Assurance
	a.Conditions = slices.Clone(a.Conditions)
	i := a.condition(id)
	c := a.Conditions[i]
	c.Evidence = slices.Clip(c.Evidence)
	change(&c)
	a.Conditions[i] = c
	v.Assurance = &a
}

// roomFor is s with room for at least one more, made for four the first time: a version of a
// typical LHC gets a few contributions and sign-offs, and growing their lists from one by doubling
// was two thirds of what folding them allocated.
func roomFor[T any](s []T) []T {
	if cap(s) == 0 {
		return make([]T, 0, 4)
	}
	return s
}

// newVersion is version n with content c, recorded by e: its digest is the one e's reader made
// when it left the content out, or c's own.
func newVersion(n int, c Content, e Event, reason string) Version {
	digest := e.Digest
	if digest == nil {
		digest = c.Digest(nil)
	}
	m := e.Meta
	return Version{
		Number: n, Content: c.Clone(), ContentHash: e.ContentHash, SubmittedAt: m.RecordedAt, EventID: m.EventID, Reason: reason,
		Contributors: []string{}, Contributions: []Contribution{}, SignOffs: []SignOff{}, Digest: digest,
	}
}

// fits says why d, the data of e, cannot follow the events folded so far, or nil if it can.
func (p *Plan) fits(d EventData, e Event) error {
	m := e.Meta
	if d == nil {
		return fmt.Errorf("plan event has no data")
	}
	if _, ok := d.(VersionEvent); ok && !isSHA256Hex(e.ContentHash) {
		return fmt.Errorf("the event carries no content hash (%q): its reader or sealer must set it", e.ContentHash)
	}
	if s, ok := d.(PlanSubmitted); ok {
		switch {
		case p.exists:
			return fmt.Errorf("plan %s was already submitted", p.id)
		case s.PlanID == "":
			return fmt.Errorf("no plan_id")
		case s.Version != 1:
			return fmt.Errorf("first version is %d, not 1", s.Version)
		case m.Actor.Org == "":
			return fmt.Errorf("metadata names no submitting organisation (the lead PCT)")
		}
		return nil
	}
	if !p.exists {
		return fmt.Errorf("plan has not been submitted")
	}
	if p.withdrawal != nil {
		return fmt.Errorf("plan %s was withdrawn", p.id)
	}
	cur := p.current()
	wrongVersion := func(v int) error {
		if v != cur.Number {
			return fmt.Errorf("names version %d, but the current version is %d", v, cur.Number)
		}
		return nil
	}
	switch d := d.(type) {
	case PlanRevised:
		if d.Version != cur.Number+1 {
			return fmt.Errorf("revision is version %d, but the next version is %d", d.Version, cur.Number+1)
		}
	case ContributionRecorded:
		if err := wrongVersion(d.Version); err != nil {
			return err
		}
		if d.ContributorODS == "" {
			return fmt.Errorf("no contributor_ods")
		}
		if cur.Assurance != nil {
			return fmt.Errorf("version %d is already assured", cur.Number)
		}
	case SROSignedOff:
		if err := wrongVersion(d.Version); err != nil {
			return err
		}
		if _, dup := cur.signOff(d.ODSCode); dup {
			return fmt.Errorf("%s already signed off version %d", d.ODSCode, cur.Number)
		}
		if d.ContentHash != cur.ContentHash {
			return fmt.Errorf("sign-off names content %s, but version %d is %s", d.ContentHash, cur.Number, cur.ContentHash)
		}
	case AssuranceRecorded:
		if err := wrongVersion(d.Version); err != nil {
			return err
		}
		if cur.Assurance != nil {
			return fmt.Errorf("version %d is already assured", cur.Number)
		}
		if !d.Outcome.Valid() {
			return fmt.Errorf("unknown outcome %q", d.Outcome)
		}
	case CfHAcknowledged:
		if err := wrongVersion(d.Version); err != nil {
			return err
		}
		switch a := cur.Assurance; {
		case a == nil || !a.Outcome.Positive():
			return fmt.Errorf("version %d is not assured", cur.Number)
		case cur.Acknowledgement != nil:
			return fmt.Errorf("version %d is already acknowledged", cur.Number)
		case d.AssuranceEventID != a.EventID:
			return fmt.Errorf("acknowledges assurance %q, but version %d's assurance is %q", d.AssuranceEventID, cur.Number, a.EventID)
		}
	case PlanWithdrawn:
	case ContributionDeclined:
		return cur.fitsAccount(d.Version, d.ODSCode, wrongVersion)
	case MemberExcused:
		return cur.fitsAccount(d.Version, d.ODSCode, wrongVersion)
	case ConditionEvidenceSubmitted:
		return cur.fitsCondition(d.Version, d.ConditionID, wrongVersion)
	case ConditionDischarged:
		return cur.fitsCondition(d.Version, d.ConditionID, wrongVersion)
	case ConditionLapsed:
		return cur.fitsCondition(d.Version, d.ConditionID, wrongVersion)
	case CfHNoted:
		if err := wrongVersion(d.Version); err != nil {
			return err
		}
		switch {
		case cur.Assurance == nil:
			return fmt.Errorf("version %d is not assured", cur.Number)
		case cur.CfHNote != nil:
			return fmt.Errorf("version %d is already noted", cur.Number)
		}
	case MilestoneReported:
		if _, ok := ItemIndex(d.Item); !ok {
			return fmt.Errorf("unknown delivery item %q", d.Item)
		}
		if !slices.Contains(ProgrammeStatuses, d.Status) {
			return fmt.Errorf("unknown status %q", d.Status)
		}
	case BoardApprovalRecorded:
		if err := wrongVersion(d.Version); err != nil {
			return err
		}
		switch {
		case d.ODSCode == "" || d.BodyID == "":
			return fmt.Errorf("approval names no organisation or body")
		case slices.ContainsFunc(cur.Approvals, func(x BoardApproval) bool { return x.ODSCode == d.ODSCode && x.BodyID == d.BodyID }):
			return fmt.Errorf("%s's approval of version %d by %s is already recorded", d.ODSCode, cur.Number, d.BodyID)
		}
	default:
		return fmt.Errorf("not a plan event")
	}
	return nil
}

// fitsAccount says why a member's decline or excusal cannot follow: the version, the member, and
// nothing recorded for it on the version before.
func (v *Version) fitsAccount(version int, ods string, wrongVersion func(int) error) error {
	if err := wrongVersion(version); err != nil {
		return err
	}
	switch {
	case ods == "":
		return fmt.Errorf("no ods_code")
	case v.Assurance != nil:
		return fmt.Errorf("version %d is already assured", v.Number)
	}
	if st := v.accounted(ods); st != MemberStateUnaccounted {
		return fmt.Errorf("%s has already %s for version %d", ods, st, v.Number)
	}
	return nil
}

// fitsCondition says why an event about condition id cannot follow: it names the current version,
// whose assurance has the condition, open.
func (v *Version) fitsCondition(version int, id string, wrongVersion func(int) error) error {
	if err := wrongVersion(version); err != nil {
		return err
	}
	if v.Assurance == nil {
		return fmt.Errorf("version %d is not assured", v.Number)
	}
	i := v.Assurance.condition(id)
	switch {
	case i < 0:
		return fmt.Errorf("version %d's assurance has no condition %q", v.Number, id)
	case v.Assurance.Conditions[i].State != ConditionStateOpen:
		return fmt.Errorf("condition %q is %s", id, v.Assurance.Conditions[i].State)
	}
	return nil
}
