package projections

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventcodec"
	"assurance-ledger/eventstore"
)

// PositionAt resolves an "as of" time to the last position of the log recorded by then; false when
// the log holds nothing that early.
func (p *Projector) PositionAt(t time.Time) (eventstore.Position, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.timeline.positionAt(t)
}

// Plan returns a plan's current state. The projections keep no content (it is most of a plan's
// size), so the current version's content is read from the event that carries it, or from a cache
// of recently read versions.
func (p *Projector) Plan(ctx context.Context, id string) (PlanState, bool, error) {
	if err := p.rlock(ctx); err != nil {
		return PlanState{}, false, err
	}
	v := p.plans[id]
	if v == nil || !v.plan.Exists() {
		p.mu.RUnlock()
		return PlanState{}, false, nil
	}
	st := planState(v.id, v.sha, v.lead, v.plan, v.revision, v.position, contextOf(p.registry, v.plan, p.today()))
	st.Cut = p.cutLocked(Latest)
	at := v.contentRevision
	p.mu.RUnlock()
	// A version's content never changes, so reading it outside the lock is safe.
	c, err := p.content(ctx, id, st.Version, at, st.ContentHash)
	if err != nil {
		return PlanState{}, false, err
	}
	st.Content = c
	return st, true, nil
}

// LendPlan calls fn with plan id's state as Plan returns it, except that the content is lent:
// where the store lends its bytes (eventstore.Lender), the content is read in place and neither
// copied nor cached, and a cached content is not cloned. The content is valid only until fn
// returns and must not be kept or changed. fn may run while the store holds a read snapshot, so it
// must be quick and do no I/O: encode the answer in fn, send it after. found is false, and fn is
// not called, if there is no such plan.
//
// A GET of a plan outside the content cache (nearly every one, in a ledger of many plans) thus
// allocates nothing for its content: Plan's copy of the record, decoded strings and two copies of
// the content were most of what such a GET allocated, and so of how often the collector ran.
func (p *Projector) LendPlan(ctx context.Context, id string, fn func(PlanState) error) (found bool, err error) {
	if err := p.rlock(ctx); err != nil {
		return false, err
	}
	v := p.plans[id]
	if v == nil || !v.plan.Exists() {
		p.mu.RUnlock()
		return false, nil
	}
	st := planState(v.id, v.sha, v.lead, v.plan, v.revision, v.position, contextOf(p.registry, v.plan, p.today()))
	st.Cut = p.cutLocked(Latest)
	at := v.contentRevision
	p.mu.RUnlock()
	if c, ok := p.contents.Get(contentKey{id, st.Version}); ok {
		st.Content = c
		return true, fn(st)
	}
	l, ok := p.store.(eventstore.Lender)
	if !ok {
		c, err := p.content(ctx, id, st.Version, at, st.ContentHash)
		if err != nil {
			return false, err
		}
		st.Content = c
		return true, fn(st)
	}
	var fnErr error
	found, err = l.LendStreamEvent(ctx, domain.PlanStream(id), at, func(rec eventstore.RecordedEvent) error {
		return eventcodec.LendContent(rec.Type, rec.Data, rec.Metadata, func(version int, c domain.Content, hash string) error {
			if err := contentAgrees(at, st.Version, st.ContentHash, version, hash); err != nil {
				return err
			}
			st.Content = c
			fnErr = fn(st)
			return fnErr
		})
	})
	switch {
	case fnErr != nil:
		return true, fnErr
	case err != nil:
		return false, fmt.Errorf("projections: plan %s revision %d, where version %d's content was: %w", id, at, st.Version, err)
	case !found:
		return false, fmt.Errorf("projections: plan %s has no event at revision %d, where version %d's content was", id, at, st.Version)
	}
	return true, nil
}

// PlanAsOf returns a plan as it stood once the event at pos had been recorded, refolding its stream
// from the store up to that point; lateness is measured on the day of that event. false: the plan
// did not exist then.
func (p *Projector) PlanAsOf(ctx context.Context, id string, pos eventstore.Position) (PlanState, bool, error) {
	return p.PlanAsOfAt(ctx, id, pos, time.Time{})
}

