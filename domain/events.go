package domain

import (
	jsonv1 "github.com/go-json-experiment/json/v1"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// EventData is the data of one event. Its type name and JSON shape are public interface (DESIGN.md
// section 2): stored logs hold them for ever, so fields may be added but never renamed.
type EventData interface {
	EventType() string
}

// Event is an event as folds consume it.
type Event struct {
	Data EventData
	Meta Metadata
	// contentHash is the hash of the content a submission or revision carried, when
	// DecodeEnvelopeDigest left the content out of Data; "" otherwise.
	contentHash string
}

// hashOf is the hash of c, the content of e's data: the one e carries if it was decoded without
// its content. An event carrying a hash whose data has content again (its Data replaced after
// decoding) is refused rather than trusted: the hash would not be that content's.
func (e Event) hashOf(c Content) (string, error) {
	if e.contentHash == "" {
		return ContentHash(c)
	}
	if !c.empty() {
		return "", errors.New("the event was decoded without its content, but its data has content")
	}
	return e.contentHash, nil
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

// EventTypes lists every event type name.
var EventTypes = []string{
	TypeOrganisationRegistered, TypeChiefExecutiveAppointed, TypeLocalHealthCommunityFormed,
	TypeLocalHealthCommunityMembersChanged, TypePlanSubmitted, TypePlanRevised, TypeContributionRecorded,
	TypeSROSignedOff, TypeAssuranceRecorded, TypeCfHAcknowledged, TypePlanWithdrawn,
}

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

// Lists marshal as [] rather than null: readers of the log should not have to tell the two apart.

func (e LocalHealthCommunityFormed) MarshalJSON() ([]byte, error) {
	type plain LocalHealthCommunityFormed
	e.Members = nonNil(e.Members)
	return json.Marshal(plain(e))
}

func (e LocalHealthCommunityMembersChanged) MarshalJSON() ([]byte, error) {
	type plain LocalHealthCommunityMembersChanged
	e.Added, e.Removed = nonNil(e.Added), nonNil(e.Removed)
	return json.Marshal(plain(e))
}

func (e AssuranceRecorded) MarshalJSON() ([]byte, error) {
	type plain AssuranceRecorded
	e.Criteria, e.Conditions = nonNil(e.Criteria), nonNil(e.Conditions)
	return json.Marshal(plain(e))
}

// EncodeEvent returns the type name and JSON data of an event.
func EncodeEvent(d EventData) (eventType string, data []byte, err error) {
	d = valueOf(d)
	if d == nil {
		return "", nil, errors.New("encode event: no event")
	}
	if want := newEventData(d.EventType()); want == nil || reflect.TypeOf(valueOf(want)) != reflect.TypeOf(d) {
		return "", nil, fmt.Errorf("encode event: %T is not the event type %q", d, d.EventType())
	}
	data, err = json.Marshal(encodable(d))
	if err != nil {
		return "", nil, fmt.Errorf("encode event %s: %w", d.EventType(), err)
	}
	return d.EventType(), data, nil
}

// encodable is what EncodeEvent marshals for d: d itself, except where a MarshalJSON method of d or
// of its content would make encoding/json encode twice (once in the method, once more to re-scan
// and compact what it returned). Those are marshalled as method-less equivalents, to the same bytes
// in one pass: the two events that carry a plan's content as mirrors holding a plainContent, the
// others as themselves without the method. TestEncodeEventMatchesEncodingJSON and
// FuzzEncodeEventMatchesEncodingJSON hold the bytes equal.
func encodable(d EventData) any {
	switch d := d.(type) {
	case PlanSubmitted:
		return planSubmittedPlain{PlanID: d.PlanID, LHCID: d.LHCID, Round: d.Round, Version: d.Version, Period: d.Period, Content: d.Content.plain()}
	case PlanRevised:
		return planRevisedPlain{Version: d.Version, Content: d.Content.plain(), Reason: d.Reason}
	// The events whose MarshalJSON only writes absent lists as []: the same, without the method.
	case AssuranceRecorded:
		type plain AssuranceRecorded
		d.Criteria, d.Conditions = nonNil(d.Criteria), nonNil(d.Conditions)
		return plain(d)
	case LocalHealthCommunityFormed:
		type plain LocalHealthCommunityFormed
		d.Members = nonNil(d.Members)
		return plain(d)
	case LocalHealthCommunityMembersChanged:
		type plain LocalHealthCommunityMembersChanged
		d.Added, d.Removed = nonNil(d.Added), nonNil(d.Removed)
		return plain(d)
	}
	return d
}

// planSubmittedPlain and planRevisedPlain mirror PlanSubmitted and PlanRevised field for field and
// tag for tag (TestEncodablesMirrorTheirEvents), with the content as a plainContent.
type (
	planSubmittedPlain struct {
		PlanID  string       `json:"plan_id"`
		LHCID   string       `json:"lhc_id"`
		Round   string       `json:"round"`
		Version int          `json:"version"`
		Period  Period       `json:"period"`
		Content plainContent `json:"content"`
	}
	planRevisedPlain struct {
		Version int          `json:"version"`
		Content plainContent `json:"content"`
		Reason  string       `json:"reason"`
	}
)

// DecodeEvent reads an event's data. Unknown JSON members are ignored and absent ones left zero, so
// that logs written by older and newer versions of this code both read; an unknown type is an error,
// because folding past an event one does not understand would silently give a wrong state.
func DecodeEvent(eventType string, data []byte) (EventData, error) {
	// The ledger's own shape first: it accepts only an object of a known type, so the checks below
	// would pass, and the zero event they allocate for the general decoder would be garbage (a
	// sixteenth of what a replay allocated).
	if len(data) > 0 && data[0] == '{' {
		t := internTables.Get().(*internTable)
		d, ok := readEventData(t, eventType, data)
		internTables.Put(t)
		if ok {
			return d, nil
		}
	}
	ptr := newEventData(eventType)
	if ptr == nil {
		return nil, fmt.Errorf("decode event: unknown event type %q", eventType)
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("decode event %s: data is not a JSON object", eventType)
	}
	// encoding/json's semantics on the JSON v2 engine (faster: decoding is most of a replay), held
	// to encoding/json by FuzzDecodeEventMatchesEncodingJSON. Its errors are that package's types,
	// not encoding/json's: no caller may errors.As them to *json.SyntaxError and the like.
	if err := jsonv1.Unmarshal(data, ptr); err != nil {
		return nil, fmt.Errorf("decode event %s: %w", eventType, err)
	}
	return valueOf(ptr), nil
}

// newEventData returns a pointer to a zero event of the named type, or nil.
func newEventData(eventType string) EventData {
	switch eventType {
	case TypeOrganisationRegistered:
		return &OrganisationRegistered{}
	case TypeChiefExecutiveAppointed:
		return &ChiefExecutiveAppointed{}
	case TypeLocalHealthCommunityFormed:
		return &LocalHealthCommunityFormed{}
	case TypeLocalHealthCommunityMembersChanged:
		return &LocalHealthCommunityMembersChanged{}
	case TypePlanSubmitted:
		return &PlanSubmitted{}
	case TypePlanRevised:
		return &PlanRevised{}
	case TypeContributionRecorded:
		return &ContributionRecorded{}
	case TypeSROSignedOff:
		return &SROSignedOff{}
	case TypeAssuranceRecorded:
		return &AssuranceRecorded{}
	case TypeCfHAcknowledged:
		return &CfHAcknowledged{}
	case TypePlanWithdrawn:
		return &PlanWithdrawn{}
	}
	return nil
}

// valueOf turns a pointer to event data into the value, the form folds and type switches expect.
// A nil pointer gives nil.
func valueOf(d EventData) EventData {
	switch v := d.(type) {
	case *OrganisationRegistered:
		return deref(v)
	case *ChiefExecutiveAppointed:
		return deref(v)
	case *LocalHealthCommunityFormed:
		return deref(v)
	case *LocalHealthCommunityMembersChanged:
		return deref(v)
	case *PlanSubmitted:
		return deref(v)
	case *PlanRevised:
		return deref(v)
	case *ContributionRecorded:
		return deref(v)
	case *SROSignedOff:
		return deref(v)
	case *AssuranceRecorded:
		return deref(v)
	case *CfHAcknowledged:
		return deref(v)
	case *PlanWithdrawn:
		return deref(v)
	}
	return d
}

func deref[T EventData](p *T) EventData {
	if p == nil {
		return nil
	}
	return *p
}
