package domain

import (
	"fmt"
	"strings"
)

// ErrorKind says what sort of refusal an Error is, so that a transport can choose its status code
// without knowing every rule.
type ErrorKind int

const (
	// KindRefused: the command is understood but a domain rule refuses it (HTTP 422).
	KindRefused ErrorKind = iota + 1
	// KindForbidden: the actor's role or organisation may not do this (HTTP 403).
	KindForbidden
	// KindConflict: the command contradicts what has already happened, e.g. a stale version (HTTP 409).
	KindConflict
	// KindNotFound: the thing the command is addressed to does not exist (HTTP 404).
	KindNotFound
)

func (k ErrorKind) String() string {
	switch k {
	case KindRefused:
		return "refused"
	case KindForbidden:
		return "forbidden"
	case KindConflict:
		return "conflict"
	case KindNotFound:
		return "not_found"
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// HTTPStatus is the status code docs/design.md §5 gives this kind.
func (k ErrorKind) HTTPStatus() int {
	switch k {
	case KindForbidden:
		return 403
	case KindConflict:
		return 409
	case KindNotFound:
		return 404
	}
	return 422
}

// FieldError names one offending field of a command by its JSON path, e.g.
// "content.clinical5[2].strategic_date".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a decision's refusal. Sentinels below carry a Code, a Kind and a generic Message; the
// decisions return copies with a Message (and Fields) saying exactly what was wrong, and errors.Is
// matches a copy against its sentinel by Code.
type Error struct {
	Code    string
	Kind    ErrorKind
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code
}

// with returns a copy of the sentinel e that says what happened.
func (e *Error) with(format string, args ...any) *Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	c.Fields = nil
	return &c
}

// at is like with for a refusal that is about a single field.
func (e *Error) at(field, format string, args ...any) *Error {
	c := e.with(format, args...)
	c.Fields = []FieldError{{Field: field, Message: c.Message}}
	c.Message = field + ": " + c.Message
	return c
}

func newError(code string, kind ErrorKind, msg string) *Error {
	return &Error{Code: code, Kind: kind, Message: msg}
}

// One sentinel per rule. Codes are stable strings: transports may expose them (problem+json type).
var (
	// Who may act.
	ErrRoleNotAllowed         = newError("role_not_allowed", KindForbidden, "the actor's role may not issue this command")
	ErrOrganisationNotAllowed = newError("organisation_not_allowed", KindForbidden, "the actor's organisation may not issue this command")
	ErrWrongSHA               = newError("wrong_sha", KindForbidden, "the actor's SHA is not the SHA of the plan's LHC")
	ErrNotLHCMember           = newError("not_lhc_member", KindForbidden, "the actor's organisation is not a member of the plan's LHC")
	ErrNotSignatory           = newError("not_signatory", KindForbidden, "the organisation is neither the lead PCT nor a contributor to the current version")

	// Malformed commands and content.
	ErrInvalidCommand    = newError("invalid_command", KindRefused, "the command has invalid fields")
	ErrInvalidContent    = newError("invalid_content", KindRefused, "the plan content is invalid")
	ErrPeriodTooShort    = newError("period_too_short", KindRefused, "a plan period must cover at least 3 financial years")
	ErrMissingCapability = newError("missing_capability", KindRefused, "a Clinical 5 capability is missing")
	ErrDateOutsidePeriod = newError("date_outside_period", KindRefused, "a date lies outside the plan period")
	ErrContentTooLarge   = newError("content_too_large", KindRefused, "the plan content holds more text than a plan may")

	// Registry.
	ErrOrganisationExists    = newError("organisation_exists", KindConflict, "the organisation is already registered")
	ErrOrganisationNameTaken = newError("organisation_name_taken", KindConflict, "another organisation is registered under the same name or one that cannot be told from it")
	ErrOrganisationNotFound  = newError("organisation_not_found", KindNotFound, "the organisation is not registered")
	ErrUnknownOrganisation   = newError("unknown_organisation", KindRefused, "a referenced organisation is not registered")
	ErrUnknownSHA            = newError("unknown_sha", KindRefused, "the referenced SHA is not registered")
	ErrWrongOrganisationKind = newError("wrong_organisation_kind", KindRefused, "a referenced organisation is of the wrong kind")
	ErrCfHExists             = newError("cfh_exists", KindConflict, "NHS Connecting for Health is already registered")
	ErrAppointmentOutOfOrder = newError("appointment_out_of_order", KindRefused, "an appointment must take effect after the organisation's latest one")
	ErrAppointmentBeforeActs = newError("appointment_before_recorded_acts", KindRefused, "an appointment may not take effect before a sign-off another person already made for the organisation")
	ErrLHCExists             = newError("lhc_exists", KindConflict, "the LHC already exists")
	ErrLHCNotFound           = newError("lhc_not_found", KindNotFound, "the LHC does not exist")
	ErrUnknownLHC            = newError("unknown_lhc", KindRefused, "the referenced LHC does not exist")
	ErrLeadPCTNotInSHA       = newError("lead_pct_not_in_sha", KindRefused, "the lead PCT does not belong to the LHC's SHA")
	ErrAlreadyMember         = newError("already_member", KindRefused, "the organisation is already a member of the LHC")
	ErrUnknownMember         = newError("unknown_member", KindRefused, "the organisation is not a member of the LHC")
	ErrCannotRemoveLeadPCT   = newError("cannot_remove_lead_pct", KindRefused, "the lead PCT cannot leave its LHC")

	// Plans.
	ErrPlanNotFound        = newError("plan_not_found", KindNotFound, "the plan does not exist")
	ErrLivePlanExists      = newError("live_plan_exists", KindConflict, "a live plan already exists")
	ErrPlanWithdrawn       = newError("plan_withdrawn", KindRefused, "the plan has been withdrawn")
	ErrNoChange            = newError("no_change", KindRefused, "the revision is identical to the current version")
	ErrStaleVersion        = newError("stale_version", KindConflict, "the command names a version that is not the current one")
	ErrContributionsClosed = newError("contributions_closed", KindRefused, "the current version has been assured; revise the plan first")
	ErrNotChiefExecutive   = newError("not_chief_executive", KindRefused, "the actor is not the organisation's chief executive at this time")
	ErrAlreadySignedOff    = newError("already_signed_off", KindConflict, "the organisation has already signed off this version")
	ErrContentHashMismatch = newError("content_hash_mismatch", KindRefused, "the content hash does not match the current version")
	ErrSignOffsOutstanding = newError("signoffs_outstanding", KindRefused, "not every required organisation has signed off the current version")
	ErrAlreadyAssured      = newError("already_assured", KindConflict, "the current version already has an assurance")
	ErrInvalidAssurance    = newError("invalid_assurance", KindRefused, "the assurance is inconsistent")
	ErrNotAssured          = newError("not_assured", KindRefused, "the current version is not assured")
	ErrAlreadyAcknowledged = newError("already_acknowledged", KindConflict, "the assurance has already been acknowledged")

	// Limits on a plan's stream (limits.go).
	ErrTooManyVersions      = newError("too_many_versions", KindRefused, "the plan has as many versions as a plan may")
	ErrTooManyContributions = newError("too_many_contributions", KindRefused, "the organisation has made as many contributions to this version as it may")
	ErrTooManyReports       = newError("too_many_reports", KindRefused, "the organisation has made as many delivery reports on this item as it may")
	ErrPlanStreamFull       = newError("plan_stream_full", KindRefused, "the plan's stream holds as many events as contributions and revisions may fill")
	ErrNotMember            = ErrNotLHCMember // the same sentinel under a shorter name

	// Planning rounds and programmes for IT.
	ErrRoundExists        = newError("round_exists", KindConflict, "the planning round is already published")
	ErrRoundNotFound      = newError("round_not_found", KindNotFound, "the planning round is not published")
	ErrRoundNotPublished  = newError("round_not_published", KindRefused, "the planning round has not been published")
	ErrMilestonePassed    = newError("milestone_passed", KindRefused, "the deadline has passed, or the new one would be in the past")
	ErrPeriodOutsideRound = newError("period_outside_round", KindRefused, "the plan's period does not start in the round's first financial year")
	ErrPfITExists         = newError("pfit_exists", KindConflict, "the programme for IT is already registered")
	ErrUnknownPfIT        = newError("unknown_pfit", KindRefused, "the programme for IT is not registered")
	ErrAlreadyAssigned    = newError("already_assigned", KindConflict, "the SHA is already assigned to that programme for IT")
	ErrWrongPfIT          = newError("wrong_pfit", KindRefused, "the programme for IT is not the SHA's")

	// Members, conditions and CfH.
	ErrMembersUnaccounted     = newError("members_unaccounted", KindRefused, "not every member of the LHC has contributed, declined or been excused")
	ErrMemberAccounted        = newError("member_already_accounted", KindConflict, "the member has already contributed, declined or been excused for this version")
	ErrConditionNotFound      = newError("condition_not_found", KindNotFound, "the current version's assurance has no such condition")
	ErrConditionClosed        = newError("condition_closed", KindConflict, "the condition has already been discharged or has lapsed")
	ErrNoConditionEvidence    = newError("no_condition_evidence", KindRefused, "no evidence has been submitted for the condition")
	ErrConditionNotDue        = newError("condition_not_due", KindRefused, "the condition's due date has not passed")
	ErrNotReflectedInPfITPlan = newError("not_reflected_in_pfit_plan", KindRefused, "the assurance says the plan is not reflected in the PfIT plan")
	ErrAcknowledgeInstead     = newError("acknowledge_instead", KindRefused, "the assurance can be acknowledged, not only noted")
	ErrAlreadyNoted           = newError("already_noted", KindConflict, "CfH has already noted this version's assurance")

	// SHA returns.
	ErrReturnIncomplete = newError("return_incomplete", KindRefused, "the return does not account for every LHC of the SHA")
	ErrReturnMismatch   = newError("return_mismatch", KindRefused, "the return says something of a plan that its stream does not")
	ErrReturnNotFound   = newError("return_not_found", KindNotFound, "the SHA has no such return")
	ErrReturnSuperseded = newError("return_superseded", KindConflict, "a later return of the SHA for the round supersedes this one")
	ErrReturnStale      = newError("return_stale", KindConflict, "the return no longer holds: a plan it names or an LHC it must account for has moved on")

	// Delivery and governance.
	ErrReasonRequired        = newError("reason_required", KindRefused, "a report that moves an item back from live says why")
	ErrUnknownGovernanceBody = newError("unknown_governance_body", KindRefused, "the governance body is not recorded, or is not the organisation's or its LHC's")
	ErrBodyOutOfOrder        = newError("governance_body_out_of_order", KindRefused, "a body's terms must take effect after its latest")
	ErrAlreadyApproved       = newError("already_approved", KindConflict, "the body's approval of this version is already recorded")
	ErrBoardApprovalMissing  = newError("board_approval_missing", KindRefused, "the round asks for a board's approval of the version before the organisation's sign-off")
)

// Errors lists every sentinel, for transports that document them.
var Errors = []*Error{
	ErrRoleNotAllowed, ErrOrganisationNotAllowed, ErrWrongSHA, ErrNotLHCMember, ErrNotSignatory,
	ErrInvalidCommand, ErrInvalidContent, ErrPeriodTooShort, ErrMissingCapability, ErrDateOutsidePeriod, ErrContentTooLarge,
	ErrOrganisationExists, ErrOrganisationNameTaken, ErrOrganisationNotFound, ErrUnknownOrganisation, ErrUnknownSHA, ErrWrongOrganisationKind,
	ErrCfHExists, ErrAppointmentOutOfOrder, ErrAppointmentBeforeActs, ErrLHCExists, ErrLHCNotFound, ErrUnknownLHC, ErrLeadPCTNotInSHA,
	ErrAlreadyMember, ErrUnknownMember, ErrCannotRemoveLeadPCT,
	ErrPlanNotFound, ErrLivePlanExists, ErrPlanWithdrawn, ErrNoChange, ErrStaleVersion, ErrContributionsClosed,
	ErrNotChiefExecutive, ErrAlreadySignedOff, ErrContentHashMismatch, ErrSignOffsOutstanding, ErrAlreadyAssured,
	ErrInvalidAssurance, ErrNotAssured, ErrAlreadyAcknowledged,
	ErrTooManyVersions, ErrTooManyContributions, ErrTooManyReports, ErrPlanStreamFull,
	ErrRoundExists, ErrRoundNotFound, ErrRoundNotPublished, ErrMilestonePassed, ErrPeriodOutsideRound, ErrPfITExists, ErrUnknownPfIT,
	ErrAlreadyAssigned, ErrWrongPfIT,
	ErrMembersUnaccounted, ErrMemberAccounted, ErrConditionNotFound, ErrConditionClosed, ErrNoConditionEvidence,
	ErrConditionNotDue, ErrNotReflectedInPfITPlan, ErrAcknowledgeInstead, ErrAlreadyNoted,
	ErrReturnIncomplete, ErrReturnMismatch, ErrReturnNotFound, ErrReturnSuperseded, ErrReturnStale,
	ErrReasonRequired, ErrUnknownGovernanceBody, ErrBodyOutOfOrder, ErrAlreadyApproved, ErrBoardApprovalMissing,
}

// problem is one field's fault found while validating, with the rule it breaks.
type problem struct {
	code  *Error
	field string
	msg   string
}

// problems collects every fault of a command, so that a client learns all of them at once.
type problems []problem

func (ps *problems) add(code *Error, field, format string, args ...any) {
	*ps = append(*ps, problem{code: code, field: field, msg: fmt.Sprintf(format, args...)})
}

func (ps problems) fields() []FieldError {
	if len(ps) == 0 {
		return nil
	}
	out := make([]FieldError, len(ps))
	for i, p := range ps {
		out[i] = FieldError{Field: p.field, Message: p.msg}
	}
	return out
}

// err folds the problems into one refusal. Its Code is that of the first problem with a specific
// rule, falling back to the first problem's (generic) code, so that a client switching on the code
// sees the most telling rule while Fields still lists everything.
func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	code := ps[0].code
	for _, p := range ps {
		if p.code != ErrInvalidCommand && p.code != ErrInvalidContent {
			code = p.code
			break
		}
	}
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.field + ": " + p.msg
	}
	e := code.with("%s", strings.Join(msgs, "; "))
	e.Fields = ps.fields()
	return e
}
