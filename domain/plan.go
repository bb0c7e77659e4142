package domain

import (
	"slices"
	"time"
)

// Plan is one LHC's informatics plan for one planning round: the fold of its stream. Each revision
// starts a new Version; earlier versions, with their contributions, sign-offs and assurance, are kept.
type Plan struct {
	exists     bool
	id         string
	lhcID      string
	round      string
	period     Period
	leadPCT    string // the organisation that submitted the plan, which the rules make the LHC's lead PCT
	versions   []Version
	withdrawal *Withdrawal
	reports    []DeliveryReport // delivery reports, in order: against the plan, not a version
}

// Version is one version of a plan's content and everything recorded against it.
type Version struct {
	Number        int            `json:"version"`
	Content       Content        `json:"content"`
	ContentHash   string         `json:"content_hash"`
	SubmittedAt   time.Time      `json:"submitted_at"`
	EventID       string         `json:"event_id"`
	Reason        string         `json:"reason,omitempty"` // why it was revised; empty for version 1
	Contributors  []string       `json:"contributors"`     // distinct ODS codes, in order of first contribution
	Contributions []Contribution `json:"contributions"`
	SignOffs      []SignOff      `json:"signoffs"`
	// SignedOffAt is when every SRO the version needs (the lead PCT's and every contributor's) had
	// signed it; zero while any has not, so a new contributor clears it until it signs.
	SignedOffAt     time.Time        `json:"signed_off_at"`
	Declines        []Decline        `json:"declines"` // members that declined to contribute, in order
	Excusals        []Excusal        `json:"excusals"` // members the SHA excused, in order
	Assurance       *Assurance       `json:"assurance"`
	Acknowledgement *Acknowledgement `json:"acknowledgement"`
	CfHNote         *CfHNote         `json:"cfh_note"` // CfH's note of an assurance it could not acknowledge
	// Approvals are the governance bodies' approvals of the version, in order.
	Approvals []BoardApproval `json:"board_approvals"`
	// Digest is what the read models keep of the content (ContentDigest): the current version's
	// only, since a revision releases the one it supersedes. Shared, never changed.
	Digest *ContentDigest `json:"-"`
}

// Decline is a member's refusal to contribute to a version.
type Decline struct {
	Version    int       `json:"version"`
	ODSCode    string    `json:"ods_code"`
	Reason     string    `json:"reason"`
	RecordedAt time.Time `json:"recorded_at"`
	EventID    string    `json:"event_id"`
}

// Excusal is the SHA's excusing a member from contributing to a version.
type Excusal struct {
	Version    int       `json:"version"`
	ODSCode    string    `json:"ods_code"`
	Reason     string    `json:"reason"`
	RecordedAt time.Time `json:"recorded_at"`
	EventID    string    `json:"event_id"`
}

// CfHNote is CfH's note of an assurance it cannot acknowledge.
type CfHNote struct {
	Version    int       `json:"version"`
	Note       string    `json:"note"`
	ODSCode    string    `json:"ods_code"`
	RecordedAt time.Time `json:"recorded_at"`
	EventID    string    `json:"event_id"`
}

// Contribution is a provider's contribution to one section of a version.
type Contribution struct {
	Version        int       `json:"version"`
	ContributorODS string    `json:"contributor_ods"`
	Section        string    `json:"section"`
	Summary        string    `json:"summary"`
	DocumentSHA256 string    `json:"document_sha256,omitempty"`
	RecordedAt     time.Time `json:"recorded_at"`
	EventID        string    `json:"event_id"`
}

// SignOff is a senior responsible owner's sign-off of exactly the content with ContentHash.
type SignOff struct {
	Version     int       `json:"version"`
	ODSCode     string    `json:"ods_code"`
	PersonID    string    `json:"person_id"`
	Statement   string    `json:"statement"`
	ContentHash string    `json:"content_hash"`
	RecordedAt  time.Time `json:"recorded_at"`
	EventID     string    `json:"event_id"`
}

// Assurance is an SHA's judgement of a version.
type Assurance struct {
	Version             int               `json:"version"`
	SHACode             string            `json:"sha_code"`
	Outcome             Outcome           `json:"outcome"`
	Criteria            []Criterion       `json:"criteria"`
	Conditions          []ConditionRecord `json:"conditions"`
	ReflectedInPfITPlan bool              `json:"reflected_in_pfit_plan"`
	PfIT                string            `json:"pfit"`
	RecordedAt          time.Time         `json:"recorded_at"`
	EventID             string            `json:"event_id"`
}

// ConditionState is where a condition stands.
type ConditionState string