// PlanAsOfAt is PlanAsOf with lateness measured on the day of at (an "as of" asked for by time),
// or, if at is zero, of the cut's as_of (when the last event by pos was recorded).
func (p *Projector) PlanAsOfAt(ctx context.Context, id string, pos eventstore.Position, at time.Time) (PlanState, bool, error) {
	if err := p.rlock(ctx); err != nil {
		return PlanState{}, false, err
	}
	// Never past what the projections have applied, so that the answer is of the cut it names.
	cut := p.cutLocked(pos)
	pos = cut.AsOfPosition
	v := p.plans[id]
	var sha, lead string
	if v != nil {
		sha, lead = v.sha, v.lead
	}
	if at.IsZero() {
		at = cut.AsOf
	}
	p.mu.RUnlock()
	reg, err := p.registryAt(pos)
	if err != nil {
		return PlanState{}, false, err
	}
	if v == nil {
		return PlanState{}, false, nil
	}
	plan := domain.NewPlan()
	var revision uint64
	var last eventstore.Position
	err = p.foldStream(ctx, domain.PlanStream(id), pos, func(rec eventstore.RecordedEvent, e domain.Event) error {
		revision, last = rec.Revision, rec.Position
		if _, ok := e.Data.(domain.VersionEvent); ok {
			plan.ForgetContent() // only the last version's content is shown
		}
		return plan.Apply(e)
	})
	if err != nil {
		return PlanState{}, false, err
	}
	if !plan.Exists() {
		return PlanState{}, false, nil
	}
	st := planState(id, sha, lead, plan, revision, last, contextOf(reg, plan, domain.DateOf(at.UTC())))
	st.Cut = cut
	return st, true, nil
}

// today is the day current answers measure lateness on.
func (p *Projector) today() domain.Date { return domain.DateOf(p.now().UTC()) }

// PlanFilter selects plans; empty fields match everything.
type PlanFilter struct {
	SHA, LHC, Round string
	Status          domain.Status
}

// PlanSummary is a plan in a list.
type PlanSummary struct {
	PlanID      string        `json:"plan_id"`
	LHCID       string        `json:"lhc_id"`
	SHACode     string        `json:"sha_code"`
	Round       string        `json:"round"`
	Status      domain.Status `json:"status"`
	Version     int           `json:"version"`
	ContentHash string        `json:"content_hash"`
	Revision    uint64        `json:"revision"`
	Position    uint64        `json:"position"`
}

// Plans lists the plans matching f, in submission order.
func (p *Projector) Plans(f PlanFilter) []PlanSummary {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := []PlanSummary{}
	for _, v := range p.order {
		if f.placed(v) && f.matches(v) {
			out = append(out, summaryOf(v))
		}
	}
	return out
}

// placed reports whether v is where f looks: its SHA, LHC and round, which never change once it
// is submitted.
func (f PlanFilter) placed(v *planView) bool {
	pl := v.plan
	return pl.Exists() && (f.SHA == "" || v.sha == f.SHA) && (f.LHC == "" || pl.LHCID() == f.LHC) &&
		(f.Round == "" || pl.Round() == f.Round)
}

// matches reports whether v has the status f asks for.
func (f PlanFilter) matches(v *planView) bool { return f.Status == "" || v.plan.Status() == f.Status }

func summaryOf(v *planView) PlanSummary {
	pl := v.plan
	return PlanSummary{PlanID: v.id, LHCID: pl.LHCID(), SHACode: v.sha, Round: pl.Round(), Status: pl.Status(),
		Version: pl.Version(), ContentHash: pl.CurrentContentHash(), Revision: v.revision, Position: v.position}
}

// Organisations returns the registered organisations, by ODS code.
func (p *Projector) Organisations() []domain.Organisation {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.registry.Organisations()
}

// Organisation returns one registered organisation.
func (p *Projector) Organisation(ods string) (domain.Organisation, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.registry.Organisation(ods)
}

// LHCs returns the Local Health Communities, by id.
func (p *Projector) LHCs() []domain.LHC {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.registry.LHCs()
}

// SHAStatus is an SHA's view of assurance across its LHCs.
type SHAStatus struct {
	SHACode string         `json:"sha_code"`
	Name    string         `json:"name"`
	Round   string         `json:"round,omitempty"`
	LHCs    []LHCAssurance `json:"lhcs"`
	// Returns is how the SHA's return to CfH stands for each round covered (the round asked for,
	// or every published round).
	Returns []ReturnStatus `json:"returns"`
	// Overdue lists every action outstanding past its deadline, most overdue first.
	Overdue []OverdueAction `json:"overdue"`
	// LatenessOn is the day deadlines are compared with: today, or the as-of day.
	LatenessOn domain.Date `json:"lateness_on"`
	Cut
}

