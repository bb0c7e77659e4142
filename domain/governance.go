package domain

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// IT governance: the guidance asks every NHS organisation for "effective and transparent governance
// structures" for informatics, with its chief executive demonstrably acting as SRO. The registry
// records each organisation's informatics board and each LHC's programme board; a plan records the
// boards' approvals of its versions; and in a round that asks for it, a chief executive signs a
// version off only after their organisation's board approved that version.

// The kinds of governance body.
const (
	BodyOrganisationBoard = "organisation_informatics_board" // an organisation's own
	BodyLHCBoard          = "lhc_programme_board"            // an LHC's, its members together
)

// BodyKinds lists the kinds of governance body.
var BodyKinds = []string{BodyOrganisationBoard, BodyLHCBoard}

// GovernanceBody is a governance body as the registry holds it, with each recording of its terms.
type GovernanceBody struct {
	BodyID  string      `json:"body_id"`
	Name    string      `json:"name"`
	ODSCode string      `json:"ods_code,omitempty"`
	LHCID   string      `json:"lhc_id,omitempty"`
	Kind    string      `json:"kind"`
	Terms   []BodyTerms `json:"terms"` // oldest first, each effective from a later date
}

// BodyTerms is a body's chair and terms of reference from a date.
type BodyTerms struct {
	Name                   string    `json:"name"`
	ChairPersonID          string    `json:"chair_person_id"`
	TermsOfReferenceSHA256 string    `json:"terms_of_reference_sha256"`
	EffectiveFrom          Date      `json:"effective_from"`
	RecordedAt             time.Time `json:"recorded_at"`
	EventID                string    `json:"event_id"`
}

// EffectiveFrom is when the body was first in place.
func (b GovernanceBody) EffectiveFrom() Date {
	if len(b.Terms) == 0 {
		return Date{}
	}
	return b.Terms[0].EffectiveFrom
}

// TermsOn are the terms in force on day; false before the body was in place.
func (b GovernanceBody) TermsOn(day Date) (BodyTerms, bool) {
	for i := len(b.Terms) - 1; i >= 0; i-- {
		if !b.Terms[i].EffectiveFrom.After(day) {
			return b.Terms[i], true
		}
	}
	return BodyTerms{}, false
}

func (b GovernanceBody) clone() GovernanceBody {
	b.Terms = slices.Clone(b.Terms)
	return b
}

// RecordGovernanceBody records a governance body, or its new chair or terms of reference.
type RecordGovernanceBody struct {
	BodyID                 string `json:"body_id"`
	Name                   string `json:"name"`
	ODSCode                string `json:"ods_code"`
	LHCID                  string `json:"lhc_id"`
	Kind                   string `json:"kind"`
	ChairPersonID          string `json:"chair_person_id"`
	TermsOfReferenceSHA256 string `json:"terms_of_reference_sha256"`
	EffectiveFrom          Date   `json:"effective_from"`
}

func (RecordGovernanceBody) registryCommand() {}

// maxTermsAhead is how far ahead of the day they are recorded a body's terms may take effect: a
// board agrees its next chair or terms months ahead, not years.
const maxTermsAhead = 1 // year