const (
	ConditionStateOpen       ConditionState = "open"
	ConditionStateDischarged ConditionState = "discharged" // the SHA accepted the evidence
	ConditionStateLapsed     ConditionState = "lapsed"     // the SHA recorded it was not met in time
)

// ConditionRecord is a condition of an assurance and its follow-up.
type ConditionRecord struct {
	ID        string              `json:"id"`
	Text      string              `json:"text"`
	Criterion string              `json:"criterion"`
	Due       Date                `json:"due"`
	State     ConditionState      `json:"state"`
	Evidence  []ConditionEvidence `json:"evidence"`
	// Note, ClosedAt and ClosedEventID are the SHA's, once it discharged the condition or let it lapse.
	Note          string    `json:"note"`
	ClosedAt      time.Time `json:"closed_at"`
	ClosedEventID string    `json:"closed_event_id"`
}

// ConditionEvidence is what the lead PCT submitted to show a condition is met.
type ConditionEvidence struct {
	Summary        string    `json:"summary"`
	DocumentSHA256 string    `json:"document_sha256,omitempty"`
	RecordedAt     time.Time `json:"recorded_at"`
	EventID        string    `json:"event_id"`
}

// Overdue reports whether the condition is open after its due date on day.
func (c ConditionRecord) Overdue(day Date) bool {
	return c.State == ConditionStateOpen && !c.Due.IsZero() && day.After(c.Due)
}

// condition returns the index of the assurance's condition id.
func (a *Assurance) condition(id string) int {
	for i, c := range a.Conditions {
		if c.ID == id {
			return i
		}
	}
	return -1
}

// Acknowledgement is NHS Connecting for Health's acknowledgement of an assurance.
type Acknowledgement struct {
	Version          int       `json:"version"`
	AssuranceEventID string    `json:"assurance_event_id"`
	Note             string    `json:"note"`
	ODSCode          string    `json:"ods_code"` // the acknowledging organisation, from the event's actor
	RecordedAt       time.Time `json:"recorded_at"`
	EventID          string    `json:"event_id"`
}

// Withdrawal records that, and why, a plan was withdrawn.
type Withdrawal struct {
	Reason     string    `json:"reason"`
	RecordedAt time.Time `json:"recorded_at"`
	EventID    string    `json:"event_id"`
}

// NewPlan returns a plan that has not been submitted.
func NewPlan() *Plan { return &Plan{} }

// Exists reports whether the plan has been submitted.
func (p *Plan) Exists() bool { return p.exists }

func (p *Plan) ID() string     { return p.id }
func (p *Plan) LHCID() string  { return p.lhcID }
func (p *Plan) Round() string  { return p.round }
func (p *Plan) Period() Period { return p.period }

// LeadPCT is the ODS code of the PCT that submitted the plan and leads its LHC.
func (p *Plan) LeadPCT() string { return p.leadPCT }

// Withdrawn reports whether the plan has been withdrawn.
func (p *Plan) Withdrawn() bool { return p.withdrawal != nil }

// Withdrawal returns the withdrawal, or nil if the plan is live.
func (p *Plan) Withdrawal() *Withdrawal {
	if p.withdrawal == nil {
		return nil
	}
	w := *p.withdrawal
	return &w
}

// Version is the current version number, 0 before submission.
func (p *Plan) Version() int { return len(p.versions) }

// Current returns the current version; the zero Version before submission.
func (p *Plan) Current() Version {
	if len(p.versions) == 0 {
		return Version{}
	}
	return p.versions[len(p.versions)-1].clone()
}

// Versions returns every version, oldest first.
func (p *Plan) Versions() []Version {
	out := make([]Version, len(p.versions))
	for i, v := range p.versions {
		out[i] = v.clone()
	}
	return out
}

// VisitVersions calls fn with every version, oldest first, without copying them: fn must neither
// keep nor change anything it is given. It is for a reader that copies out what it needs (the
// projections' views of a plan), for which Versions' deep copies were a second copy of everything.
func (p *Plan) VisitVersions(fn func(Version)) {
	for _, v := range p.versions {
		fn(v)
	}
}

// SubmittedAt is when version 1 was recorded.
func (p *Plan) SubmittedAt() time.Time {
	if len(p.versions) == 0 {
		return time.Time{}
	}
	return p.versions[0].SubmittedAt
}