// LHCAssurance is where one LHC's plans stand.
type LHCAssurance struct {
	LHCID   string         `json:"lhc_id"`
	Name    string         `json:"name"`
	LeadPCT string         `json:"lead_pct"`
	Plans   []PlanProgress `json:"plans"`
	// Outstanding is set when the LHC has no live plan for the requested round.
	Outstanding []Outstanding `json:"outstanding"`
}

// PlanProgress is one plan's status and what it is waiting for.
type PlanProgress struct {
	PlanID      string        `json:"plan_id"`
	Round       string        `json:"round"`
	Status      domain.Status `json:"status"`
	Version     int           `json:"version"`
	Outstanding []Outstanding `json:"outstanding"`
	// MembersUnaccounted are the members of the LHC that have neither contributed to the current
	// version, declined nor been excused: the SHA cannot assure it until there are none.
	MembersUnaccounted []string `json:"members_unaccounted"`
	// PastAtSubmission lists the delivery items whose planned date had already passed when the
	// current version was submitted: recorded as submitted, and flagged.
	PastAtSubmission []string `json:"past_at_submission"`
}

// Outstanding is an action a plan (or the SHA) waits for, from whom, and by when.
type Outstanding struct {
	// Action is plan_submission, sro_signoff, member_response, sha_assurance, revision,
	// cfh_acknowledgement, cfh_note, condition_evidence, condition_review, sha_return or
	// cfh_return_acknowledgement.
	Action string `json:"action"`
	From   string `json:"from"` // ODS code
	Name   string `json:"name,omitempty"`
	// ConditionID names the condition a condition_evidence or condition_review is about.
	ConditionID string `json:"condition_id,omitempty"`
	// Due is the deadline: the round's milestone for the action, or the condition's due date;
	// null when there is none (the round is not published). PublishedDue is the milestone's
	// deadline as the round was published, before any move (null for a condition's).
	Due          domain.Date `json:"due"`
	PublishedDue domain.Date `json:"published_due"`
	// DaysOverdue is the days from Due to the day lateness is measured on, when that is after it.
	DaysOverdue int `json:"days_overdue"`
}

// OverdueAction is an outstanding action past its deadline, with the plan it holds up.
type OverdueAction struct {
	Outstanding
	LHCID  string `json:"lhc_id"`
	PlanID string `json:"plan_id,omitempty"`
	Round  string `json:"round"`
}

// ReturnStatus is how an SHA's return to CfH stands for a round.
type ReturnStatus struct {
	Round string `json:"round"`
	// Due is the round's sha_return deadline, or the day the SHA was registered if that is later;
	// PublishedDue the deadline as the round was published, before any move.
	Due            domain.Date `json:"due"`
	PublishedDue   domain.Date `json:"published_due"`
	Submitted      bool        `json:"submitted"`
	FirstSubmitted *time.Time  `json:"first_submitted_at"`
	Returns        int         `json:"returns"` // how many, the later superseding the earlier
	// DaysLate is, once submitted, the days from the deadline to the first return; before, the days
	// it is overdue on LatenessOn.
	DaysLate       int        `json:"days_late"`
	Acknowledged   bool       `json:"acknowledged"` // the return in force is
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	Queries        []string   `json:"queries"` // CfH's queries on the return in force
}

// SHAStatus returns the assurance status of every LHC in an SHA; round "" covers every round.
// Withdrawn plans are left out: they wait for nothing. Lateness is measured today.
func (p *Projector) SHAStatus(code, round string) (SHAStatus, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var views []*planView
	for _, v := range p.order {
		if v.sha == code {
			views = append(views, v)
		}
	}
	st, ok := p.shaStatusLocked(p.registry, p.returns, views, code, round, p.today())
	if ok {
		st.Cut = p.cutLocked(Latest)
	}
	return st, ok
}

