package domain

import "time"

// EventData is the data of one event. Its type name and JSON shape are public interface (DESIGN.md
// section 2): stored logs hold them for ever, so fields may be added but never renamed.
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

type AssuranceRecorded struct {
	Version             int         `json:"version"`
	SHACode             string      `json:"sha_code"`
	Outcome             Outcome     `json:"outcome"`
	Criteria            []Criterion `json:"criteria"`
	Conditions          []string    `json:"conditions"`
	ReflectedInPfITPlan bool        `json:"reflected_in_pfit_plan"`
	PfIT                string      `json:"pfit"` // the regional NPfIT programme the plan is reflected in
}

// Criterion is one assurance criterion and whether the plan meets it.
type Criterion struct {
	ID   string `json:"id"`
	Met  bool   `json:"met"`
	Note string `json:"note"`
}

type CfHAcknowledged struct {
	Version          int    `json:"version"`
	AssuranceEventID string `json:"assurance_event_id"`
	Note             string `json:"note"`
}

type PlanWithdrawn struct {
	Reason string `json:"reason"`
}

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
