package api

import (
	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
)

// The commands of the assurance process: planning rounds and programmes for IT (the registry's),
// members' declines and excusals, conditions' follow-up and CfH's notes (a plan's), and the SHAs'
// returns to CfH.

func (s *server) publishRound(c echo.Context) error {
	var b publishRoundBody
	if err := decodeBody(c, &b, "round", "title", "guidance_ref", "published_on", "first_financial_year", "min_years", "milestones", "criteria"); err != nil {
		return err
	}
	return s.registry(c, domain.PublishRound(b))
}

func (s *server) changeMilestone(c echo.Context) error {
	var b changeMilestoneBody
	if err := decodeBody(c, &b, "milestone", "due", "reason"); err != nil {
		return err
	}
	return s.registry(c, domain.ChangeMilestone{Round: c.Param("round"), Milestone: b.Milestone, Due: b.Due, Reason: b.Reason})
}

func (s *server) registerPfIT(c echo.Context) error {
	var b registerPfITBody
	if err := decodeBody(c, &b, "pfit_id", "name"); err != nil {
		return err
	}
	return s.registry(c, domain.RegisterPfIT(b))
}

func (s *server) assignPfIT(c echo.Context) error {
	var b assignPfITBody
	if err := decodeBody(c, &b, "pfit_id"); err != nil {
		return err
	}
	return s.registry(c, domain.AssignSHAToPfIT{SHACode: c.Param("code"), PfITID: b.PfITID})
}

func (s *server) declineContribution(c echo.Context) error {
	var b declineBody
	if err := decodeBody(c, &b, "version", "reason"); err != nil {
		return err
	}
	return s.plan(c, domain.DeclineContribution(b))
}

func (s *server) excuseMember(c echo.Context) error {
	var b excusalBody
	if err := decodeBody(c, &b, "version", "ods_code", "reason"); err != nil {
		return err
	}
	return s.plan(c, domain.ExcuseMember(b))
}

func (s *server) noteAssurance(c echo.Context) error {
	var b cfhNoteBody
	if err := decodeBody(c, &b, "version", "note"); err != nil {
		return err
	}
	return s.plan(c, domain.NoteAssurance(b))
}

func (s *server) conditionEvidence(c echo.Context) error {
	var b conditionEvidenceBody
	if err := decodeBody(c, &b, "version", "summary"); err != nil {
		return err
	}
	return s.plan(c, domain.SubmitConditionEvidence{Version: b.Version, ConditionID: c.Param("condition_id"), Summary: b.Summary, DocumentSHA256: b.DocumentSHA256})
}

func (s *server) dischargeCondition(c echo.Context) error {
	var b conditionDecisionBody
	if err := decodeBody(c, &b, "version", "note"); err != nil {
		return err
	}
	return s.plan(c, domain.DischargeCondition{Version: b.Version, ConditionID: c.Param("condition_id"), Note: b.Note})
}

func (s *server) lapseCondition(c echo.Context) error {
	var b conditionDecisionBody
	if err := decodeBody(c, &b, "version", "note"); err != nil {
		return err
	}
	return s.plan(c, domain.LapseCondition{Version: b.Version, ConditionID: c.Param("condition_id"), Note: b.Note})
}

func (s *server) submitReturn(c echo.Context) error {
	var b shaReturnBody
	if err := decodeBody(c, &b, "round", "plans", "exceptions", "pfit_plan_ref"); err != nil {
		return err
	}
	req, err := s.commandRequest(c)
	if err != nil {
		return err
	}
	r, err := s.Commands.SubmitReturn(c.Request().Context(), req, domain.SubmitReturn{SHACode: c.Param("code"), Round: b.Round,
		Plans: b.Plans, Exceptions: b.Exceptions, PfITPlanRef: b.PfITPlanRef})
	if err != nil {
		return err
	}
	return s.created(c, r)
}

func (s *server) acknowledgeReturn(c echo.Context) error {
	var b returnAcknowledgementBody
	if err := decodeBody(c, &b); err != nil {
		return err
	}
	req, err := s.commandRequest(c)
	if err != nil {
		return err
	}
	r, err := s.Commands.AcknowledgeReturn(c.Request().Context(), req, c.Param("code"), c.Param("event_id"),
		domain.AcknowledgeReturn{Note: b.Note, Queries: b.Queries})
	if err != nil {
		return err
	}
	return s.created(c, r)
}
