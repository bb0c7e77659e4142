package projections

import (
	"slices"
	"time"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
)

// PlanState is a plan as GET /v1/plans/{id} shows it.
type PlanState struct {
	PlanID       string         `json:"plan_id"`
	LHCID        string         `json:"lhc_id"`
	SHACode      string         `json:"sha_code"`
	Round        string         `json:"round"`
	Status       domain.Status  `json:"status"`
	Version      int            `json:"version"`
	Period       domain.Period  `json:"period"`
	ContentHash  string         `json:"content_hash"`
	Content      domain.Content `json:"content"`
	SignOffs     []SignOffView  `json:"signoffs"`
	Contributors []string       `json:"contributors"`
	// Outstanding lists the organisations whose SRO sign-off the current version still needs.
	Outstanding     []string       `json:"outstanding_signoffs"`
	Assurance       *AssuranceView `json:"assurance"`
	Acknowledged    bool           `json:"acknowledged"`
	Withdrawn       bool           `json:"withdrawn"`
	SubmittedAt     time.Time      `json:"submitted_at"`
	Revision        uint64         `json:"revision"`
	Position        uint64         `json:"position"`
	Cut                            // the prefix of the log the answer is of
	VersionsHistory []VersionView  `json:"versions"`

	// SubmittedOnTime says whether version 1 was recorded by the round's plan_submission deadline;
	// null when the round is not published.
	SubmittedOnTime *bool `json:"submitted_on_time"`
	// Milestones are how the plan stands against each of its round's deadlines it meets itself.
	Milestones []MilestoneView `json:"milestones"`
	// Conditions are the current version's assurance's conditions with their follow-up.
	Conditions []ConditionView `json:"conditions"`
	// SupersededConditions are the conditions of earlier versions' assurances still open when the
	// plan was revised: never met, and no longer followed up.
	SupersededConditions []ConditionView `json:"superseded_conditions"`
	// Members is how each member of the LHC but the lead PCT stands towards the current version,
	// and MembersUnaccounted those that have neither contributed, declined nor been excused.
	Members            []domain.MemberAccount `json:"members"`
	MembersUnaccounted []string               `json:"members_unaccounted"`
	// CfHNote is CfH's note of the current version's assurance, when it could not acknowledge it.
	CfHNote *NoteView `json:"cfh_note"`
	// LatenessOn is the day overdue milestones and conditions are counted to: today for the current
	// plan, the as-of day otherwise.
	LatenessOn domain.Date `json:"lateness_on"`
	// Delivery is where each delivery item stands on LatenessOn (GET .../delivery has the reports);
	// BoardApprovals the governance bodies' approvals of the current version.
	Delivery       []ItemView             `json:"delivery"`
	BoardApprovals []domain.BoardApproval `json:"board_approvals"`
}

// SignOffView is one SRO sign-off.
type SignOffView struct {
	ODSCode     string    `json:"ods_code"`
	PersonID    string    `json:"person_id"`
	Version     int       `json:"version"`
	ContentHash string    `json:"content_hash"`
	RecordedAt  time.Time `json:"recorded_at"`
	EventID     string    `json:"event_id"`
}

// AssuranceView is an SHA's assurance of one version. Conditions are the conditions' texts, as
// the API has always given them; the conditions with their ids, criteria, due dates and follow-up
// are the plan's (PlanState.Conditions).
type AssuranceView struct {
	Outcome             domain.Outcome  `json:"outcome"`
	Version             int             `json:"version"`
	SHACode             string          `json:"sha_code"`
	Criteria            []CriterionView `json:"criteria"`
	Conditions          []string        `json:"conditions"`
	ReflectedInPfITPlan bool            `json:"reflected_in_pfit_plan"`
	PfIT                string          `json:"pfit"`
	RecordedAt          time.Time       `json:"recorded_at"`
	EventID             string          `json:"event_id"`
}

// CriterionView is an assurance's rating of one criterion. Met is true for green: clients of the
// API from before ratings read it as they did.
type CriterionView struct {
	ID     string        `json:"id"`
	Rating domain.Rating `json:"rating"`
	Met    bool          `json:"met"`
	Note   string        `json:"note"`
}

// VersionView summarises one version of a plan, so earlier versions and their sign-offs stay visible.
type VersionView struct {
	Version      int            `json:"version"`
	ContentHash  string         `json:"content_hash"`
	SubmittedAt  time.Time      `json:"submitted_at"`
	Reason       string         `json:"reason,omitempty"`
	Contributors []string       `json:"contributors"`
	SignOffs     []SignOffView  `json:"signoffs"`
	Assurance    *AssuranceView `json:"assurance"`
	Acknowledged bool           `json:"acknowledged"`
	CfHNote      *NoteView      `json:"cfh_note"`
	// BoardApprovals are the governance bodies' approvals of the version.
	BoardApprovals []domain.BoardApproval `json:"board_approvals"`
}

