package domain

import (
	"slices"
	"strings"
	"time"
)

// Delivery: an assured plan is a promise, and its delivery items (DeliveryItems) are reported on as
// they happen. A report is about the plan, not one of its versions: a revision re-plans the dates,
// it does not undo what was delivered.

// DeliveryReport is one delivery report as the plan keeps it.
type DeliveryReport struct {
	Item       string    `json:"item"`
	Status     string    `json:"status"`
	ActualDate Date      `json:"actual_date"`
	Note       string    `json:"note"`
	ODSCode    string    `json:"ods_code"` // the reporting organisation, from the event's actor
	RecordedAt time.Time `json:"recorded_at"`
	EventID    string    `json:"event_id"`
}

// ReportMilestone reports where one delivery item stands, for the actor's organisation.
type ReportMilestone struct {
	Item       string `json:"item"`
	Status     string `json:"status"`
	ActualDate Date   `json:"actual_date"`
	Note       string `json:"note"`
}

func (ReportMilestone) planCommand() {}

// ItemState is where one delivery item stands: as the current version plans it, and as reported.
type ItemState struct {
	Item           string
	PlannedDate    Date
	DeclaredStatus string // as the current version states it (planned when it states none)
	Source         string // a Clinical 5 solution's source, as the current version states it
	// Status and ActualDate are the latest report's; before any report, the declared status.
	Status     string
	ActualDate Date
	Reports    int       // how many reports name the item
	ReportedAt time.Time // of the latest report; zero if none
	// PastAtSubmission: the planned date had passed, and the item was not stated live, when the
	// current version was recorded.
	PastAtSubmission bool
}

// Delivery says where each delivery item stands, in the order of DeliveryItems; nil before
// submission and for a plan whose current version's digest is unknown.
func (p *Plan) Delivery() []ItemState {
	if !p.exists {
		return nil
	}
	cur := p.current()
	if cur.Digest == nil {
		return nil
	}
	submitted := DateOf(cur.SubmittedAt.UTC())
	out := make([]ItemState, len(DeliveryItems))
	for i, id := range DeliveryItems {
		d := ItemDigest{}
		if i < len(cur.Digest.Items) {
			d = cur.Digest.Items[i]
		}
		out[i] = ItemState{Item: id, PlannedDate: d.PlannedDate(), DeclaredStatus: d.DeclaredStatus(), Source: d.SourceName(),
			PastAtSubmission: d.PastAt(submitted)}
		out[i].Status = out[i].DeclaredStatus
	}
	for _, r := range p.reports {
		i, ok := ItemIndex(r.Item)
		if !ok {
			continue
		}
		s := &out[i]
		s.Status, s.ActualDate, s.ReportedAt = r.Status, r.ActualDate, r.RecordedAt
		s.Reports++
	}
	return out
}

// CurrentDigest is the current version's content digest, shared (never changed); nil before
// submission. A holder of many plans reads it without copying the version (Current).
func (p *Plan) CurrentDigest() *ContentDigest {
	if !p.exists {
		return nil
	}
	return p.current().Digest
}

// ItemStatus is where delivery item i (an index of DeliveryItems) stands: its latest report's
// status, or the current version's statement. Delivery gives every item's whole state.
func (p *Plan) ItemStatus(i int) string {
	if !p.exists || i < 0 || i >= len(DeliveryItems) {
		return ""
	}
	s, _ := p.itemStatus(i)
	return s
}

// DeliveryReports returns every delivery report, oldest first.
func (p *Plan) DeliveryReports() []DeliveryReport { return slices.Clone(p.reports) }

// itemStatus is where item i stands now: its latest report, or the current version's statement.
func (p *Plan) itemStatus(i int) (status string, actual Date) {
	for j := len(p.reports) - 1; j >= 0; j-- {
		if r := p.reports[j]; r.Item == DeliveryItems[i] {
			return r.Status, r.ActualDate
		}
	}
	if d := p.current().Digest; d != nil && i < len(d.Items) {
		return d.Items[i].DeclaredStatus(), Date{}
	}
	return ProgrammePlanned, Date{}
}

// requireReporter checks that a speaks for the lead PCT (as its commissioner) or for a provider
// member of the LHC (as a provider).
func (p *Plan) requireReporter(reg *Registry, a Actor) error {
	switch a.Role {
	case RolePCTCommissioner:
		return p.requireLeadPCT(reg, a, "report on the delivery of")
	case RoleProvider:
		org, ok := reg.orgs[a.Org]
		lhc, known := reg.lhcs[p.lhcID]
		switch {
		case !ok || !org.Kind.Contributes():
			return ErrOrganisationNotAllowed.with("%q is not a registered provider; the provider role acts for providers", a.Org)
		case !known || !lhc.HasMember(a.Org):
			return ErrNotLHCMember.with("%s is not a member of LHC %q", a.Org, p.lhcID)
		}
		return nil
	}
	return ErrRoleNotAllowed.with("role %q may not report on a plan's delivery; it needs role %q (the lead PCT) or %q (a member provider)", a.Role, RolePCTCommissioner, RoleProvider)
}

