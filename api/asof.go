package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"assurance-ledger/domain"
	"assurance-ledger/eventstore"
	"assurance-ledger/projections"
)

// Every governance query answers as the ledger stands, or "as of" a time or a position of the log
// (?as_of=), and names the cut of the log it answered from (projections.Cut: as_of, as_of_position,
// tree_size), so that the answer can be paired with the signed tree head of that size and checked
// against a copy of the log cut there (ledger audit does).

// asOf reads ?as_of=, an RFC 3339 time or a global position, as a position. ok is false when the
// parameter is absent. A time before the first event gives position 0 with ok true: nothing existed.
// A position past what the projections have applied answers as of that: the present, which is
// the position the answer names.
func (s *server) asOf(c echo.Context) (pos eventstore.Position, ok bool, err error) {
	pos, _, ok, err = s.asOfWhen(c)
	return pos, ok, err
}

// asOfWhen is asOf, with the time asked for when as_of is a time (nil when it is a position).
func (s *server) asOfWhen(c echo.Context) (pos eventstore.Position, at *time.Time, ok bool, err error) {
	if _, given := c.QueryParams()["as_of"]; !given {
		return 0, nil, false, nil
	}
	v, err := projections.ParseAsOf(c.QueryParam("as_of"))
	if err != nil {
		return 0, nil, false, badRequest(err.Error(), field("as_of", "must be a position (1 to 9223372036854775807) or an RFC 3339 time"))
	}
	if !v.IsTime {
		return min(v.Position, s.Projections.Applied()), nil, true, nil
	}
	p, _ := s.Projections.PositionAt(v.Time)
	t := v.Time
	return p, &t, true, nil
}

// cutParam is the position a query answers as of: the one ?as_of= names, or projections.Latest for
// the present.
func (s *server) cutParam(c echo.Context) (pos eventstore.Position, asOf bool, err error) {
	pos, asOf, err = s.asOf(c)
	if !asOf {
		pos = projections.Latest
	}
	return pos, asOf, err
}

// OrganisationList is GET /v1/organisations.
type OrganisationList struct {
	Organisations []domain.Organisation `json:"organisations"`
	projections.Cut
}

// LHCList is GET /v1/lhcs.
type LHCList struct {
	LHCs []domain.LHC `json:"lhcs"`
	projections.Cut
}

// PlanList is GET /v1/plans.
type PlanList struct {
	Plans []projections.PlanSummary `json:"plans"`
	projections.Cut
}

// OrganisationAnswer is GET /v1/organisations/{ods}: the organisation with every appointment
// recorded by the cut, and which of them was in force at ChiefExecutiveAt.
type OrganisationAnswer struct {
	domain.Organisation
	// ChiefExecutiveAt is the instant ChiefExecutive answers for: the time as_of names, else when
	// the cut's last event was recorded (as_of a position), else the time of the request.
	ChiefExecutiveAt time.Time `json:"chief_executive_at"`
	// ChiefExecutive is the appointment in force then, as the ledger stood at the cut; null if none
	// had taken effect.
	ChiefExecutive *domain.Appointment `json:"chief_executive"`
	projections.Cut
}

func (s *server) listOrganisations(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, _, err := s.cutParam(c)
	if err != nil {
		return err
	}
	orgs, cut, err := s.Projections.OrganisationsAsOf(pos)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, OrganisationList{Organisations: orgs, Cut: cut})
}

func (s *server) getOrganisation(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, at, asOf, err := s.asOfWhen(c)
	if err != nil {
		return err
	}
	if !asOf {
		pos = projections.Latest
	}
	ods := c.Param("ods")
	org, found, cut, err := s.Projections.OrganisationAsOf(ods, pos)
	if err != nil {
		return err
	}
	if !found {
		return organisationNotFound(ods, asOf, cut)
	}
	ans := OrganisationAnswer{Organisation: org, Cut: cut}
	switch {
	case at != nil:
		ans.ChiefExecutiveAt = *at
	case asOf:
		ans.ChiefExecutiveAt = cut.AsOf
	default:
		ans.ChiefExecutiveAt = time.Now().UTC()
	}
	if ce, ok := org.ChiefExecutiveAt(ans.ChiefExecutiveAt); ok {
		ans.ChiefExecutive = &ce
	}
	return c.JSON(http.StatusOK, ans)
}