// shaStatusLocked is SHA code's status from registry reg, the SHA's plan views (live ones read
// under p.mu) and returns, lateness measured on day on.
func (p *Projector) shaStatusLocked(reg *domain.Registry, returns map[string]*domain.SHAReturn, views []*planView, code, round string, on domain.Date) (SHAStatus, bool) {
	sha, ok := reg.Organisation(code)
	if !ok || sha.Kind != domain.KindSHA {
		return SHAStatus{}, false
	}
	cfh, _ := reg.CfH()
	out := SHAStatus{SHACode: code, Name: sha.Name, Round: round, LHCs: []LHCAssurance{}, Returns: []ReturnStatus{}, Overdue: []OverdueAction{}, LatenessOn: on}
	byLHC := map[string][]*planView{}
	for _, v := range views {
		if !v.plan.Withdrawn() && (round == "" || v.plan.Round() == round) {
			byLHC[v.plan.LHCID()] = append(byLHC[v.plan.LHCID()], v)
		}
	}
	overdue := func(o Outstanding, lhc, plan, r string) {
		if o.DaysOverdue > 0 {
			out.Overdue = append(out.Overdue, OverdueAction{Outstanding: o, LHCID: lhc, PlanID: plan, Round: r})
		}
	}
	for _, lhc := range reg.LHCs() {
		if lhc.SHACode != code {
			continue
		}
		la := LHCAssurance{LHCID: lhc.ID, Name: lhc.Name, LeadPCT: lhc.LeadPCT, Plans: []PlanProgress{}, Outstanding: []Outstanding{}}
		for _, v := range byLHC[lhc.ID] {
			pr := PlanProgress{PlanID: v.id, Round: v.plan.Round(), Status: v.plan.Status(), Version: v.plan.Version(),
				MembersUnaccounted: nonNil(v.plan.MembersUnaccounted(lhc))}
			pr.Outstanding = p.waitingFor(reg, v, lhc, code, cfh.ODSCode, on)
			for _, o := range pr.Outstanding {
				overdue(o, lhc.ID, v.id, pr.Round)
			}
			pr.PastAtSubmission = []string{}
			for _, it := range v.plan.Delivery() {
				if it.PastAtSubmission {
					pr.PastAtSubmission = append(pr.PastAtSubmission, it.Item)
				}
			}
			la.Plans = append(la.Plans, pr)
		}
		if round != "" && len(la.Plans) == 0 {
			rd, _ := reg.Round(round)
			due, _ := rd.Due(domain.MilestonePlanSubmission)
			o := outstandingBy(reg, Outstanding{Action: "plan_submission", From: lhc.LeadPCT}, due, on)
			o.PublishedDue = publishedDue(rd, domain.MilestonePlanSubmission)
			la.Outstanding = append(la.Outstanding, o)
			overdue(o, lhc.ID, "", round)
		}
		out.LHCs = append(out.LHCs, la)
	}
	for _, rd := range reg.Rounds() {
		if round != "" && rd.Round != round {
			continue
		}
		rs := returnStatus(returns[domain.ReturnID(code, rd.Round)], rd, registeredOn(p.registryLog, code), on)
		out.Returns = append(out.Returns, rs)
		if !rs.Submitted {
			o := outstandingBy(reg, Outstanding{Action: "sha_return", From: code}, rs.Due, on)
			o.PublishedDue = rs.PublishedDue
			overdue(o, "", "", rd.Round)
		}
	}
	slices.SortStableFunc(out.Overdue, func(a, b OverdueAction) int { return b.DaysOverdue - a.DaysOverdue })
	return out, true
}

// publishedDue is round rd's deadline for milestone as it was published; zero if it has none.
func publishedDue(rd domain.Round, milestone string) domain.Date {
	for _, m := range rd.Milestones {
		if m.ID == milestone {
			return m.PublishedDue
		}
	}
	return domain.Date{}
}

// outstandingBy is o named from the registry, due on due and overdue on day on if that is after it.
func outstandingBy(reg *domain.Registry, o Outstanding, due domain.Date, on domain.Date) Outstanding {
	if org, ok := reg.Organisation(o.From); ok {
		o.Name = org.Name
	}
	o.Due = due
	if !due.IsZero() && on.After(due) {
		o.DaysOverdue = domain.DaysBetween(due, on)
	}
	return o
}