func (p *Plan) decideReport(reg *Registry, a Actor, at time.Time, c ReportMilestone) (EventData, error) {
	if a.Role != RolePCTCommissioner && a.Role != RoleProvider {
		return nil, p.requireReporter(reg, a)
	}
	if err := p.requireLive(a, a.Role); err != nil {
		return nil, err
	}
	if err := p.requireReporter(reg, a); err != nil {
		return nil, err
	}
	var ps problems
	i, itemOK := ItemIndex(c.Item)
	switch {
	case c.Item == "":
		ps.add(ErrInvalidCommand, "item", "is required")
	case !itemOK:
		ps.add(ErrInvalidCommand, "item", "unknown delivery item %q; want clinical5.<capability>.interim or .strategic (%s), or national_programmes.<programme> (%s)",
			c.Item, strings.Join(Clinical5, ", "), strings.Join(NationalProgrammes, ", "))
	}
	statusOK := true
	switch {
	case c.Status == "":
		ps.add(ErrInvalidCommand, "status", "is required")
		statusOK = false
	case !slices.Contains(ProgrammeStatuses, c.Status):
		ps.add(ErrInvalidCommand, "status", "unknown status %q; want one of %s", c.Status, strings.Join(ProgrammeStatuses, ", "))
		statusOK = false
	}
	today := DateOf(at.UTC())
	switch {
	case !statusOK:
	case c.Status == ProgrammeLive && c.ActualDate.IsZero():
		ps.add(ErrInvalidCommand, "actual_date", "is required: the day the item went live")
	case c.Status == ProgrammePlanned && !c.ActualDate.IsZero():
		ps.add(ErrInvalidCommand, "actual_date", "must be empty for status %s: nothing has happened yet", c.Status)
	case c.ActualDate.After(today):
		ps.add(ErrInvalidCommand, "actual_date", "%s is after today, %s: a report says what has happened", c.ActualDate, today)
	case !c.ActualDate.IsZero() && c.ActualDate.Year() < minPlanYear:
		ps.add(ErrInvalidCommand, "actual_date", "%s is before %d", c.ActualDate, minPlanYear)
	}
	optionalLong.check(&ps, ErrInvalidCommand, "note", c.Note)
	if err := ps.err(); err != nil {
		return nil, err
	}
	was, actual := p.itemStatus(i)
	early := p.earliestUnexplained()
	switch {
	case was == ProgrammeLive && c.Status != ProgrammeLive && c.Note == "":
		return nil, ErrReasonRequired.at("note", "%s is live%s; a report that moves it back to %s says why", c.Item, dateSuffix(actual), c.Status)
	case was == ProgrammeLive && c.Status == ProgrammeLive && !actual.IsZero() && actual != c.ActualDate && c.Note == "":
		// The go-live date is what slippage is measured from: a report that moves it corrects what
		// was reported, and the correction says why.
		return nil, ErrReasonRequired.at("note", "%s is live%s; a report that moves its go-live date to %s says why", c.Item, dateSuffix(actual), c.ActualDate)
	case !c.ActualDate.IsZero() && c.ActualDate.Before(early) && c.Note == "":
		return nil, ErrReasonRequired.at("note", "actual_date %s is before %s, when the plan's period began or it was first submitted; a report of a date before the plan says why",
			c.ActualDate, early)
	case was == c.Status && actual == c.ActualDate:
		return nil, ErrNoChange.at("status", "%s is already %s%s", c.Item, was, dateSuffix(actual))
	}
	if n := p.reportsBy(a.Org, c.Item); n >= MaxReportsPerOrgItem {
		return nil, ErrTooManyReports.at("item", "%s has made %d reports on %s, the most an organisation may make on one item", a.Org, n, c.Item)
	}
	if err := p.checkStreamRoom("delivery report"); err != nil {
		return nil, err
	}
	return MilestoneReported{Item: DeliveryItems[i], Status: c.Status, ActualDate: c.ActualDate, Note: c.Note}, nil
}

// earliestUnexplained is the first day a delivery report may name without a note: the start of the
// plan's period, or its first submission's day if that came first. An earlier date is history the
// plan never planned, such as a system live years before, and is recorded only with its reason.
func (p *Plan) earliestUnexplained() Date {
	start := p.period.Start()
	if sub := DateOf(p.versions[0].SubmittedAt.UTC()); sub.Before(start) {
		return sub
	}
	return start
}

// reportsBy counts the delivery reports ods has made on item.
func (p *Plan) reportsBy(ods, item string) int {
	n := 0
	for _, r := range p.reports {
		if r.ODSCode == ods && r.Item == item {
			n++
		}
	}
	return n
}

func dateSuffix(d Date) string {
	if d.IsZero() {
		return ""
	}
	return " since " + d.String()
}