func organisationNotFound(ods string, asOf bool, cut projections.Cut) error {
	detail := "no organisation " + ods + " is registered"
	if asOf {
		detail = fmt.Sprintf("no organisation %s was registered as of position %d", ods, cut.AsOfPosition)
	}
	return newProblem(http.StatusNotFound, "organisation_not_found", detail)
}

func (s *server) listLHCs(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, _, err := s.cutParam(c)
	if err != nil {
		return err
	}
	lhcs, cut, err := s.Projections.LHCsAsOf(pos)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, LHCList{LHCs: lhcs, Cut: cut})
}

func (s *server) listPlans(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	f := projections.PlanFilter{SHA: c.QueryParam("sha"), LHC: c.QueryParam("lhc"), Round: c.QueryParam("round"), Status: domain.Status(c.QueryParam("status"))}
	if f.Status != "" && !validStatus(f.Status) {
		return badRequest(fmt.Sprintf("status %q is not a plan status", f.Status), field("status", "must be one of "+statusList()))
	}
	pos, asOf, err := s.cutParam(c)
	if err != nil {
		return err
	}
	if asOf {
		release, busy := s.enterExpensive(c, "the plan list as of a past time")
		if busy != nil {
			return busy
		}
		defer release()
	}
	plans, cut, err := s.Projections.PlansAsOf(c.Request().Context(), f, pos)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, PlanList{Plans: plans, Cut: cut})
}

func (s *server) shaStatus(c echo.Context) error {
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, asOf, err := s.cutParam(c)
	if err != nil {
		return err
	}
	if asOf {
		release, busy := s.enterExpensive(c, "an SHA's assurance status as of a past time")
		if busy != nil {
			return busy
		}
		defer release()
	}
	code, round := c.Param("code"), c.QueryParam("round")
	var (
		st projections.SHAStatus
		ok bool
	)
	if asOf {
		if st, ok, err = s.Projections.SHAStatusAsOfAt(c.Request().Context(), code, round, pos, asOfTime(c)); err != nil {
			return err
		}
	} else {
		st, ok = s.Projections.SHAStatus(code, round) // lateness measured today
	}
	if !ok {
		detail := "no SHA " + code + " is registered"
		if asOf {
			detail = fmt.Sprintf("no SHA %s was registered as of position %d", code, s.Projections.CutAt(pos).AsOfPosition)
		}
		return newProblem(http.StatusNotFound, "sha_not_found", detail)
	}
	return c.JSON(http.StatusOK, st)
}

func (s *server) sroEvidence(c echo.Context) error {
	format := c.QueryParam("format")
	if format != "" && format != "json" && format != "bundle" {
		return badRequest("format must be json or bundle", field("format", "must be json or bundle"))
	}
	if err := s.awaitProjections(c); err != nil {
		return err
	}
	pos, asOf, err := s.cutParam(c)
	if err != nil {
		return err
	}
	if format == "bundle" || asOf {
		what := "an evidence bundle"
		if format != "bundle" {
			what = "SRO evidence as of a past time"
		}
		release, err := s.enterExpensive(c, what)
		if err != nil {
			return err
		}
		defer release()
	}
	ods := c.Param("ods")
	ev, ok, err := s.Projections.SROEvidenceAsOf(c.Request().Context(), ods, pos)
	if err != nil {
		return err
	}
	if !ok {
		return organisationNotFound(ods, asOf, s.Projections.CutAt(pos))
	}
	if format == "bundle" {
		return s.sroBundle(c, ev)
	}
	return c.JSON(http.StatusOK, ev)
}
