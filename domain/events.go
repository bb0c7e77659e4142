package domain

import "time"

// EventData is the data of one event. Its type name and JSON shape are public interface (docs/design.md
// §3): stored logs hold them for ever, so fields may be added but never renamed.
type EventData interface {
	EventType() string
}

// Event is an event as folds consume it: its data, its metadata, and what the ledger derived from
// its stored form.
type Event struct {
	Data EventData
	Meta Metadata
	// ContentHash is the hash of the content a version event (PlanSubmitted, PlanRevised) carries,
	// set by whoever read or sealed the event: the content's canonical form is the wire format's
	// business, and the rules only compare hashes. A version event without one does not fold.
	ContentHash string
	// Digest, when set, is the digest of a version event's content made by a reader that left the
	// content out (eventcodec.DecodeEnvelopeFold); folding takes it instead of digesting the
	// (empty) content. nil for every other event and reader.
	Digest *ContentDigest
}

// VersionEvent is an event that starts a version of a plan: it carries the version's number and
// content.
type VersionEvent interface {
	EventData
	VersionContent() (version int, content Content)
	// WithoutContent is the event with its content left out, for a holder that keeps only the
	// content's hash (see Plan.ForgetContent).
	WithoutContent() EventData
}

// Event type names.
const (
	TypeOrganisationRegistered             = "OrganisationRegistered"
	TypeChiefExecutiveAppointed            = "ChiefExecutiveAppointed"
	TypeLocalHealthCommunityFormed         = "LocalHealthCommunityFormed"
	TypeLocalHealthCommunityMembersChanged = "LocalHealthCommunityMembersChanged"
	TypePlanSubmitted                      = "PlanSubmitted"
	TypePlanRevised                        = "PlanRevised"
	TypeContributionRecorded               = "ContributionRecorded"
	TypeSROSignedOff                       = "SROSignedOff"
	TypeAssuranceRecorded                  = "AssuranceRecorded"
	TypeCfHAcknowledged                    = "CfHAcknowledged"
	TypePlanWithdrawn                      = "PlanWithdrawn"

	TypePlanningRoundPublished     = "PlanningRoundPublished"
	TypeRoundMilestoneChanged      = "RoundMilestoneChanged"
	TypePfITRegistered             = "PfITRegistered"
	TypeSHAAssignedToPfIT          = "SHAAssignedToPfIT"
	TypeContributionDeclined       = "ContributionDeclined"
	TypeMemberExcused              = "MemberExcused"
	TypeConditionEvidenceSubmitted = "ConditionEvidenceSubmitted"
	TypeConditionDischarged        = "ConditionDischarged"
	TypeConditionLapsed            = "ConditionLapsed"
	TypeCfHNoted                   = "CfHNoted"
	TypeSHAReturnSubmitted         = "SHAReturnSubmitted"
	TypeCfHReturnAcknowledged      = "CfHReturnAcknowledged"

	TypeGovernanceBodyRecorded = "GovernanceBodyRecorded"
	TypeMilestoneReported      = "MilestoneReported"
	TypeBoardApprovalRecorded  = "BoardApprovalRecorded"
)

// Registry stream events.

type OrganisationRegistered struct {
	ODSCode string  `json:"ods_code"`
	Name    string  `json:"name"`
	Kind    OrgKind `json:"kind"`
	SHACode string  `json:"sha_code"` // parent SHA; empty for an SHA and for CfH
}

type ChiefExecutiveAppointed struct {
	ODSCode       string    `json:"ods_code"`
	PersonID      string    `json:"person_id"`
	Name          string    `json:"name"`
	EffectiveFrom time.Time `json:"effective_from"`
}

type LocalHealthCommunityFormed struct {
	LHCID   string   `json:"lhc_id"`
	Name    string   `json:"name"`
	LeadPCT string   `json:"lead_pct"`
	SHACode string   `json:"sha_code"`
	Members []string `json:"members"` // always includes the lead PCT
}