// returnStatus is how the SHA's returns r (nil: none) stand for round rd on day on, for an SHA
// registered on day registered (zero: not known), from which its return is owed if that is after
// the round's deadline.
func returnStatus(r *domain.SHAReturn, rd domain.Round, registered, on domain.Date) ReturnStatus {
	due, _ := rd.Due(domain.MilestoneSHAReturn)
	if !due.IsZero() && registered.After(due) {
		due = registered
	}
	rs := ReturnStatus{Round: rd.Round, Due: due, PublishedDue: publishedDue(rd, domain.MilestoneSHAReturn), Queries: []string{}}
	if r == nil || !r.Exists() {
		if !due.IsZero() && on.After(due) {
			rs.DaysLate = domain.DaysBetween(due, on)
		}
		return rs
	}
	all := r.Returns()
	first := all[0].RecordedAt
	rs.Submitted, rs.FirstSubmitted, rs.Returns, rs.DaysLate = true, &first, len(all), domain.DaysLate(due, first)
	if k := all[len(all)-1].Acknowledgement; k != nil {
		at := k.RecordedAt
		rs.Acknowledged, rs.AcknowledgedAt, rs.Queries = true, &at, nonNil(k.Queries)
	}
	return rs
}

// waitingFor lists what plan v, of LHC lhc in SHA sha, waits for and by when, on day on.
func (p *Projector) waitingFor(reg *domain.Registry, v *planView, lhc domain.LHC, sha, cfh string, on domain.Date) []Outstanding {
	out := []Outstanding{}
	r := v.plan.Round()
	rd, _ := reg.Round(r)
	add := func(o Outstanding, d domain.Date) { out = append(out, outstandingBy(reg, o, d, on)) }
	// by adds o, due by milestone of the plan's round, naming the deadline as it stands and as it
	// was published.
	by := func(o Outstanding, milestone string) {
		d, _ := rd.Due(milestone)
		o = outstandingBy(reg, o, d, on)
		o.PublishedDue = publishedDue(rd, milestone)
		out = append(out, o)
	}
	cur := v.plan.Current()
	status := v.plan.Status()
	if status == domain.StatusSubmitted || status == domain.StatusSignedOff {
		for _, m := range v.plan.MembersUnaccounted(lhc) {
			by(Outstanding{Action: "member_response", From: m}, domain.MilestoneSHAAssurance)
		}
	}
	switch status {
	case domain.StatusSubmitted:
		for _, ods := range outstanding(v.lead, cur) {
			by(Outstanding{Action: "sro_signoff", From: ods}, domain.MilestoneSROSignOff)
		}
	case domain.StatusSignedOff:
		if len(v.plan.MembersUnaccounted(lhc)) == 0 {
			by(Outstanding{Action: "sha_assurance", From: sha}, domain.MilestoneSHAAssurance)
		}
	case domain.StatusNotAssured:
		by(Outstanding{Action: "revision", From: v.lead}, domain.MilestoneSHAAssurance)
	case domain.StatusAssured, domain.StatusAssuredWithConditions:
		switch a := cur.Assurance; {
		case a.ReflectedInPfITPlan:
			by(Outstanding{Action: "cfh_acknowledgement", From: cfh}, domain.MilestoneCfHAcknowledgement)
		case cur.CfHNote == nil:
			by(Outstanding{Action: "cfh_note", From: cfh}, domain.MilestoneCfHAcknowledgement)
		}
	}
	if a := cur.Assurance; a != nil && a.Outcome.Positive() && !v.plan.Withdrawn() {
		for _, c := range a.Conditions {
			if c.State != domain.ConditionStateOpen {
				continue
			}
			o := Outstanding{Action: "condition_evidence", From: v.lead, ConditionID: c.ID}
			if len(c.Evidence) > 0 {
				o.Action, o.From = "condition_review", sha
			}
			add(o, c.Due)
		}
	}
	return out
}

// SROEvidence is what an organisation's chief executives have signed as SRO.
type SROEvidence struct {
	ODSCode         string               `json:"ods_code"`
	Name            string               `json:"name"`
	Kind            domain.OrgKind       `json:"kind"`
	ChiefExecutives []domain.Appointment `json:"chief_executives"`
	SignOffs        []SROSignOff         `json:"signoffs"`
	// GovernanceBodies are the organisation's own informatics boards and the programme boards of
	// the LHCs it belongs to, with their chairs and terms over time: the governance its sign-offs
	// rest on. Each sign-off names the approval of its version by one of them.
	GovernanceBodies []domain.GovernanceBody `json:"governance_bodies"`
	Cut
}