func (r *Registry) decideGovernanceBody(c RecordGovernanceBody, at time.Time) (EventData, error) {
	var ps problems
	idOK := checkSlug(&ps, ErrInvalidCommand, "body_id", "body id", c.BodyID)
	requiredShort.check(&ps, ErrInvalidCommand, "name", c.Name)
	requiredShort.check(&ps, ErrInvalidCommand, "chair_person_id", c.ChairPersonID)
	switch {
	case c.TermsOfReferenceSHA256 == "":
		ps.add(ErrInvalidCommand, "terms_of_reference_sha256", "is required")
	case !isSHA256Hex(c.TermsOfReferenceSHA256):
		ps.add(ErrInvalidCommand, "terms_of_reference_sha256", "must be 64 lower-case hex digits (a SHA-256 digest)")
	}
	today := DateOf(at.UTC())
	switch horizon := DateOf(at.UTC().AddDate(maxTermsAhead, 0, 0)); {
	case c.EffectiveFrom.IsZero():
		ps.add(ErrInvalidCommand, "effective_from", "is required")
	case c.EffectiveFrom.Year() < minPlanYear:
		ps.add(ErrInvalidCommand, "effective_from", "%s is before %d: no informatics governance of the planning rounds is that old", c.EffectiveFrom, minPlanYear)
	case c.EffectiveFrom.After(horizon):
		ps.add(ErrInvalidCommand, "effective_from", "%s is after %s, %d year after today: terms are recorded once agreed", c.EffectiveFrom, horizon, maxTermsAhead)
	}
	switch c.Kind {
	case BodyOrganisationBoard:
		if c.LHCID != "" {
			ps.add(ErrInvalidCommand, "lhc_id", "must be empty for kind %s, which belongs to an organisation", c.Kind)
		}
		if checkODS(&ps, "ods_code", c.ODSCode, true) {
			if o, ok := r.orgs[c.ODSCode]; !ok {
				ps.add(ErrUnknownOrganisation, "ods_code", "%s is not registered", c.ODSCode)
			} else if o.Kind == KindCfH {
				ps.add(ErrWrongOrganisationKind, "ods_code", "%s is NHS Connecting for Health, which signs no plan", c.ODSCode)
			}
		}
	case BodyLHCBoard:
		if c.ODSCode != "" {
			ps.add(ErrInvalidCommand, "ods_code", "must be empty for kind %s, which belongs to an LHC", c.Kind)
		}
		if checkLHCID(&ps, "lhc_id", c.LHCID) && r.lhcs[c.LHCID] == nil {
			ps.add(ErrUnknownLHC, "lhc_id", "LHC %q does not exist", c.LHCID)
		}
	case "":
		ps.add(ErrInvalidCommand, "kind", "is required")
	default:
		ps.add(ErrInvalidCommand, "kind", "unknown kind %q; want one of %s", c.Kind, strings.Join(BodyKinds, ", "))
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if b := r.bodies[c.BodyID]; idOK && b != nil {
		last := b.Terms[len(b.Terms)-1]
		switch {
		case b.Kind != c.Kind || b.ODSCode != c.ODSCode || b.LHCID != c.LHCID:
			return nil, ErrInvalidCommand.at("body_id", "%s is already the %s of %s; a body keeps its kind and whose it is", c.BodyID, b.Kind, b.holder())
		case !c.EffectiveFrom.After(last.EffectiveFrom):
			return nil, ErrBodyOutOfOrder.at("effective_from", "%s is not after %s, when %s's terms last took effect; a body's terms are recorded in order and history is not rewritten",
				c.EffectiveFrom, last.EffectiveFrom, c.BodyID)
		case c.EffectiveFrom.Before(today):
			// Approvals already recorded rest on the terms in force at their meetings, which the
			// registry does not see: new terms dated back could give a past meeting another chair.
			return nil, ErrBodyOutOfOrder.at("effective_from", "%s is before today, %s: %s is already recorded, and its new terms take effect from the day they are recorded or later, so that no approval already made under its terms is attributed to new ones",
				c.EffectiveFrom, today, c.BodyID)
		}
	}
	return GovernanceBodyRecorded(c), nil
}

// holder names whose a body is.
func (b *GovernanceBody) holder() string {
	if b.LHCID != "" {
		return "LHC " + b.LHCID
	}
	return b.ODSCode
}

// applyGovernanceBody folds a GovernanceBodyRecorded.
func (r *Registry) applyGovernanceBody(e Event, d GovernanceBodyRecorded) error {
	if d.BodyID == "" {
		return fmt.Errorf("apply %s: no body_id", d.EventType())
	}
	terms := BodyTerms{Name: d.Name, ChairPersonID: d.ChairPersonID, TermsOfReferenceSHA256: d.TermsOfReferenceSHA256,
		EffectiveFrom: d.EffectiveFrom, RecordedAt: e.Meta.RecordedAt, EventID: e.Meta.EventID}
	b := r.bodies[d.BodyID]
	if b == nil {
		if (d.ODSCode == "") == (d.LHCID == "") {
			return fmt.Errorf("apply %s: body %s names neither or both of an organisation and an LHC", d.EventType(), d.BodyID)
		}
		r.bodies[d.BodyID] = &GovernanceBody{BodyID: d.BodyID, Name: d.Name, ODSCode: d.ODSCode, LHCID: d.LHCID, Kind: d.Kind, Terms: []BodyTerms{terms}}
		return nil
	}
	switch last := b.Terms[len(b.Terms)-1]; {
	case b.Kind != d.Kind || b.ODSCode != d.ODSCode || b.LHCID != d.LHCID:
		return fmt.Errorf("apply %s: body %s is the %s of %s", d.EventType(), d.BodyID, b.Kind, b.holder())
	case !d.EffectiveFrom.After(last.EffectiveFrom):
		return fmt.Errorf("apply %s: body %s's terms from %s are not after its latest, from %s", d.EventType(), d.BodyID, d.EffectiveFrom, last.EffectiveFrom)
	}
	// Replaced, not changed in place: a reader may hold the body it was given.
	next := b.clone()
	next.Name = d.Name
	next.Terms = append(next.Terms, terms)
	r.bodies[d.BodyID] = &next
	return nil
}

// GovernanceBody returns the body recorded under id.
func (r *Registry) GovernanceBody(id string) (GovernanceBody, bool) {
	b, ok := r.bodies[id]
	if !ok {
		return GovernanceBody{}, false
	}
	return b.clone(), true
}

// GovernanceBodies returns every body, by id.
func (r *Registry) GovernanceBodies() []GovernanceBody {
	out := make([]GovernanceBody, 0, len(r.bodies))
	for _, id := range slices.Sorted(maps.Keys(r.bodies)) {
		out = append(out, r.bodies[id].clone())
	}
	return out
}

// BodiesOf returns the bodies of organisation ods, by id.
func (r *Registry) BodiesOf(ods string) []GovernanceBody {
	var out []GovernanceBody
	for _, id := range slices.Sorted(maps.Keys(r.bodies)) {
		if b := r.bodies[id]; b.ODSCode == ods {
			out = append(out, b.clone())
		}
	}
	return out
}

// HasBoardOn reports whether organisation ods had an informatics board in place on day.
func (r *Registry) HasBoardOn(ods string, day Date) bool {
	for _, b := range r.bodies {
		if b.ODSCode == ods && b.Kind == BodyOrganisationBoard && !b.EffectiveFrom().After(day) {
			return true
		}
	}
	return false
}

// BoardApproval is a governance body's approval of a version, recorded by the organisation whose
// sign-off it supports.
type BoardApproval struct {
	Version        int       `json:"version"`
	ODSCode        string    `json:"ods_code"`
	BodyID         string    `json:"body_id"`
	MeetingDate    Date      `json:"meeting_date"`
	MinuteRef      string    `json:"minute_ref"`
	DocumentSHA256 string    `json:"document_sha256"`
	ContentHash    string    `json:"content_hash"` // the version's: what the body approved
	RecordedAt     time.Time `json:"recorded_at"`
	EventID        string    `json:"event_id"`
}

// RecordBoardApproval records that the actor's organisation's governance body approved a version.
type RecordBoardApproval struct {
	Version        int    `json:"version"`
	BodyID         string `json:"body_id"`
	MeetingDate    Date   `json:"meeting_date"`
	MinuteRef      string `json:"minute_ref"`
	DocumentSHA256 string `json:"document_sha256"`
}

func (RecordBoardApproval) planCommand() {}

// approvalRoles may record a board's approval for their organisation.
var approvalRoles = []Role{RoleChiefExecutive, RolePCTCommissioner, RoleProvider}

func (p *Plan) decideBoardApproval(reg *Registry, a Actor, at time.Time, c RecordBoardApproval) (EventData, error) {
	if !slices.Contains(approvalRoles, a.Role) {
		return nil, ErrRoleNotAllowed.with("role %q may not record a board's approval; it needs role %q, %q or %q", a.Role, RoleChiefExecutive, RolePCTCommissioner, RoleProvider)
	}
	if err := p.requireLive(a, a.Role); err != nil {
		return nil, err
	}
	// Whoever may sign the current version off may have its board approve it: a contributor that
	// has since left the LHC included, or the version could be neither approved nor signed.
	lhc, known := reg.lhcs[p.lhcID]
	cur := p.current()
	if a.Org == "" || (!slices.Contains(cur.signatories(p.leadPCT), a.Org) && !(known && lhc.HasMember(a.Org))) {
		return nil, ErrNotSignatory.with("%q is neither the lead PCT, a contributor to version %d nor a member of LHC %q: no sign-off of its plan rests on its board", a.Org, cur.Number, p.lhcID)
	}
	var ps problems
	checkVersion(&ps, c.Version)
	checkSlug(&ps, ErrInvalidCommand, "body_id", "body id", c.BodyID)
	today := DateOf(at.UTC())
	switch {
	case c.MeetingDate.IsZero():
		ps.add(ErrInvalidCommand, "meeting_date", "is required")
	case c.MeetingDate.After(today):
		ps.add(ErrInvalidCommand, "meeting_date", "%s is after today, %s: an approval is recorded once the meeting has approved", c.MeetingDate, today)
	}
	requiredShort.check(&ps, ErrInvalidCommand, "minute_ref", c.MinuteRef)
	switch {
	case c.DocumentSHA256 == "":
		ps.add(ErrInvalidCommand, "document_sha256", "is required: the SHA-256 of the minutes")
	case !isSHA256Hex(c.DocumentSHA256):
		ps.add(ErrInvalidCommand, "document_sha256", "must be 64 lower-case hex digits (a SHA-256 digest)")
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if err := p.requireCurrent(c.Version); err != nil {
		return nil, err
	}
	b, ok := reg.bodies[c.BodyID]
	switch {
	case !ok:
		return nil, ErrUnknownGovernanceBody.at("body_id", "no governance body %q is recorded", c.BodyID)
	case b.ODSCode != a.Org && !(b.Kind == BodyLHCBoard && b.LHCID == p.lhcID):
		return nil, ErrUnknownGovernanceBody.at("body_id", "%s is the %s of %s, neither %s's own board nor LHC %q's programme board", c.BodyID, b.Kind, b.holder(), a.Org, p.lhcID)
	case c.MeetingDate.Before(b.EffectiveFrom()):
		return nil, ErrInvalidCommand.at("meeting_date", "%s is before %s was in place, from %s", c.MeetingDate, c.BodyID, b.EffectiveFrom())
	case c.MeetingDate.Before(DateOf(cur.SubmittedAt.UTC())):
		// A body approves a version it has seen: the version is recorded on the day it was submitted.
		return nil, ErrInvalidCommand.at("meeting_date", "%s is before version %d was submitted, on %s: a body cannot have approved it then",
			c.MeetingDate, cur.Number, DateOf(cur.SubmittedAt.UTC()))
	}
	for _, x := range cur.Approvals {
		switch {
		case x.ODSCode == a.Org && x.BodyID == c.BodyID:
			return nil, ErrAlreadyApproved.at("body_id", "%s's approval of version %d by %s was recorded at %s (minute %s)", a.Org, cur.Number, c.BodyID, x.RecordedAt.UTC().Format(time.RFC3339), x.MinuteRef)
		case x.BodyID == c.BodyID && (x.MeetingDate != c.MeetingDate || x.MinuteRef != c.MinuteRef || x.DocumentSHA256 != c.DocumentSHA256):
			// An LHC's board approves a version once, for every member: each member that relies on
			// it cites the same meeting and the same minutes, or two members would tell two
			// histories of one decision.
			field := "meeting_date"
			switch {
			case x.MeetingDate != c.MeetingDate:
			case x.MinuteRef != c.MinuteRef:
				field = "minute_ref"
			default:
				field = "document_sha256"
			}
			return nil, ErrInvalidCommand.at(field, "%s approved version %d at its meeting of %s (minute %s, minutes with SHA-256 %s), as %s recorded; cite that meeting and its minutes",
				c.BodyID, cur.Number, x.MeetingDate, x.MinuteRef, x.DocumentSHA256, x.ODSCode)
		}
	}
	return BoardApprovalRecorded{Version: cur.Number, ODSCode: a.Org, BodyID: c.BodyID, MeetingDate: c.MeetingDate, MinuteRef: c.MinuteRef, DocumentSHA256: c.DocumentSHA256}, nil
}

// approvedBy returns the version's first approval recorded by organisation ods.
func (v *Version) approvedBy(ods string) (BoardApproval, bool) {
	for _, x := range v.Approvals {
		if x.ODSCode == ods {
			return x, true
		}
	}
	return BoardApproval{}, false
}

// requireBoardApproval refuses a sign-off for ods of the current version, in a round that asks for
// it, before the organisation's governance body approved that version.
func (p *Plan) requireBoardApproval(reg *Registry, ods string) error {
	rd, ok := reg.rounds[p.round]
	if !ok || !rd.BoardApprovalRequired {
		return nil
	}
	cur := p.current()
	if _, ok := cur.approvedBy(ods); ok {
		return nil
	}
	return ErrBoardApprovalMissing.at("version", "round %s asks for a board's approval before a sign-off: no governance body of %s has approved version %d (content hash %s); record the approval first",
		p.round, ods, cur.Number, cur.ContentHash)
}