type LocalHealthCommunityMembersChanged struct {
	LHCID   string   `json:"lhc_id"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// Plan stream events.

type PlanSubmitted struct {
	PlanID  string  `json:"plan_id"`
	LHCID   string  `json:"lhc_id"`
	Round   string  `json:"round"`
	Version int     `json:"version"` // always 1
	Period  Period  `json:"period"`
	Content Content `json:"content"`
}

type PlanRevised struct {
	Version int     `json:"version"`
	Content Content `json:"content"`
	Reason  string  `json:"reason"`
}

type ContributionRecorded struct {
	Version        int    `json:"version"`
	ContributorODS string `json:"contributor_ods"`
	Section        string `json:"section"`
	Summary        string `json:"summary"`
	DocumentSHA256 string `json:"document_sha256,omitempty"`
}

type SROSignedOff struct {
	Version     int    `json:"version"`
	ODSCode     string `json:"ods_code"`
	PersonID    string `json:"person_id"`
	Statement   string `json:"statement"`
	ContentHash string `json:"content_hash"`
}

// AssuranceRecorded is the SHA's judgement of a version. Schema version 2 rates each criterion of
// the round's catalogue (schema 1 said met or not, and gave conditions as bare text: upcast, see
// eventcodec.Shapes).
type AssuranceRecorded struct {
	Version             int         `json:"version"`
	SHACode             string      `json:"sha_code"`
	Outcome             Outcome     `json:"outcome"`
	Criteria            []Criterion `json:"criteria"`
	Conditions          []Condition `json:"conditions"`
	ReflectedInPfITPlan bool        `json:"reflected_in_pfit_plan"`
	PfIT                string      `json:"pfit"` // the SHA's PfIT (PfITRegistered.pfit_id); free text before schema 2
}

// Criterion is the rating of one criterion of the round's catalogue.
type Criterion struct {
	ID     string `json:"id"`
	Rating Rating `json:"rating"`
	Note   string `json:"note"`
}

// Condition is a condition an assurance attaches, naming the criterion rated amber that it answers.
// Conditions upcast from schema 1 have no criterion and no due date.
type Condition struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Criterion string `json:"criterion"`
	Due       Date   `json:"due"`
}

type CfHAcknowledged struct {
	Version          int    `json:"version"`
	AssuranceEventID string `json:"assurance_event_id"`
	Note             string `json:"note"`
}

type PlanWithdrawn struct {
	Reason string `json:"reason"`
}

// ContributionDeclined: a member of the LHC says it will not contribute to a version.
type ContributionDeclined struct {
	Version int    `json:"version"`
	ODSCode string `json:"ods_code"`
	Reason  string `json:"reason"`
}

// MemberExcused: the SHA excuses a member of the LHC from contributing to a version.
type MemberExcused struct {
	Version int    `json:"version"`
	ODSCode string `json:"ods_code"`
	Reason  string `json:"reason"`
}

// ConditionEvidenceSubmitted: the lead PCT gives evidence that a condition of the version's
// assurance is met.
type ConditionEvidenceSubmitted struct {
	Version        int    `json:"version"`
	ConditionID    string `json:"condition_id"`
	Summary        string `json:"summary"`
	DocumentSHA256 string `json:"document_sha256,omitempty"`
}

// ConditionDischarged: the SHA accepts that a condition is met.
type ConditionDischarged struct {
	Version     int    `json:"version"`
	ConditionID string `json:"condition_id"`
	Note        string `json:"note"`
}

// ConditionLapsed: the SHA records that a condition was not met by its due date.
type ConditionLapsed struct {
	Version     int    `json:"version"`
	ConditionID string `json:"condition_id"`
	Note        string `json:"note"`
}

// CfHNoted: CfH notes an assurance it cannot acknowledge (not assured, or not reflected in the PfIT
// plan).
type CfHNoted struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
}

// Registry events of the assurance process: planning rounds and the programmes for IT.

// PlanningRoundPublished publishes a planning round: its guidance, the financial years its plans
// cover, its timetable and its catalogue of assurance criteria.
type PlanningRoundPublished struct {
	Round              string               `json:"round"`
	Title              string               `json:"title"`
	GuidanceRef        string               `json:"guidance_ref"`
	PublishedOn        Date                 `json:"published_on"`
	FirstFinancialYear int                  `json:"first_financial_year"`
	MinYears           int                  `json:"min_years"`
	Milestones         []Milestone          `json:"milestones"`
	Criteria           []CatalogueCriterion `json:"criteria"`
	// BoardApprovalRequired (schema version 3) says a chief executive signs a version off only
	// after their organisation's governance body has approved it. Rounds published before read
	// false.
	BoardApprovalRequired bool `json:"board_approval_required"`
}

// Milestone is one deadline of a round's timetable.
type Milestone struct {
	ID  string `json:"id"`
	Due Date   `json:"due"`
}

// CatalogueCriterion is one criterion every assurance of the round rates.
type CatalogueCriterion struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// RoundMilestoneChanged moves one deadline of a published round.
type RoundMilestoneChanged struct {
	Round     string `json:"round"`
	Milestone string `json:"milestone"`
	Due       Date   `json:"due"`
	Reason    string `json:"reason"`
}

// PfITRegistered registers a regional programme for IT (an NPfIT local programme).
type PfITRegistered struct {
	PfITID string `json:"pfit_id"`
	Name   string `json:"name"`
}

// SHAAssignedToPfIT says which programme for IT an SHA's plans are reflected in, from now on.
type SHAAssignedToPfIT struct {
	SHACode string `json:"sha_code"`
	PfITID  string `json:"pfit_id"`
}

// SHA return stream events.

// SHAReturnSubmitted is an SHA's return to CfH for a round: every LHC of the SHA accounted for by
// an assured plan or an exception, and the PfIT plan they are reflected in. A later return of the
// same SHA and round supersedes it.
type SHAReturnSubmitted struct {
	SHACode      string            `json:"sha_code"`
	Round        string            `json:"round"`
	AsOfPosition uint64            `json:"as_of_position"`
	Plans        []ReturnedPlan    `json:"plans"`
	Exceptions   []ReturnException `json:"exceptions"`
	PfITPlanRef  PfITPlanRef       `json:"pfit_plan_ref"`
}

// ReturnedPlan is one assured plan in a return, as its assurance stood.
type ReturnedPlan struct {
	PlanID              string  `json:"plan_id"`
	Version             int     `json:"version"`
	AssuranceEventID    string  `json:"assurance_event_id"`
	Outcome             Outcome `json:"outcome"`
	ReflectedInPfITPlan bool    `json:"reflected_in_pfit_plan"`
	// Reason says why a plan the PfIT plan does not reflect is returned as assured: required then,
	// and only then.
	Reason string `json:"reason,omitempty"`
}

// ReturnException is an LHC a return accounts for without an assured plan, and why.
type ReturnException struct {
	LHCID  string `json:"lhc_id"`
	Reason string `json:"reason"`
}

// PfITPlanRef names the PfIT plan document the return's plans are reflected in.
type PfITPlanRef struct {
	Title          string `json:"title"`
	Version        string `json:"version"`
	DocumentSHA256 string `json:"document_sha256"`
}

// CfHReturnAcknowledged is CfH's acknowledgement of an SHA's return, with any queries it raises.
type CfHReturnAcknowledged struct {
	ReturnEventID string   `json:"return_event_id"`
	Note          string   `json:"note"`
	Queries       []string `json:"queries"`
}

// Events of delivery and governance (schema version 3).

// GovernanceBodyRecorded records an IT governance body: an organisation's informatics board or an
// LHC's programme board, its chair and its terms of reference, from a date. Recorded again under
// the same id, from a later date, it records the body's new chair or terms.
type GovernanceBodyRecorded struct {
	BodyID                 string `json:"body_id"`
	Name                   string `json:"name"`
	ODSCode                string `json:"ods_code"` // the organisation, for an organisation's board; else empty
	LHCID                  string `json:"lhc_id"`   // the LHC, for an LHC's programme board; else empty
	Kind                   string `json:"kind"`
	ChairPersonID          string `json:"chair_person_id"`
	TermsOfReferenceSHA256 string `json:"terms_of_reference_sha256"`
	EffectiveFrom          Date   `json:"effective_from"`
}

// MilestoneReported reports where one delivery item of a plan stands: by the lead PCT or a member
// provider, against the plan rather than a version.
type MilestoneReported struct {
	Item       string `json:"item"`
	Status     string `json:"status"`
	ActualDate Date   `json:"actual_date"`
	Note       string `json:"note"`
}

// BoardApprovalRecorded records that an organisation's governance body approved a version of the
// plan (and so its content hash), at a meeting, in minutes whose document is hashed.
type BoardApprovalRecorded struct {
	Version        int    `json:"version"`
	ODSCode        string `json:"ods_code"`
	BodyID         string `json:"body_id"`
	MeetingDate    Date   `json:"meeting_date"`
	MinuteRef      string `json:"minute_ref"`
	DocumentSHA256 string `json:"document_sha256"`
}

func (GovernanceBodyRecorded) EventType() string { return TypeGovernanceBodyRecorded }
func (MilestoneReported) EventType() string      { return TypeMilestoneReported }
func (BoardApprovalRecorded) EventType() string  { return TypeBoardApprovalRecorded }

func (OrganisationRegistered) EventType() string     { return TypeOrganisationRegistered }
func (ChiefExecutiveAppointed) EventType() string    { return TypeChiefExecutiveAppointed }
func (LocalHealthCommunityFormed) EventType() string { return TypeLocalHealthCommunityFormed }
func (LocalHealthCommunityMembersChanged) EventType() string {
	return TypeLocalHealthCommunityMembersChanged
}
func (PlanSubmitted) EventType() string        { return TypePlanSubmitted }
func (PlanRevised) EventType() string          { return TypePlanRevised }
func (ContributionRecorded) EventType() string { return TypeContributionRecorded }
func (SROSignedOff) EventType() string         { return TypeSROSignedOff }
func (AssuranceRecorded) EventType() string    { return TypeAssuranceRecorded }
func (CfHAcknowledged) EventType() string      { return TypeCfHAcknowledged }
func (PlanWithdrawn) EventType() string        { return TypePlanWithdrawn }

func (PlanningRoundPublished) EventType() string     { return TypePlanningRoundPublished }
func (RoundMilestoneChanged) EventType() string      { return TypeRoundMilestoneChanged }
func (PfITRegistered) EventType() string             { return TypePfITRegistered }
func (SHAAssignedToPfIT) EventType() string          { return TypeSHAAssignedToPfIT }
func (ContributionDeclined) EventType() string       { return TypeContributionDeclined }
func (MemberExcused) EventType() string              { return TypeMemberExcused }
func (ConditionEvidenceSubmitted) EventType() string { return TypeConditionEvidenceSubmitted }
func (ConditionDischarged) EventType() string        { return TypeConditionDischarged }
func (ConditionLapsed) EventType() string            { return TypeConditionLapsed }
func (CfHNoted) EventType() string                   { return TypeCfHNoted }
func (SHAReturnSubmitted) EventType() string         { return TypeSHAReturnSubmitted }
func (CfHReturnAcknowledged) EventType() string      { return TypeCfHReturnAcknowledged }

func (e PlanSubmitted) VersionContent() (int, Content) { return e.Version, e.Content }
func (e PlanRevised) VersionContent() (int, Content)   { return e.Version, e.Content }

func (e PlanSubmitted) WithoutContent() EventData {
	e.Content = Content{}
	return e
}

func (e PlanRevised) WithoutContent() EventData {
	e.Content = Content{}
	return e
}