// SROSignOff is one sign-off with what became of it.
type SROSignOff struct {
	PlanID      string    `json:"plan_id"`
	LHCID       string    `json:"lhc_id"`
	Round       string    `json:"round"`
	Version     int       `json:"version"`
	PersonID    string    `json:"person_id"`
	PersonName  string    `json:"person_name"`
	Statement   string    `json:"statement"`
	ContentHash string    `json:"content_hash"`
	RecordedAt  time.Time `json:"recorded_at"`
	EventID     string    `json:"event_id"`
	// SupersededByVersion is the revision that replaced the signed version, 0 while it is current.
	Superseded          bool           `json:"superseded"`
	SupersededByVersion int            `json:"superseded_by_version,omitempty"`
	PlanWithdrawn       bool           `json:"plan_withdrawn"`
	Assurance           *AssuranceView `json:"assurance"`
	Acknowledged        bool           `json:"acknowledged"`
	// BoardApproval is the organisation's first recorded approval of the signed version by a
	// governance body, recorded before the sign-off; null when none was (before the round asked
	// for one, or in a round that does not).
	BoardApproval *domain.BoardApproval `json:"board_approval"`
}

// GovernanceBodiesAsOf is every governance body the registry recorded once the event at pos had
// been recorded (Latest: now), by id, with the cut it is of.
func (p *Projector) GovernanceBodiesAsOf(pos eventstore.Position) ([]domain.GovernanceBody, Cut, error) {
	var out []domain.GovernanceBody
	cut, err := p.withRegistryAt(pos, func(r *domain.Registry) { out = nonNil(r.GovernanceBodies()) })
	return out, cut, err
}

// SROEvidence returns every sign-off made for an organisation, oldest first.
func (p *Projector) SROEvidence(ods string) (SROEvidence, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	org, ok := p.registry.Organisation(ods)
	if !ok {
		return SROEvidence{}, false
	}
	ev := SROEvidence{ODSCode: org.ODSCode, Name: org.Name, Kind: org.Kind, ChiefExecutives: nonNil(org.ChiefExecutives), SignOffs: []SROSignOff{},
		GovernanceBodies: bodiesOf(p.registry, ods), Cut: p.cutLocked(Latest)}
	for _, v := range p.signers[ods] {
		ev.SignOffs = append(ev.SignOffs, signOffsOf(org, v.id, v.plan)...)
	}
	sort.SliceStable(ev.SignOffs, func(i, j int) bool { return ev.SignOffs[i].RecordedAt.Before(ev.SignOffs[j].RecordedAt) })
	return ev, true
}

// signOffsOf lists the sign-offs org made on one plan, in every version, with what became of each.
func signOffsOf(org domain.Organisation, id string, plan *domain.Plan) []SROSignOff {
	var out []SROSignOff
	latest := plan.Version()
	for _, ver := range plan.Versions() {
		for _, s := range ver.SignOffs {
			if s.ODSCode != org.ODSCode {
				continue
			}
			so := SROSignOff{PlanID: id, LHCID: plan.LHCID(), Round: plan.Round(), Version: ver.Number,
				PersonID: s.PersonID, PersonName: personName(org, s.PersonID), Statement: s.Statement,
				ContentHash: s.ContentHash, RecordedAt: s.RecordedAt, EventID: s.EventID,
				PlanWithdrawn: plan.Withdrawn(), Assurance: assuranceView(ver.Assurance), Acknowledged: ver.Acknowledgement != nil}
			for _, a := range ver.Approvals {
				// One recorded after the sign-off supported nothing when it was made; the bundle
				// (evidence.Verify) reads only those before it too.
				if a.ODSCode == org.ODSCode && !a.RecordedAt.After(s.RecordedAt) {
					so.BoardApproval = &a
					break
				}
			}
			if ver.Number < latest {
				so.Superseded, so.SupersededByVersion = true, ver.Number+1
			}
			out = append(out, so)
		}
	}
	return out
}

func personName(org domain.Organisation, personID string) string {
	for i := len(org.ChiefExecutives) - 1; i >= 0; i-- {
		if org.ChiefExecutives[i].PersonID == personID {
			return org.ChiefExecutives[i].Name
		}
	}
	return ""
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// bodiesOf are the governance bodies behind organisation ods's sign-offs: its own, then those of
// the LHCs it is a member of, by id.
func bodiesOf(reg *domain.Registry, ods string) []domain.GovernanceBody {
	out := []domain.GovernanceBody{}
	for _, b := range reg.GovernanceBodies() {
		if b.ODSCode == ods {
			out = append(out, b)
		}
	}
	for _, b := range reg.GovernanceBodies() {
		if lhc, ok := reg.LHC(b.LHCID); ok && b.LHCID != "" && lhc.HasMember(ods) {
			out = append(out, b)
		}
	}
	return out
}