// planState is plan p as PlanState shows it, sharing no memory with p (callers get it to keep):
// the versions are visited in place and only what the views hold is copied.
func planState(id, sha, lead string, p *domain.Plan, revision uint64, position eventstore.Position, pc planContext) PlanState {
	st := PlanState{
		PlanID: id, LHCID: p.LHCID(), SHACode: sha, Round: p.Round(), Status: p.Status(),
		Version: p.Version(), Period: p.Period(), SignOffs: []SignOffView{}, Outstanding: []string{},
		Withdrawn: p.Withdrawn(), Revision: revision, Position: position,
		VersionsHistory: make([]VersionView, 0, p.Version()),
	}
	var cur domain.Version
	p.VisitVersions(func(v domain.Version) {
		vv := versionView(v)
		st.VersionsHistory = append(st.VersionsHistory, vv)
		st.SignOffs = append(st.SignOffs, vv.SignOffs...)
		if st.SubmittedAt.IsZero() {
			st.SubmittedAt = v.SubmittedAt
		}
		cur = v
	})
	if len(st.VersionsHistory) == 0 {
		st.VersionsHistory = nil // as appending to none gave before
	}
	st.ContentHash, st.Content = cur.ContentHash, cur.Content.Clone()
	st.Contributors = cloneNonNil(cur.Contributors)
	st.Assurance = assuranceView(cur.Assurance)
	st.Acknowledged = cur.Acknowledgement != nil
	if !p.Withdrawn() {
		st.Outstanding = outstanding(lead, cur)
	}
	st.LatenessOn = pc.on
	st.Milestones = make([]MilestoneView, 0, len(planMilestones))
	for _, m := range planMilestones {
		mv := milestoneView(m, pc.due(m), doneAt(p, m), p.Withdrawn(), pc.on)
		mv.PublishedDue, mv.Changes = pc.moves(m)
		st.Milestones = append(st.Milestones, mv)
	}
	switch st.Milestones[0].Status {
	case MilestoneMet:
		st.SubmittedOnTime = new(true)
	case MilestoneLate:
		st.SubmittedOnTime = new(false)
	}
	st.Conditions = conditionViews(cur.Assurance, pc.on)
	st.SupersededConditions = []ConditionView{}
	p.VisitVersions(func(v domain.Version) {
		if v.Number == cur.Number || v.Assurance == nil {
			return
		}
		for _, c := range conditionViews(v.Assurance, pc.on) {
			if c.State == domain.ConditionStateOpen {
				// Superseded: no longer followed up, so not overdue either.
				c.Overdue, c.DaysLate = false, 0
				st.SupersededConditions = append(st.SupersededConditions, c)
			}
		}
	})
	st.Members, st.MembersUnaccounted = []domain.MemberAccount{}, []string{}
	if pc.lhcOK {
		st.Members = nonNil(p.MemberAccounts(pc.lhc))
		st.MembersUnaccounted = nonNil(p.MembersUnaccounted(pc.lhc))
	}
	st.CfHNote = noteView(cur.CfHNote)
	st.Delivery = itemViews(p, pc.on)
	st.BoardApprovals = cloneNonNil(cur.Approvals)
	return st
}

// versionView is v as VersionView shows it, sharing no memory with v.
func versionView(v domain.Version) VersionView {
	vv := VersionView{Version: v.Number, ContentHash: v.ContentHash, SubmittedAt: v.SubmittedAt, Reason: v.Reason,
		Contributors: cloneNonNil(v.Contributors), SignOffs: make([]SignOffView, 0, len(v.SignOffs)), Assurance: assuranceView(v.Assurance),
		Acknowledged: v.Acknowledgement != nil, CfHNote: noteView(v.CfHNote), BoardApprovals: cloneNonNil(v.Approvals)}
	for _, s := range v.SignOffs {
		vv.SignOffs = append(vv.SignOffs, SignOffView{ODSCode: s.ODSCode, PersonID: s.PersonID, Version: s.Version,
			ContentHash: s.ContentHash, RecordedAt: s.RecordedAt, EventID: s.EventID})
	}
	return vv
}

// assuranceView is a as AssuranceView shows it, sharing no memory with a.
func assuranceView(a *domain.Assurance) *AssuranceView {
	if a == nil {
		return nil
	}
	v := &AssuranceView{Outcome: a.Outcome, Version: a.Version, SHACode: a.SHACode, Criteria: make([]CriterionView, len(a.Criteria)),
		Conditions: make([]string, len(a.Conditions)), ReflectedInPfITPlan: a.ReflectedInPfITPlan, PfIT: a.PfIT,
		RecordedAt: a.RecordedAt, EventID: a.EventID}
	for i, c := range a.Criteria {
		v.Criteria[i] = CriterionView{ID: c.ID, Rating: c.Rating, Met: c.Rating == domain.RatingGreen, Note: c.Note}
	}
	for i, c := range a.Conditions {
		v.Conditions[i] = c.Text
	}
	return v
}

// outstanding lists who must still sign the version: the lead PCT first, then contributors in the
// order they contributed.
func outstanding(lead string, v domain.Version) []string {
	signed := map[string]bool{}
	for _, s := range v.SignOffs {
		signed[s.ODSCode] = true
	}
	out := []string{}
	for _, ods := range append([]string{lead}, v.Contributors...) {
		if !signed[ods] {
			out = append(out, ods)
			signed[ods] = true // a contributor that is also the lead is listed once
		}
	}
	return out
}

// cloneNonNil is a copy of s, empty rather than nil.
func cloneNonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clone(s)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