// Status is where the plan stands, derived from its current version.
func (p *Plan) Status() Status {
	switch {
	case !p.exists:
		return ""
	case p.withdrawal != nil:
		return StatusWithdrawn
	}
	v := p.current()
	switch {
	case v.Acknowledgement != nil:
		return StatusAcknowledged
	case v.Assurance != nil:
		return v.Assurance.Outcome.status()
	}
	// Every signatory has signed (outstanding is empty): counted, as the projections ask after
	// every event and a list would be built only to be found empty.
	if required, signed := p.SignOffTally(p.leadPCT); signed == required {
		return StatusSignedOff
	}
	return StatusSubmitted
}

// ForgetContent empties the current version's content and keeps its hash. A holder of many plans
// (the projections) calls it after each submission or revision and reads content from the log when
// it is asked for, since content is most of a plan's size. Current and Versions then give an empty
// Content for that version; nothing else changes.
func (p *Plan) ForgetContent() {
	if len(p.versions) > 0 {
		p.current().Content = Content{}
	}
}

// CurrentContentHash is the content hash of the current version; empty before submission. It is
// Current().ContentHash without copying the version.
func (p *Plan) CurrentContentHash() string {
	if len(p.versions) == 0 {
		return ""
	}
	return p.current().ContentHash
}

// SignOffTally counts, for the current version, the organisations whose sign-off it needs when lead
// leads the LHC (lead and every contributor, each once) and how many of them have signed. A plan not
// submitted or withdrawn needs none. Reports call it after every event, so it copies nothing.
func (p *Plan) SignOffTally(lead string) (required, signed int) {
	if !p.exists || p.withdrawal != nil {
		return 0, 0
	}
	v := p.current()
	count := func(org string) {
		required++
		if _, ok := v.signOff(org); ok {
			signed++
		}
	}
	count(lead)
	for _, c := range v.Contributors {
		if c != lead {
			count(c)
		}
	}
	return required, signed
}

// OutstandingSignOffs lists the organisations that must still sign off the current version before it
// can be assured: the lead PCT first, then contributors in order of first contribution.
func (p *Plan) OutstandingSignOffs() []string {
	if !p.exists {
		return nil
	}
	return p.current().outstanding(p.leadPCT)
}

// current is the current version itself, for reading and folding; callers outside get clones.
func (p *Plan) current() *Version { return &p.versions[len(p.versions)-1] }

// signatories are the organisations whose sign-off the version needs: the lead PCT and every
// contributor.
func (v *Version) signatories(leadPCT string) []string {
	out := []string{leadPCT}
	for _, c := range v.Contributors {
		if c != leadPCT {
			out = append(out, c)
		}
	}
	return out
}

func (v *Version) outstanding(leadPCT string) []string {
	var out []string
	for _, org := range v.signatories(leadPCT) {
		if _, ok := v.signOff(org); !ok {
			out = append(out, org)
		}
	}
	return out
}

// accounted says how member ods stands towards version v: contributed, declined, excused, or not
// at all.
func (v *Version) accounted(ods string) MemberState {
	switch {
	case slices.Contains(v.Contributors, ods):
		return MemberStateContributed
	case slices.ContainsFunc(v.Declines, func(d Decline) bool { return d.ODSCode == ods }):
		return MemberStateDeclined
	case slices.ContainsFunc(v.Excusals, func(x Excusal) bool { return x.ODSCode == ods }):
		return MemberStateExcused
	}
	return MemberStateUnaccounted
}

// signOff returns the version's sign-off by the organisation ods.
func (v *Version) signOff(ods string) (SignOff, bool) {
	for _, s := range v.SignOffs {
		if s.ODSCode == ods {
			return s, true
		}
	}
	return SignOff{}, false
}

func (v Version) clone() Version {
	v.Content = v.Content.Clone()
	v.Contributors = slices.Clone(v.Contributors)
	v.Contributions = slices.Clone(v.Contributions)
	v.SignOffs = slices.Clone(v.SignOffs)
	if v.Assurance != nil {
		a := *v.Assurance
		a.Criteria = slices.Clone(a.Criteria)
		a.Conditions = cloneConditions(a.Conditions)
		v.Assurance = &a
	}
	if v.Acknowledgement != nil {
		a := *v.Acknowledgement
		v.Acknowledgement = &a
	}
	v.Declines, v.Excusals = slices.Clone(v.Declines), slices.Clone(v.Excusals)
	v.Approvals = slices.Clone(v.Approvals)
	if v.CfHNote != nil {
		n := *v.CfHNote
		v.CfHNote = &n
	}
	return v
}

// cloneConditions is a deep copy of the conditions.
func cloneConditions(cs []ConditionRecord) []ConditionRecord {
	out := slices.Clone(cs)
	for i := range out {
		out[i].Evidence = slices.Clone(out[i].Evidence)
	}
	return out
}
