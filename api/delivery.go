package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/projections"
)

// Delivery and governance: delivery reports against a plan's roadmap, the governance bodies behind
// sign-offs and their approvals of versions, and the reports on delivery and funding.

type deliveryReportBody struct {
	Item       string      `json:"item"`
	Status     string      `json:"status"`
	ActualDate domain.Date `json:"actual_date"` // optional: the day it went live, or started
	Note       string      `json:"note"`        // optional, unless the item moves back from live
}

type governanceBodyBody struct {
	BodyID                 string      `json:"body_id"`
	Name                   string      `json:"name"`
	ODSCode                string      `json:"ods_code"` // for an organisation's board
	LHCID                  string      `json:"lhc_id"`   // for an LHC's programme board
	Kind                   string      `json:"kind"`
	ChairPersonID          string      `json:"chair_person_id"`
	TermsOfReferenceSHA256 string      `json:"terms_of_reference_sha256"`
	EffectiveFrom          domain.Date `json:"effective_from"`
}

type boardApprovalBody struct {
	Version        int         `json:"version"`
	BodyID         string      `json:"body_id"`
	MeetingDate    domain.Date `json:"meeting_date"`
	MinuteRef      string      `json:"minute_ref"`
	DocumentSHA256 string      `json:"document_sha256"`
}

func (s *server) reportMilestone(c echo.Context) error {
	var b deliveryReportBody
	if err := decodeBody(c, &b, "item", "status"); err != nil {
		return err
	}
	return s.plan(c, domain.ReportMilestone(b))
}

func (s *server) recordGovernanceBody(c echo.Context) error {
	var b governanceBodyBody
	if err := decodeBody(c, &b, "body_id", "name", "kind", "chair_person_id", "terms_of_reference_sha256", "effective_from"); err != nil {
		return err
	}
	return s.registry(c, domain.RecordGovernanceBody(b))
}

func (s *server) recordBoardApproval(c echo.Context) error {
	var b boardApprovalBody
	if err := decodeBody(c, &b, "version", "body_id", "meeting_date", "minute_ref", "document_sha256"); err != nil {
		return err
	}
	return s.plan(c, domain.RecordBoardApproval(b))
}

// GovernanceBodyList is GET /v1/governance-bodies.
type GovernanceBodyList struct {
	GovernanceBodies []domain.GovernanceBody `json:"governance_bodies"`
	projections.Cut
}

func (s *server) listGovernanceBodies(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, _, err := s.cutParam(c)
	if err != nil {
		return err
	}
	bodies, cut, err := s.Projections.GovernanceBodiesAsOf(pos)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, GovernanceBodyList{GovernanceBodies: bodies, Cut: cut})
}

func (s *server) planDelivery(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	id, err := planIDParam(c)
	if err != nil {
		return err
	}
	pos, asOf, err := s.asOf(c)
	if err != nil {
		return err
	}
	notFound := newProblem(http.StatusNotFound, "plan_not_found", "no plan "+id)
	if asOf && pos == 0 {
		return notFound // before the first event nothing existed
	}
	if asOf {
		release, busy := s.enterExpensive(c, "a plan's delivery as of a past time")
		if busy != nil {
			return busy
		}
		defer release()
	}
	d, ok, err := s.Projections.Delivery(c.Request().Context(), id, pos, asOfTime(c))
	if err != nil {
		return err
	}
	if !ok {
		return notFound
	}
	return c.JSON(http.StatusOK, d)
}

// reportFilter reads the round, sha and as_of of a report; empty says the time asked for is before
// the first event, when nothing existed. A past report takes an expensive-read slot, which the
// caller releases.
func (s *server) reportFilter(c echo.Context, what string) (f projections.ReportFilter, empty bool, release func(), err error) {
	pos, at, empty, err := s.reportAsOf(c)
	if err != nil {
		return f, false, nil, err
	}
	f = projections.ReportFilter{SHA: c.QueryParam("sha"), Round: c.QueryParam("round"), AsOf: pos, At: at}
	release = func() {}
	if pos != 0 && !empty {
		if release, err = s.enterExpensive(c, what+" as of a past time"); err != nil {
			return f, false, nil, err
		}
	}
	return f, empty, release, nil
}

func (s *server) deliveryReport(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	f, empty, release, err := s.reportFilter(c, "the delivery report")
	if err != nil {
		return err
	}
	defer release()
	// Before the first event nothing existed; overdue would still be counted on the day asked about.
	rep := projections.DeliveryReport{Round: roundLabel(f.Round), SHA: f.SHA, On: domain.DateOf(f.At.UTC()), BySHA: []projections.DeliveryRow{}}
	if !empty {
		if rep, err = s.Projections.DeliveryReport(c.Request().Context(), f); err != nil {
			return err
		}
	}
	if !wantsCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		return c.JSON(http.StatusOK, rep)
	}
	return writeDeliveryCSV(csvAnswer(c, "delivery-report.csv"), rep)
}

func (s *server) fundingReport(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	f, empty, release, err := s.reportFilter(c, "the funding report")
	if err != nil {
		return err
	}
	defer release()
	rep := projections.FundingReport{Round: roundLabel(f.Round), SHA: f.SHA, BySHA: []projections.FundingRow{}}
	if !empty {
		if rep, err = s.Projections.FundingReport(c.Request().Context(), f); err != nil {
			return err
		}
	}
	if !wantsCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		return c.JSON(http.StatusOK, rep)
	}
	return writeFundingCSV(csvAnswer(c, "funding-report.csv"), rep)
}
